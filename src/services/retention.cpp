#include "services/retention.h"

#include <filesystem>

#include "core/paths.h"

namespace argus::services {

namespace {

constexpr int64_t kDayMs = 86'400'000;

// Days from the configuration (validated 1..3650 by SystemConfigService); 0: keep everything.
int64_t days(const Json& cfg, const char* key) {
  auto it = cfg.find(key);
  return it != cfg.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

// Removes blob files by their stored relative paths; a path that is absolute or climbs out of
// blob_dir is not ours to delete.
size_t remove_files(const std::string& blob_dir, const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  size_t removed = 0;
  for (const auto& rel : paths) {
    if (!is_contained_relative_path(rel)) continue;
    std::error_code ec;
    if (fs::remove(fs::path(blob_dir) / rel, ec)) ++removed;
  }
  return removed;
}

}  // namespace

RetentionOutcome apply_retention(store::Store& store, const std::string& blob_dir, const Json& system_config,
                                 int64_t now_ms) {
  RetentionOutcome out;
  if (int64_t d = days(system_config, "eventRetentionDays"); d > 0) {
    auto pruned = store.delete_sightings_before(now_ms - d * kDayMs);
    out.sightings_deleted = pruned.rows;
    out.snapshots_deleted += remove_files(blob_dir, pruned.snapshot_paths);
  }
  if (int64_t d = days(system_config, "snapshotRetentionDays"); d > 0)
    out.snapshots_deleted += remove_files(blob_dir, store.clear_snapshots_before(now_ms - d * kDayMs).snapshot_paths);
  return out;
}

}  // namespace argus::services
