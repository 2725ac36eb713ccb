#include "services/sighting_service.h"

#include <algorithm>
#include <map>
#include <set>

namespace argus::services {

namespace {
constexpr int64_t kHourMs = 3'600'000;
}

store::Page<store::SightingRecord> SightingService::list(const store::PageRequest& p, store::SightingFilter f,
                                                         const auth::Principal& who) {
  if (f.camera_id && !who.can_see_camera(*f.camera_id)) return {};
  f.allowed_camera_ids = who.camera_ids;
  return store_.list_sightings(p, f);
}

std::optional<store::SightingRecord> SightingService::get(int64_t id, const auth::Principal& who) {
  auto s = store_.sighting(id);
  if (!s || !who.can_see_camera(s->camera_id)) return std::nullopt;
  return s;
}

SightingStatistics SightingService::statistics(int hours, const auth::Principal& who, int64_t now_ms, int64_t max_counted) {
  SightingStatistics st;
  st.end_ms = now_ms;
  st.start_ms = now_ms - hours * kHourMs;
  const int64_t first_hour = st.start_ms - st.start_ms % kHourMs;
  st.per_hour.resize(static_cast<size_t>((now_ms - first_hour) / kHourMs + 1));
  for (size_t i = 0; i < st.per_hour.size(); ++i) st.per_hour[i].start_ms = first_hour + static_cast<int64_t>(i) * kHourMs;
  std::map<int64_t, SightingStatistics::Camera> cameras;
  std::set<int64_t> persons;
  store::SightingFilter f;
  f.start_ms = st.start_ms;
  f.allowed_camera_ids = who.camera_ids;
  // Page by page, so a busy week costs memory for a page, not for the week.
  constexpr int kPerPage = 500;
  for (int page = 1;; ++page) {
    auto rows = store_.list_sightings({page, kPerPage}, f);
    for (const auto& s : rows.items) {
      if (st.total >= max_counted) {
        st.truncated = true;
        break;
      }
      ++st.total;
      if (s.person_id) {
        ++st.identified;
        persons.insert(*s.person_id);
      }
      auto& cam = cameras[s.camera_id];
      cam.camera_id = s.camera_id;
      cam.camera_name = s.camera_name;
      ++cam.count;
      const size_t h = static_cast<size_t>((std::max(s.first_seen, first_hour) - first_hour) / kHourMs);
      if (h < st.per_hour.size()) {
        ++st.per_hour[h].count;
        ++(s.person_id ? st.per_hour[h].identified : st.per_hour[h].unknown);
      }
    }
    if (st.truncated || rows.items.empty() || static_cast<int64_t>(page) * kPerPage >= rows.total) break;
  }
  st.unique_persons = static_cast<int64_t>(persons.size());
  for (auto& [id, cam] : cameras) st.per_camera.push_back(std::move(cam));
  return st;
}

std::vector<store::AttendanceRecord> SightingService::attendance(const std::optional<std::string>& from,
                                                                 const std::optional<std::string>& to,
                                                                 std::optional<int64_t> person_id, const auth::Principal& who) {
  auto rows = store_.attendance(from, to, person_id);
  if (who.camera_ids.empty()) return rows;
  std::vector<store::AttendanceRecord> mine;
  for (auto& a : rows) {
    std::erase_if(a.camera_ids, [&](int64_t id) { return !who.can_see_camera(id); });
    if (!a.camera_ids.empty()) mine.push_back(std::move(a));
  }
  return mine;
}

}  // namespace argus::services
