#pragma once
// What the cameras saw, as people ask about it: sightings (one per track), their counts over
// a period, and attendance (one row per person per day). Every answer is limited to the
// cameras the asking user may see.
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "auth/principal.h"
#include "store/store.h"

namespace argus::services {

// Sighting counts over the last `hours` (GET /detections/statistics).
struct SightingStatistics {
  struct Camera {
    int64_t camera_id = 0;
    std::string camera_name;
    int64_t count = 0;
  };
  struct Hour {
    int64_t start_ms = 0;  // a whole UTC hour
    int64_t count = 0, identified = 0, unknown = 0;
  };
  int64_t start_ms = 0, end_ms = 0;
  int64_t total = 0, identified = 0, unique_persons = 0;
  std::vector<Camera> per_camera;  // by camera id
  std::vector<Hour> per_hour;      // from the hour holding start_ms to the one holding end_ms
  bool truncated = false;          // more than max_counted sightings: the first ones counted
};

class SightingService {
 public:
  explicit SightingService(store::Store& store) : store_(store) {}

  // A page of sightings matching `f`, newest first. A camera the user may not see matches
  // nothing (an empty page, not an error: its existence is not revealed).
  store::Page<store::SightingRecord> list(const store::PageRequest& p, store::SightingFilter f, const auth::Principal& who);
  // nullopt when there is no such sighting or it is of a camera the user may not see.
  std::optional<store::SightingRecord> get(int64_t id, const auth::Principal& who);
  // The sightings seen in the `hours` before `now_ms` (last_seen at or after the start), each
  // counted in the hour of its first_seen (the first hour when it began earlier).
  SightingStatistics statistics(int hours, const auth::Principal& who, int64_t now_ms, int64_t max_counted = 50000);
  // Attendance from..to (dates YYYY-MM-DD, inclusive), one person or all. A user limited to
  // some cameras sees only days those cameras saw someone, with only those cameras listed.
  std::vector<store::AttendanceRecord> attendance(const std::optional<std::string>& from, const std::optional<std::string>& to,
                                                  std::optional<int64_t> person_id, const auth::Principal& who);

 private:
  store::Store& store_;
};

}  // namespace argus::services
