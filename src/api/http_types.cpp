#include "api/http_types.h"


namespace argus::api {

std::string Request::header(http::field f) const {
  auto it = raw->find(f);
  return it == raw->end() ? std::string() : std::string(it->value());
}

std::string Request::header(const std::string& name) const {
  auto it = raw->find(name);
  return it == raw->end() ? std::string() : std::string(it->value());
}

std::string dump_body(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

Response json_ok(Json data, unsigned status) {
  Response r;
  r.status = status;
  Json env = Json::object();
  env["success"] = true;
  env["data"] = std::move(data);
  r.body = dump_body(env);
  return r;
}

Response json_ok_paged(Json data, int page, int per_page, int64_t total) {
  int64_t pages = per_page > 0 ? (total + per_page - 1) / per_page : 0;
  Response r;
  Json env = Json::object();
  env["success"] = true;
  env["data"] = std::move(data);
  env["pagination"] = {{"page", page}, {"pages", pages}, {"per_page", per_page}, {"total", total},
                       {"has_next", page < pages}, {"has_prev", page > 1 && total > 0}};
  r.body = dump_body(env);
  return r;
}

Response json_message(const std::string& message, unsigned status) {
  Response r;
  r.status = status;
  r.body = dump_body(Json{{"success", true}, {"message", message}});
  return r;
}

Response json_error(unsigned status, const std::string& code, const std::string& message,
                    const std::map<std::string, std::vector<std::string>>& details) {
  Json err = {{"code", code}, {"message", message}};
  if (!details.empty()) err["details"] = details;
  Response r;
  r.status = status;
  r.body = dump_body(Json{{"success", false}, {"error", err}});
  return r;
}

unsigned status_for_code(const std::string& code) {
  static const std::map<std::string, unsigned> m = {
      {"VALIDATION_ERROR", 400}, {"INVALID_JSON", 400}, {"BAD_REQUEST", 400}, {"UNAUTHORIZED", 401},
      {"TOKEN_EXPIRED", 401}, {"TOKEN_INVALID", 401}, {"INVALID_CREDENTIALS", 401}, {"FORBIDDEN", 403},
      {"NOT_FOUND", 404}, {"METHOD_NOT_ALLOWED", 405}, {"CONFLICT", 409}, {"PAYLOAD_TOO_LARGE", 413},
      {"UNSUPPORTED_MEDIA_TYPE", 415}, {"UNPROCESSABLE", 422}, {"INVALID_IMAGE", 422}, {"NO_FACE", 422},
      {"RATE_LIMITED", 429}, {"QUEUE_FULL", 503}, {"UNAVAILABLE", 503}, {"MODEL_TIMEOUT", 504}};
  auto it = m.find(code);
  return it == m.end() ? 500 : it->second;
}

Response error_response(const Error& e) {
  unsigned status = status_for_code(e.code);
  if (status == 500) return json_error(500, "INTERNAL_SERVER_ERROR", "An unexpected error occurred");
  return json_error(status, e.code, e.message, e.details);
}

}  // namespace argus::api
