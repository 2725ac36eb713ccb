#include "api/app.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>


namespace argus::api {

namespace fs = std::filesystem;

ApiApp::ApiApp(AppContext& ctx) : ctx_(ctx) {}

Result<Json> json_body(const Request& req, bool allow_empty) {
  const std::string& body = req.body();
  if (body.empty()) {
    if (allow_empty) return Json::object();
    return Error::make("VALIDATION_ERROR", "Request body is required");
  }
  std::string ct = req.header(http::field::content_type);
  auto semi = ct.find(';');
  std::string mime = ct.substr(0, semi);
  while (!mime.empty() && mime.back() == ' ') mime.pop_back();
  for (auto& c : mime) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (mime != "application/json") return Error::make("UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json");
  Json j = Json::parse(body, nullptr, false);
  if (j.is_discarded()) return Error::make("INVALID_JSON", "Request body is not valid JSON (or not valid UTF-8)");
  if (!j.is_object()) return Error::make("VALIDATION_ERROR", "Request body must be a JSON object");
  return j;
}

std::optional<std::string> query(const Request& req, const std::string& name) {
  auto it = req.query.find(name);
  if (it == req.query.end()) return std::nullopt;
  return it->second;
}

Result<std::optional<int64_t>> query_int(const Request& req, const std::string& name, int64_t lo, int64_t hi) {
  auto v = query(req, name);
  if (!v || v->empty()) return std::optional<int64_t>{};
  Error bad = Error::make("VALIDATION_ERROR", "Invalid query parameter");
  bad.details[name].push_back("must be an integer between " + std::to_string(lo) + " and " + std::to_string(hi));
  if (v->size() > 18 || v->find_first_not_of("-0123456789") != std::string::npos) return bad;
  try {
    int64_t n = std::stoll(*v);
    if (n < lo || n > hi) return bad;
    return std::optional<int64_t>{n};
  } catch (...) {
    return bad;
  }
}

Result<store::PageRequest> page_request(const Request& req) {
  store::PageRequest p;
  auto page = query_int(req, "page", 1, 1000000);
  if (!page) return page.error();
  auto per = query_int(req, "per_page", 1, 100);
  if (!per) return per.error();
  if (*page) p.page = static_cast<int>(**page);
  if (*per) p.per_page = static_cast<int>(**per);
  return p;
}

std::optional<Response> ApiApp::authorize(Request& req, const Route& route) {
  if (!route.min_role) return std::nullopt;
  std::string token;
  std::string authz = req.header(http::field::authorization);
  if (authz.size() > 7 && (authz.rfind("Bearer ", 0) == 0 || authz.rfind("bearer ", 0) == 0)) token = authz.substr(7);
  else if (route.query_token) token = query(req, "token").value_or("");
  if (token.empty()) return json_error(401, "UNAUTHORIZED", "Authentication required");
  // upgrade() and body_limit() call this outside any handler's try: nothing may escape.
  Result<auth::Principal> p = Error::make("", "");
  try {
    p = ctx_.auth.authenticate(token);
  } catch (const std::exception& e) {
    spdlog::error("token check: {}", e.what());
    return json_error(500, "INTERNAL_SERVER_ERROR", "An unexpected error occurred");
  }
  if (!p) {
    Response r = json_error(401, p.error().code, p.error().message);
    r.headers.push_back({"WWW-Authenticate", "Bearer error=\"invalid_token\""});
    return r;
  }
  if (static_cast<int>(p->role) < static_cast<int>(*route.min_role))
    return json_error(403, "FORBIDDEN", std::string("This action needs the ") + role_name(*route.min_role) + " role");
  req.principal = std::move(*p);
  return std::nullopt;
}

Response ApiApp::dispatch(Request& req, std::string& route_label) {
  bool api_path = req.path.rfind("/api/", 0) == 0 || req.path == "/health" || req.path == "/metrics";
  if (!api_path) {
    route_label = "static";
    if (req.method != http::verb::get && req.method != http::verb::head)
      return json_error(405, "METHOD_NOT_ALLOWED", "Method not allowed");
    return serve_static(req);
  }
  auto m = router_.match(req.method, req.path);
  if (!m.route) {
    if (!m.allowed.empty()) {
      route_label = "method_not_allowed";
      Response r = json_error(405, "METHOD_NOT_ALLOWED", "Method not allowed on " + req.path);
      std::string allow;
      for (auto& a : m.allowed) allow += (allow.empty() ? "" : ", ") + a;
      r.headers.push_back({"Allow", allow});
      return r;
    }
    route_label = "not_found";
    return json_error(404, "NOT_FOUND", "No such endpoint");
  }
  route_label = m.route->pattern;
  req.params = std::move(m.params);
  if (auto denied = authorize(req, *m.route)) return std::move(*denied);
  if (!m.route->handler) return json_error(400, "BAD_REQUEST", "This endpoint needs a WebSocket upgrade");
  try {
    return m.route->handler(req);
  } catch (const store::StoreError& e) {
    if (e.kind() == store::StoreError::Kind::Conflict) return json_error(409, "CONFLICT", "The change conflicts with existing data");
    if (e.kind() == store::StoreError::Kind::NotFound) return json_error(404, "NOT_FOUND", "Not found");
    spdlog::error("{} {}: store error: {}", std::string(http::to_string(req.method)), route_label, e.what());
    return json_error(500, "INTERNAL_SERVER_ERROR", "An unexpected error occurred");
  } catch (const std::exception& e) {
    spdlog::error("{} {}: {}", std::string(http::to_string(req.method)), route_label, e.what());
    return json_error(500, "INTERNAL_SERVER_ERROR", "An unexpected error occurred");
  }
}

Response ApiApp::handle(Request& req) {
  auto start = std::chrono::steady_clock::now();
  std::string label;
  Response r;
  // Handlers' exceptions become 500s in dispatch(); this also covers what runs before them
  // (routing, static files): nothing a request carries may end the process.
  try {
    r = dispatch(req, label);
  } catch (const std::exception& e) {
    spdlog::error("{} {}: {}", std::string(http::to_string(req.method)), req.path, e.what());
    r = json_error(500, "INTERNAL_SERVER_ERROR", "An unexpected error occurred");
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::string_view method(http::to_string(req.method));
  request_metrics_.record(label, method, r.status, secs);
  if (r.status >= 500) spdlog::warn("{} {} -> {}", method, req.path, r.status);
  return r;
}

std::variant<std::function<void(std::shared_ptr<WsConnection>)>, Response> ApiApp::upgrade(Request& req) {
  auto m = router_.match(http::verb::get, req.path);
  if (!m.route || !m.route->websocket) return json_error(404, "NOT_FOUND", "No WebSocket endpoint here");
  req.params = m.params;
  // A token in the header authenticates now; browsers send it in-band as the first message.
  if (!req.header(http::field::authorization).empty() || query(req, "token")) {
    Route r = *m.route;
    r.query_token = true;
    if (auto denied = authorize(req, r)) return std::move(*denied);
  }
  auto fn = m.route->websocket;
  auto shared = std::make_shared<Request>(req);
  shared->raw = nullptr;
  return std::function<void(std::shared_ptr<WsConnection>)>([fn, shared](std::shared_ptr<WsConnection> ws) { fn(*shared, ws); });
}

uint64_t ApiApp::body_limit(Request& req, uint64_t server_limit) {
  auto m = router_.match(req.method, req.path);
  if (!m.route || m.route->max_body_bytes <= server_limit) return server_limit;
  // Large bodies only for callers the route would accept: anyone else gets the usual limit
  // (and a 401/403 once that body is in).
  if (m.route->min_role && authorize(req, *m.route)) return server_limit;
  return m.route->max_body_bytes;
}

uint64_t ApiApp::largest_body_limit(uint64_t server_limit) {
  uint64_t most = server_limit;
  for (const auto& r : router_.routes()) most = std::max(most, r.max_body_bytes);
  return most;
}

Response ApiApp::serve_static(const Request& req) {
  if (ctx_.web_root.empty() || !fs::is_directory(ctx_.web_root))
    return json_error(404, "NOT_FOUND", "The dashboard is not built (run make build)");
  std::string rel = req.path;
  if (rel.find("..") != std::string::npos || rel.find('\0') != std::string::npos || rel.find('\\') != std::string::npos)
    return json_error(404, "NOT_FOUND", "Not found");
  fs::path p = fs::path(ctx_.web_root) / rel.substr(1);
  std::error_code ec;
  bool is_asset = fs::is_regular_file(p, ec);
  if (!is_asset) p = fs::path(ctx_.web_root) / "index.html";  // client-side routes
  std::ifstream in(p, std::ios::binary);
  if (!in) return json_error(404, "NOT_FOUND", "Not found");
  Response r;
  r.body.assign(std::istreambuf_iterator<char>(in), {});
  static const std::map<std::string, std::string> types = {
      {".html", "text/html; charset=utf-8"}, {".js", "text/javascript"}, {".css", "text/css"},
      {".svg", "image/svg+xml"}, {".png", "image/png"}, {".jpg", "image/jpeg"}, {".ico", "image/x-icon"},
      {".json", "application/json"}, {".woff2", "font/woff2"}, {".map", "application/json"}};
  auto it = types.find(p.extension().string());
  r.content_type = it == types.end() ? "application/octet-stream" : it->second;
  bool hashed_asset = is_asset && rel.rfind("/assets/", 0) == 0;
  r.headers.push_back({"Cache-Control", hashed_asset ? "public, max-age=31536000, immutable" : "no-cache"});
  return r;
}

}  // namespace argus::api
