#pragma once
// ApiApp turns HTTP requests into service calls: it matches the route table, authenticates,
// enforces the role matrix and body rules, maps failures to the error envelope, records
// metrics, and serves the dashboard's static files.
#include <memory>
#include <string>

#include "api/request_metrics.h"
#include "api/router.h"
#include "api/server.h"
#include "obs/system_stats.h"
#include "services/audit_service.h"
#include "services/auth_service.h"
#include "services/camera_service.h"
#include "services/person_service.h"
#include "services/sighting_service.h"
#include "services/system_config_service.h"
#include "services/user_service.h"

namespace argus::api {

struct AppContext {
  store::Store& store;
  services::AuditService& audit;
  services::AuthService& auth;
  services::UserService& users;
  services::CameraService& cameras;
  services::PersonService& persons;
  services::SightingService& sightings;
  services::SystemConfigService& system_config;
  obs::SystemSampler& sampler;
  std::string web_root;
  std::string version;
  std::string data_dir;
  // Enrolment with photos (set when the vision core is loaded); JSON-only without it.
  std::function<Response(Request&)> enrol_person;
  // Extra health components (pipeline, models...), each {"status": "...", ...}.
  std::vector<std::pair<std::string, std::function<Json()>>> health_checks;
};

class ApiApp final : public RequestHandler {
 public:
  explicit ApiApp(AppContext& ctx);
  Router& router() { return router_; }
  AppContext& context() { return ctx_; }
  Response handle(Request& req) override;
  std::variant<std::function<void(std::shared_ptr<WsConnection>)>, Response> upgrade(Request& req) override;
  // A route's max_body_bytes, for a caller whose token already passes the route's role.
  uint64_t body_limit(Request& req, uint64_t server_limit) override;
  uint64_t largest_body_limit(uint64_t server_limit) override;
  // Verifies a bearer token (for WebSocket in-band auth).
  Result<Principal> authenticate(const std::string& token) { return ctx_.auth.authenticate(token); }

 private:
  Response dispatch(Request& req, std::string& route_label);
  Response serve_static(const Request& req);
  std::optional<Response> authorize(Request& req, const Route& route);

  AppContext& ctx_;
  Router router_;
  RequestMetrics request_metrics_;
};

// Registers the foundation routes: auth, users, cameras, persons, system, audit, docs.
void add_core_routes(ApiApp& app);

// Helpers for handlers.
Result<Json> json_body(const Request& req, bool allow_empty = false);
Result<store::PageRequest> page_request(const Request& req);
std::optional<std::string> query(const Request& req, const std::string& name);
Result<std::optional<int64_t>> query_int(const Request& req, const std::string& name, int64_t lo, int64_t hi);

}  // namespace argus::api
