// Foundation routes: auth, users, cameras, persons, system, audit, health, metrics, docs.
#include <spdlog/spdlog.h>

#include "api/schema.h"
#include "api/app.h"
#include "core/validate.h"
#include "core/time.h"
#include "obs/metrics.h"

namespace argus::api {

namespace {

using namespace schema;  // obj(), arr(), kStr ... (api/schema.h)

using services::AuthService;


const Json kUser = obj({{"id", kInt}, {"username", kStr}, {"role", kStr}, {"camera_ids", arr(kInt)},
                        {"createdAt", kStr}, {"lastLogin", kStr}});
const Json kCamera = obj({{"id", kInt}, {"name", kStr}, {"source", kStr}, {"type", kStr}, {"status", kStr},
                          {"resolution", obj({{"width", kInt}, {"height", kInt}})}, {"fps", kInt}, {"settings", kObj},
                          {"detection", obj({{"enabled", kBool}, {"fps_limit", kNum}, {"min_face_size", kInt},
                                             {"confidence_threshold", kNum}, {"max_faces_per_frame", kInt}})},
                          {"location", obj({{"site", kStr}, {"floor", kStr}, {"zone", kStr}})}, {"isActive", kBool},
                          {"hasCredentials", kBool}, {"stats", kObj}, {"createdAt", kStr}, {"updatedAt", kStr}});
const Json kCameraIn = obj({{"name", kStr}, {"source", kStr}, {"camera_type", {{"type", "string"}, {"enum", {"rtsp", "http_mjpeg", "usb", "websocket", "socket", "file"}}}},
                            {"username", kStr}, {"password", kStr}, {"resolution_width", kInt}, {"resolution_height", kInt},
                            {"fps", kInt}, {"settings", kObj}, {"detection", kObj}, {"location", kObj}, {"is_active", kBool}});
const Json kPerson = obj({{"id", kInt}, {"name", kStr}, {"employee_id", kStr}, {"department", kStr}, {"metadata", kObj},
                          {"consent", obj({{"given", kBool}, {"date", kStr}})}, {"images", arr(obj({{"id", kInt}, {"url", kStr}, {"quality", kNum}}))},
                          {"lastSeen", kStr}, {"createdAt", kStr}});
const Json kPersonIn = obj({{"name", kStr}, {"employee_id", kStr}, {"department", kStr}, {"metadata", kObj},
                            {"consent_given", kBool}, {"consent_date", kStr}});
const Json kTokens = obj({{"token", kStr}, {"refresh_token", kStr}, {"expires_in", kInt}, {"user", kUser}});
const std::vector<QueryParam> kPaging = {{"page", "integer", "1-based page"}, {"per_page", "integer", "items per page (1-100)"}};

Json tokens_json(const services::TokenPair& t) {
  return {{"token", t.access_token}, {"refresh_token", t.refresh_token}, {"expires_in", t.expires_in},
          {"token_type", "Bearer"}, {"user", AuthService::user_json(t.user)}};
}

template <class T>
Response or_error(const Result<T>& r, const std::function<Response(const T&)>& ok) {
  if (!r) return error_response(r.error());
  return ok(r.value());
}

std::string openapi_html(const Json& spec) {
  // A self-contained reference page generated from the same OpenAPI document.
  std::string rows;
  auto esc = [](std::string s) {
    std::string o;
    for (char c : s) {
      if (c == '<') o += "&lt;"; else if (c == '>') o += "&gt;"; else if (c == '&') o += "&amp;"; else o += c;
    }
    return o;
  };
  for (auto& [path, ops] : spec["paths"].items())
    for (auto& [method, op] : ops.items()) {
      std::string role = op.contains("x-min-role") ? op["x-min-role"].get<std::string>() : "public";
      std::string body = op.contains("requestBody") ? "<pre>" + esc(op["requestBody"]["content"]["application/json"]["schema"].dump(2)) + "</pre>" : "";
      std::string params;
      if (op.contains("parameters"))
        for (auto& p : op["parameters"]) params += "<code>" + esc(p["name"]) + "</code> (" + esc(p["in"]) + ") ";
      std::string m = method;
      for (auto& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      rows += "<tr><td class=m>" + m + "</td><td><code>" + esc(path) + "</code></td><td>" + esc(op["summary"]) +
              "<br><small>" + params + "</small>" + body + "</td><td>" + role + "</td></tr>\n";
    }
  return "<!doctype html><html lang=en><head><meta charset=utf-8><title>Argus API reference</title><style>"
         "body{font-family:system-ui,sans-serif;margin:2rem;max-width:1200px}table{border-collapse:collapse;width:100%}"
         "td,th{border-bottom:1px solid #ddd;padding:.4rem;vertical-align:top;text-align:left}td.m{font-weight:bold}"
         "pre{background:#f6f6f6;padding:.4rem;max-height:12rem;overflow:auto}</style></head><body>"
         "<h1>Argus API reference</h1><p>Version " + esc(spec["info"]["version"]) +
         ". Machine-readable: <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a>. Authenticate with "
         "<code>POST /api/v1/auth/login</code>, then send <code>Authorization: Bearer &lt;token&gt;</code>.</p>"
         "<table><tr><th>Method</th><th>Path</th><th>What it does</th><th>Least role</th></tr>" + rows + "</table></body></html>";
}

}  // namespace

void add_core_routes(ApiApp& app) {
  Router& r = app.router();
  AppContext& c = app.context();
  using V = http::verb;
  auto admin = std::optional<Role>(Role::admin);
  auto supervisor = std::optional<Role>(Role::supervisor);
  auto viewer = std::optional<Role>(Role::viewer);

  // ---- auth ----
  r.add({V::post, "/api/v1/auth/login", std::nullopt, "auth", "Log in; returns an access token (15 min) and a refresh token",
         obj({{"username", kStr}, {"password", kStr}}), kTokens, {}, false, false, "application/json", [&c](Request& req) {
           auto body = json_body(req);
           if (!body) return error_response(body.error());
           JsonValidator v(*body);
           auto user = v.str("username", true, 1, 64);
           auto pass = v.str("password", true, 1, 256);
           v.reject_unknown();
           if (!v.ok()) return error_response(v.error());
           int retry = 0;
           auto t = c.auth.login(*user, *pass, req.client, &retry);
           if (!t) {
             Response resp = error_response(t.error());
             if (t.error().code == "RATE_LIMITED") resp.headers.push_back({"Retry-After", std::to_string(retry)});
             return resp;
           }
           return json_ok(tokens_json(*t));
         }});
  r.add({V::post, "/api/v1/auth/refresh", std::nullopt, "auth", "Exchange a refresh token for a new pair (the old one is revoked)",
         obj({{"refresh_token", kStr}}), kTokens, {}, false, false, "application/json", [&c](Request& req) {
           auto body = json_body(req);
           if (!body) return error_response(body.error());
           JsonValidator v(*body);
           auto tok = v.str("refresh_token", true, 1, 200);
           v.reject_unknown();
           if (!v.ok()) return error_response(v.error());
           auto t = c.auth.refresh(*tok, req.client);
           if (!t) return error_response(t.error());
           return json_ok(tokens_json(*t));
         }});
  r.add({V::post, "/api/v1/auth/logout", viewer, "auth", "Log out: revoke the refresh token (or all of the user's) and this access token",
         obj({{"refresh_token", kStr}}), obj({}), {}, false, false, "application/json", [&c](Request& req) {
           auto body = json_body(req, true);
           if (!body) return error_response(body.error());
           JsonValidator v(*body);
           auto tok = v.str("refresh_token", false, 1, 200);
           v.reject_unknown();
           if (!v.ok()) return error_response(v.error());
           c.auth.logout(*req.principal, tok, req.client);
           return json_message("Logged out successfully");
         }});
  r.add({V::get, "/api/v1/auth/profile", viewer, "auth", "The current user", nullptr, obj({{"user", kUser}}), {}, false, false,
         "application/json", [&c](Request& req) {
           auto u = c.users.get(req.principal->user_id);
           if (!u) return json_error(401, "TOKEN_INVALID", "User no longer exists");
           return json_ok({{"user", AuthService::user_json(*u)}});
         }});

  // ---- users (admin) ----
  r.add({V::get, "/api/v1/users", admin, "users", "List users", nullptr, obj({{"users", arr(kUser)}}),
         {{"page", "integer", ""}, {"per_page", "integer", ""}, {"search", "string", "username contains"}}, false, false,
         "application/json", [&c](Request& req) {
           auto p = page_request(req);
           if (!p) return error_response(p.error());
           auto page = c.users.list(*p, query(req, "search"));
           Json list = Json::array();
           for (auto& u : page.items) list.push_back(AuthService::user_json(u));
           return json_ok_paged(json_field("users", std::move(list)), p->page, p->per_page, page.total);
         }});
  r.add({V::post, "/api/v1/users", admin, "users", "Create a user",
         obj({{"username", kStr}, {"password", kStr}, {"role", kStr}, {"camera_ids", arr(kInt)}}), obj({{"user", kUser}}), {},
         false, false, "application/json", [&c](Request& req) {
           auto body = json_body(req);
           if (!body) return error_response(body.error());
           auto u = c.users.create(*body, *req.principal, req.client);
           if (!u) return error_response(u.error());
           return json_ok({{"user", AuthService::user_json(*u)}}, 201);
         }});
  r.add({V::get, "/api/v1/users/{id}", admin, "users", "Get a user", nullptr, obj({{"user", kUser}}), {}, false, false,
         "application/json", [&c](Request& req) {
           auto u = c.users.get(req.id_param());
           if (!u) return json_error(404, "NOT_FOUND", "User not found");
           return json_ok({{"user", AuthService::user_json(*u)}});
         }});
  r.add({V::put, "/api/v1/users/{id}", admin, "users", "Change a user's role, password or camera set",
         obj({{"password", kStr}, {"role", kStr}, {"camera_ids", arr(kInt)}}), obj({{"user", kUser}}), {}, false, false,
         "application/json", [&c](Request& req) {
           auto body = json_body(req);
           if (!body) return error_response(body.error());
           auto u = c.users.update(req.id_param(), *body, *req.principal, req.client);
           if (!u) return error_response(u.error());
           return json_ok({{"user", AuthService::user_json(*u)}});
         }});
  r.add({V::delete_, "/api/v1/users/{id}", admin, "users", "Delete a user", nullptr, obj({}), {}, false, false,
         "application/json", [&c](Request& req) {
           auto st = c.users.remove(req.id_param(), *req.principal, req.client);
           if (!st) return error_response(st.error());
           return json_message("User deleted");
         }});

  // ---- cameras ----
  r.add({V::get, "/api/v1/cameras", viewer, "cameras", "List cameras (paged, filtered)", nullptr, obj({{"cameras", arr(kCamera)}}),
         {{"page", "integer", ""}, {"per_page", "integer", ""}, {"status", "string", ""}, {"type", "string", ""}, {"search", "string", "name, source or location contains"}},
         false, false, "application/json", [&c](Request& req) {
           auto p = page_request(req);
           if (!p) return error_response(p.error());
           store::CameraFilter f;
           f.status = query(req, "status");
           f.type = query(req, "type");
           f.search = query(req, "search");
           for (auto* s : {&f.status, &f.type, &f.search})
             if (*s && (s->value().empty() || s->value().size() > 200)) s->reset();
           auto page = c.cameras.list(*p, f, *req.principal);
           Json list = Json::array();
           for (auto& cam : page.items) list.push_back(c.cameras.to_json(std::move(cam)));
           return json_ok_paged(json_field("cameras", std::move(list)), p->page, p->per_page, page.total);
         }});
  r.add({V::post, "/api/v1/cameras", supervisor, "cameras", "Add a camera", kCameraIn, obj({{"camera", kCamera}}), {}, false,
         false, "application/json", [&c](Request& req) {
           auto body = json_body(req);
           if (!body) return error_response(body.error());
           auto cam = c.cameras.create(*body, *req.principal, req.client);
           if (!cam) return error_response(cam.error());
           return json_ok({{"camera", c.cameras.to_json(*cam)}}, 201);
         }});
  r.add({V::get, "/api/v1/cameras/{id}", viewer, "cameras", "Get a camera with its live statistics", nullptr,
         obj({{"camera", kCamera}}), {}, false, false, "application/json", [&c](Request& req) {
           auto cam = c.cameras.get(req.id_param(), *req.principal);
           if (!cam) return error_response(cam.error());
           return json_ok({{"camera", c.cameras.to_json(*cam)}});
         }});
  r.add({V::put, "/api/v1/cameras/{id}", supervisor, "cameras", "Change a camera", kCameraIn, obj({{"camera", kCamera}}), {},
         false, false, "application/json", [&c](Request& req) {
           auto body = json_body(req);
           if (!body) return error_response(body.error());
           auto cam = c.cameras.update(req.id_param(), *body, *req.principal, req.client);
           if (!cam) return error_response(cam.error());
           return json_ok({{"camera", c.cameras.to_json(*cam)}});
         }});
  r.add({V::put, "/api/v1/cameras/{id}/settings", supervisor, "cameras", "Change resolution, fps, settings and detection config",
         obj({{"resolution_width", kInt}, {"resolution_height", kInt}, {"fps", kInt}, {"settings", kObj}, {"detection", kObj}}),
         obj({{"camera", kCamera}}), {}, false, false, "application/json", [&c](Request& req) {
           auto body = json_body(req);
           if (!body) return error_response(body.error());
           auto cam = c.cameras.update_settings(req.id_param(), *body, *req.principal, req.client);
           if (!cam) return error_response(cam.error());
           return json_ok({{"camera", c.cameras.to_json(*cam)}});
         }});
  r.add({V::delete_, "/api/v1/cameras/{id}", supervisor, "cameras", "Remove a camera", nullptr, obj({}), {}, false, false,
         "application/json", [&c](Request& req) {
           auto st = c.cameras.remove(req.id_param(), *req.principal, req.client);
           if (!st) return error_response(st.error());
           return json_message("Camera deleted");
         }});
  for (bool start : {true, false}) {
    r.add({V::post, start ? "/api/v1/cameras/{id}/start" : "/api/v1/cameras/{id}/stop", supervisor, "cameras",
           start ? "Start a camera's session" : "Stop a camera's session", nullptr, obj({{"camera", kCamera}}), {}, false, false,
           "application/json", [&c, start](Request& req) {
             int64_t id = req.id_param();
             auto cam = c.cameras.get(id, *req.principal);
             if (!cam) return error_response(cam.error());
             c.cameras.set_status(id, start ? "connecting" : "stopped", start);
             c.audit.record(req.principal, start ? "start" : "stop", "camera", std::to_string(id), req.client, "success");
             if (c.cameras.on_change) c.cameras.on_change(id, start ? "start" : "stop");
             auto now = c.cameras.get(id, *req.principal);
             return json_ok({{"camera", c.cameras.to_json(*now)}});
           }});
  }

  // ---- persons ----
  r.add({V::get, "/api/v1/persons", viewer, "persons", "List persons (search by name, employee id, department)", nullptr,
         obj({{"persons", arr(kPerson)}}), {{"page", "integer", ""}, {"per_page", "integer", ""}, {"search", "string", ""}}, false,
         false, "application/json", [&c](Request& req) {
           auto p = page_request(req);
           if (!p) return error_response(p.error());
           auto search = query(req, "search");
           if (search && (search->empty() || search->size() > 200)) search.reset();
           auto page = c.persons.list(*p, search);
           Json list = Json::array();
           for (auto& person : page.items) list.push_back(c.persons.to_json(person));
           return json_ok_paged(json_field("persons", std::move(list)), p->page, p->per_page, page.total);
         }});
  r.add({V::post, "/api/v1/persons", supervisor, "persons",
         "Enrol a person: JSON fields, or multipart fields plus 1..N photos named 'images'", kPersonIn,
         obj({{"person", kPerson}, {"images", arr(kObj)}}), {}, true, false, "application/json", [&c](Request& req) {
           if (c.enrol_person) return c.enrol_person(req);
           auto body = json_body(req);
           if (!body) return error_response(body.error());
           auto p = c.persons.create(*body, *req.principal, req.client);
           if (!p) return error_response(p.error());
           return json_ok({{"person", c.persons.to_json(*p)}, {"images", Json::array()}}, 201);
         }});
  r.add({V::get, "/api/v1/persons/{id}", viewer, "persons", "Get a person with photos", nullptr, obj({{"person", kPerson}}), {},
         false, false, "application/json", [&c](Request& req) {
           auto p = c.persons.get(req.id_param());
           if (!p) return json_error(404, "NOT_FOUND", "Person not found");
           return json_ok({{"person", c.persons.to_json(*p)}});
         }});
  r.add({V::put, "/api/v1/persons/{id}", supervisor, "persons", "Change a person's fields", kPersonIn, obj({{"person", kPerson}}),
         {}, false, false, "application/json", [&c](Request& req) {
           auto body = json_body(req);
           if (!body) return error_response(body.error());
           auto p = c.persons.update(req.id_param(), *body, *req.principal, req.client);
           if (!p) return error_response(p.error());
           return json_ok({{"person", c.persons.to_json(*p)}});
         }});
  r.add({V::delete_, "/api/v1/persons/{id}", supervisor, "persons", "Delete a person, their photos and embeddings", nullptr,
         obj({}), {}, false, false, "application/json", [&c](Request& req) {
           auto st = c.persons.remove(req.id_param(), *req.principal, req.client);
           if (!st) return error_response(st.error());
           return json_message("Person deleted");
         }});

  // ---- system ----
  r.add({V::get, "/api/v1/system/config", viewer, "system", "Run-time settings", nullptr,
         obj({{"config", services::SystemConfigService::schema()}, {"descriptions", kObj}, {"camera_defaults", kObj}}), {}, false,
         false, "application/json", [&c](Request&) {
           // camera_defaults: what a new camera gets from this configuration, for the camera
           // form to start from (the mapping lives in CameraService only).
           Json config = c.system_config.get();  // one read of the store for both
           Json defaults = services::CameraService::detection_defaults(config);
           return json_ok({{"config", std::move(config)},
                           {"descriptions", services::SystemConfigService::descriptions()},
                           {"camera_defaults", {{"detection", std::move(defaults)}}}});
         }});
  r.add({V::put, "/api/v1/system/config", admin, "system", "Change run-time settings (typed, ranged; unknown keys rejected)",
         services::SystemConfigService::schema(), obj({{"config", kObj}}), {}, false, false, "application/json", [&c](Request& req) {
           auto body = json_body(req);
           if (!body) return error_response(body.error());
           auto cfg = c.system_config.put(*body, *req.principal, req.client);
           if (!cfg) return error_response(cfg.error());
           return json_ok({{"config", *cfg}});
         }});
  r.add({V::get, "/api/v1/system/status", viewer, "system", "Services, CPU, memory, GPU, disk and process figures", nullptr,
         obj({{"services", arr(kObj)}, {"performance", kObj}, {"process", kObj}, {"timestamp", kInt}}), {}, false, false,
         "application/json", [&c](Request&) {
           auto s = c.sampler.sample();
           Json j = c.sampler.to_json(s);
           Json services = Json::array();
           services.push_back({{"name", "api"}, {"status", "running"}, {"health", "healthy"}});
           services.push_back({{"name", "store"}, {"status", "running"}, {"health", c.store.ping() ? "healthy" : "unhealthy"}});
           for (auto& [name, fn] : c.health_checks) {
             Json h = fn();
             services.push_back({{"name", name}, {"status", "running"}, {"health", h.value("status", "unknown")}, {"detail", h}});
           }
           j["services"] = services;
           j["version"] = c.version;
           j["timestamp"] = now_unix_s();
           return json_ok(j);
         }});
  r.add({V::get, "/health", std::nullopt, "system", "Health: healthy, degraded or unhealthy, per component", nullptr,
         obj({{"status", kStr}, {"components", kObj}}), {}, false, false, "application/json", [&c](Request&) {
           Json comps = Json::object();
           bool store_ok = c.store.ping();
           comps["store"] = {{"status", store_ok ? "healthy" : "unhealthy"}};
           std::string overall = store_ok ? "healthy" : "unhealthy";
           auto s = c.sampler.sample();
           comps["disk"] = {{"status", s.disk_percent > 95 ? "degraded" : "healthy"}, {"used_percent", s.disk_percent}};
           if (s.disk_percent > 95 && overall == "healthy") overall = "degraded";
           for (auto& [name, fn] : c.health_checks) {
             Json h = fn();
             comps[name] = h;
             std::string st = h.value("status", "healthy");
             if (st == "unhealthy" && name == "store") overall = "unhealthy";
             else if (st != "healthy" && overall == "healthy") overall = "degraded";
           }
           Response resp = json_ok({{"status", overall}, {"components", comps}, {"version", c.version}});
           if (overall == "unhealthy") resp.status = 503;
           return resp;
         }});
  r.add({V::get, "/metrics", std::nullopt, "system", "Prometheus metrics", nullptr, nullptr, {}, false, false,
         "text/plain; version=0.0.4", [](Request&) {
           Response resp;
           resp.content_type = "text/plain; version=0.0.4; charset=utf-8";
           resp.body = obs::Registry::global().render();
           return resp;
         }});
  r.add({V::get, "/api/v1/audit", admin, "audit", "The audit trail (newest first)", nullptr, obj({{"entries", arr(kObj)}}),
         {{"page", "integer", ""}, {"per_page", "integer", ""}, {"user", "string", "username"}, {"action", "string", ""},
          {"resource", "string", ""}, {"start_time", "string", "ISO-8601 or epoch"}, {"end_time", "string", ""}},
         false, false, "application/json", [&c](Request& req) {
           auto p = page_request(req);
           if (!p) return error_response(p.error());
           store::AuditFilter f;
           f.username = query(req, "user");
           f.action = query(req, "action");
           f.resource = query(req, "resource");
           Error bad = Error::make("VALIDATION_ERROR", "Invalid query parameter");
           for (auto [name, slot] : {std::pair{"start_time", &f.start_ms}, std::pair{"end_time", &f.end_ms}}) {
             if (auto t = query(req, name)) {
               auto ms = parse_time_ms(*t);
               if (!ms) bad.details[name].push_back("must be an ISO-8601 time or epoch seconds");
               else *slot = *ms;
             }
           }
           if (!bad.details.empty()) return error_response(bad);
           auto page = c.audit.list(*p, f);
           Json list = Json::array();
           for (auto& e : page.items) list.push_back(services::AuditService::to_json(e));
           return json_ok_paged(json_field("entries", std::move(list)), p->page, p->per_page, page.total);
         }});

  // ---- docs ----
  r.add({V::get, "/api/v1/openapi.json", std::nullopt, "docs", "This API as an OpenAPI 3 document", nullptr, nullptr, {}, false,
         false, "application/json", [&app](Request&) {
           Response resp;
           resp.body = app.router().openapi(app.context().version).dump(2);
           return resp;
         }});
  r.add({V::get, "/api/docs", std::nullopt, "docs", "API reference page", nullptr, nullptr, {}, false, false, "text/html",
         [&app](Request&) {
           Response resp;
           resp.content_type = "text/html; charset=utf-8";
           resp.body = openapi_html(app.router().openapi(app.context().version));
           return resp;
         }});
}

}  // namespace argus::api
