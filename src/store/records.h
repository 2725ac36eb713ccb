#pragma once
// Plain records the store reads and writes. Times are Unix milliseconds (UTC).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"

namespace argus::store {

struct UserRecord {
  int64_t id = 0;
  std::string username;
  std::string password_hash;
  std::string role;
  std::vector<int64_t> camera_ids;  // empty: every camera
  int64_t created_at = 0;
  int64_t updated_at = 0;
  std::optional<int64_t> last_login;
};

struct RefreshTokenRecord {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string token_hash;
  int64_t expires_at = 0;
  std::optional<int64_t> revoked_at;
};

struct CameraRecord {
  int64_t id = 0;
  std::string name;
  std::string source_masked;             // shown to users: credentials replaced by ***
  std::vector<uint8_t> source_sealed;    // the full source with credentials, encrypted
  bool has_credentials = false;
  std::string camera_type;
  std::string status = "inactive";
  int width = 1920, height = 1080, fps = 25;
  Json settings = Json::object();
  Json detection = Json::object();
  Json location = Json::object();
  bool is_active = false;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

struct PersonRecord {
  int64_t id = 0;
  std::string name;
  std::string employee_id;
  std::string department;
  Json metadata = Json::object();
  bool consent_given = false;
  std::string consent_date;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  std::optional<int64_t> last_seen;
};

struct ImageRecord {
  int64_t id = 0;
  int64_t person_id = 0;
  std::string path;  // relative to the blob folder
  std::string sha256;
  int width = 0, height = 0;
  double quality = 0;
  int64_t created_at = 0;
};

struct EmbeddingRecord {
  int64_t id = 0;
  int64_t person_id = 0;
  std::optional<int64_t> image_id;
  std::string model;
  std::vector<float> vector;
  double quality = 0;
  int64_t created_at = 0;
};

struct AuditRecord {
  int64_t id = 0;
  int64_t time = 0;
  std::optional<int64_t> user_id;
  std::string username;
  std::string action;    // login, create, update, delete, ...
  std::string resource;  // user, camera, person, system_config, ...
  std::string resource_id;
  std::string client;
  std::string result;    // success, failure, denied
  Json details = Json::object();
};

struct SightingRecord {
  int64_t id = 0;
  int64_t camera_id = 0;
  std::string camera_name;
  int64_t track_id = 0;
  std::optional<int64_t> person_id;
  std::string person_name;
  int64_t first_seen = 0;
  int64_t last_seen = 0;
  double best_confidence = 0;
  double similarity = 0;
  int64_t frame_count = 0;
  std::string snapshot_path;
};

struct PrunedSightings {
  size_t rows = 0;
  std::vector<std::string> snapshot_paths;  // the non-empty ones
};

struct AttendanceRecord {
  int64_t person_id = 0;
  std::string person_name;
  std::string date;  // YYYY-MM-DD
  int64_t first_seen = 0;
  int64_t last_seen = 0;
  std::vector<int64_t> camera_ids;
};

// Page request (1-based) and a page of results with the total count.
struct PageRequest {
  int page = 1;
  int per_page = 20;
};

template <class T>
struct Page {
  std::vector<T> items;
  int64_t total = 0;
};

// A video job (VideoJobService) as the API shows it, kept so that a restart loses no finished
// result and can tell which jobs it interrupted. The service owns the shape of `body`.
struct VideoJobRecord {
  std::string id;
  int64_t user_id = 0;
  std::string status;        // queued, running, completed, failed, cancelled
  int64_t created_at = 0;
  int64_t finished_at = 0;   // 0 until the job ends
  Json body;
};

struct CameraFilter {
  std::optional<std::string> status, type, search;
  std::vector<int64_t> allowed_ids;  // empty: all
};

struct AuditFilter {
  std::optional<std::string> username, action, resource;
  std::optional<int64_t> start_ms, end_ms;
};

struct SightingFilter {
  std::optional<int64_t> camera_id, person_id, start_ms, end_ms;
  std::optional<double> min_confidence;
  bool unknown_only = false;
  std::vector<int64_t> allowed_camera_ids;  // empty: all
};

}  // namespace argus::store
