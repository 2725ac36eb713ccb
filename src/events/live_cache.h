#pragma once
// LiveCache: the latest detection_event data per camera, for GET /detections/live (the pull
// fallback of seed 001 §9.2). Entries older than the TTL are treated as absent, so a camera
// that stopped producing results stops showing stale faces.
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "core/json.h"
#include "core/types.h"

namespace argus::events {

class LiveCache {
 public:
  explicit LiveCache(int64_t ttl_ms) : ttl_ms_(ttl_ms) {}
  void put(CameraId id, Json data, int64_t now_ms);
  std::optional<Json> get(CameraId id, int64_t now_ms) const;
  // Every fresh entry, by camera id.
  std::vector<std::pair<CameraId, Json>> all(int64_t now_ms) const;
  void erase(CameraId id);
  int64_t ttl_ms() const { return ttl_ms_; }

 private:
  struct Entry {
    Json data;
    int64_t at_ms = 0;
  };
  const int64_t ttl_ms_;
  mutable std::mutex mu_;
  std::map<CameraId, Entry> entries_;  // one per camera: bounded by the number of cameras
};

}  // namespace argus::events
