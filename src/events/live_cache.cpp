#include "events/live_cache.h"

namespace argus::events {

void LiveCache::put(CameraId id, Json data, int64_t now_ms) {
  std::lock_guard lock(mu_);
  entries_[id] = Entry{std::move(data), now_ms};
}

std::optional<Json> LiveCache::get(CameraId id, int64_t now_ms) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end() || now_ms - it->second.at_ms > ttl_ms_) return std::nullopt;
  return it->second.data;
}

std::vector<std::pair<CameraId, Json>> LiveCache::all(int64_t now_ms) const {
  std::lock_guard lock(mu_);
  std::vector<std::pair<CameraId, Json>> out;
  for (const auto& [id, e] : entries_)
    if (now_ms - e.at_ms <= ttl_ms_) out.emplace_back(id, e.data);
  return out;
}

void LiveCache::erase(CameraId id) {
  std::lock_guard lock(mu_);
  entries_.erase(id);
}

}  // namespace argus::events
