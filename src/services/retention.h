#pragma once
// Retention of the live history, from the system configuration: sightings last seen more than
// eventRetentionDays ago are deleted with their snapshot files; sightings older than
// snapshotRetentionDays lose their snapshot (file deleted, the sighting stays). Attendance (one
// row per person per day) is a report of its own and is kept.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/json.h"
#include "store/store.h"

namespace argus::services {

struct RetentionOutcome {
  size_t sightings_deleted = 0;
  size_t snapshots_deleted = 0;  // files removed (with their sightings or on their own)
};

// blob_dir: where snapshot paths (relative, "snapshots/...") live. system_config:
// SystemConfigService::get(). A day is 86,400,000 ms before now_ms.
RetentionOutcome apply_retention(store::Store& store, const std::string& blob_dir, const Json& system_config,
                                 int64_t now_ms);

}  // namespace argus::services
