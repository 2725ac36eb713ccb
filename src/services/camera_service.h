#pragma once
// Cameras: validation of each source type, sealing of credentials, and the JSON users see.
// Credentials (in the URL or in fields) are encrypted at rest and never returned or logged.
#include <functional>
#include <optional>
#include <string>

#include "auth/principal.h"
#include "core/result.h"
#include "services/audit_service.h"
#include "store/store.h"

namespace argus::services {

// A source URL split into the parts we validate and mask.
struct SourceUrl {
  std::string scheme, username, password, host, rest;  // rest: ":port/path?query"
  int port = 0;
};
std::optional<SourceUrl> parse_source_url(const std::string& url);
// "rtsp://user:pw@host/x" -> "rtsp://***:***@host/x"; other strings unchanged.
std::string mask_source(const std::string& url);

struct CameraSource {
  std::string type;
  std::string url;  // full URL with credentials, for the ingest layer only
};

class CameraService {
 public:
  CameraService(store::Store& store, AuditService& audit, std::string seal_key, std::string media_dir);

  Result<store::CameraRecord> create(const Json& body, const auth::Principal& who, const std::string& client);
  Result<store::CameraRecord> update(int64_t id, const Json& body, const auth::Principal& who, const std::string& client);
  Result<store::CameraRecord> update_settings(int64_t id, const Json& body, const auth::Principal& who, const std::string& client);
  Status remove(int64_t id, const auth::Principal& who, const std::string& client);
  // NOT_FOUND also when the caller may not see the camera (no existence leak).
  Result<store::CameraRecord> get(int64_t id, const auth::Principal& who);
  store::Page<store::CameraRecord> list(const store::PageRequest& p, store::CameraFilter f, const auth::Principal& who);
  std::optional<CameraSource> source(int64_t id);
  void set_status(int64_t id, const std::string& status, bool active) { store_.set_camera_status(id, status, active); }
  // Creates the demo camera the first time only (a flag remembers that it existed).
  std::optional<int64_t> ensure_demo_camera(const std::string& clip_path);

  // A new camera's detection settings: the system configuration's samplingRate,
  // detectionThreshold, minFaceSize and maxFacesPerFrame when system_config is set.
  Json detection_defaults() const;
  // The same from a system configuration the caller already read (GET /system/config).
  static Json detection_defaults(const Json& system_config);
  // By value: list handlers move each record in, so its JSON columns are not copied.
  Json to_json(store::CameraRecord c) const;
  const std::string& media_dir() const { return media_dir_; }

  // Called after create/update/delete/start/stop so the pipeline can follow (set by serve).
  std::function<void(int64_t id, const std::string& what)> on_change;
  // Live session statistics for to_json's "stats" (null when not running); set by the live
  // runtime, which owns the cameras' sessions.
  std::function<Json(int64_t id)> stats_for;
  // The run-time system configuration (SystemConfigService::get), for detection_defaults().
  std::function<Json()> system_config;

 private:
  // Fills `c` from `body` (create: required fields enforced); returns validation errors.
  Status apply(store::CameraRecord& c, const Json& body, bool creating);
  Status check_source(const std::string& type, const std::string& source, std::string& normalised) const;

  store::Store& store_;
  AuditService& audit_;
  std::string seal_key_;
  std::string media_dir_;
};

}  // namespace argus::services
