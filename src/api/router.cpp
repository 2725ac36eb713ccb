#include "api/router.h"

#include <cctype>

namespace argus::api {

namespace {
std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 1;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

bool is_id(const std::string& s) {
  if (s.empty() || s.size() > 18 || s[0] == '0') return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

bool matches(const std::string& pattern, const std::vector<std::string>& parts, std::map<std::string, std::string>& params) {
  auto pp = split_path(pattern);
  if (pp.size() != parts.size()) return false;
  for (size_t i = 0; i < pp.size(); ++i) {
    if (pp[i].size() > 2 && pp[i].front() == '{') {
      std::string name = pp[i].substr(1, pp[i].size() - 2);
      bool ok = name == "task" || name == "name" ? !parts[i].empty() && parts[i].find("..") == std::string::npos
                                                 : is_id(parts[i]);
      if (!ok) return false;
      params[name] = parts[i];
    } else if (pp[i] != parts[i]) {
      return false;
    }
  }
  return true;
}
}  // namespace

void Router::add(Route r) { routes_.push_back(std::move(r)); }

Router::Match Router::match(http::verb method, const std::string& path) const {
  Match m;
  auto parts = split_path(path);
  for (const auto& r : routes_) {
    std::map<std::string, std::string> params;
    if (!matches(r.pattern, parts, params)) continue;
    bool head_as_get = method == http::verb::head && r.method == http::verb::get;
    if (r.method == method || head_as_get) {
      m.route = &r;
      m.params = std::move(params);
      m.allowed.clear();
      return m;
    }
    m.allowed.push_back(std::string(http::to_string(r.method)));
  }
  return m;
}

Json Router::openapi(const std::string& version) const {
  Json paths = Json::object();
  auto envelope = [](const Json& data) {
    return Json{{"type", "object"},
                {"properties", {{"success", {{"type", "boolean"}}}, {"data", data.is_null() ? Json::object() : data},
                                {"message", {{"type", "string"}}}, {"pagination", {{"$ref", "#/components/schemas/Pagination"}}}}}};
  };
  for (const auto& r : routes_) {
    std::string method(http::to_string(r.method));
    for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    Json op = {{"summary", r.summary}, {"tags", {r.tag}}, {"operationId", method + r.pattern}};
    Json parameters = Json::array();
    auto parts = split_path(r.pattern);
    for (const auto& p : parts)
      if (p.size() > 2 && p.front() == '{') {
        std::string name = p.substr(1, p.size() - 2);
        parameters.push_back({{"name", name}, {"in", "path"}, {"required", true},
                              {"schema", {{"type", name == "id" || name.ends_with("_id") ? "integer" : "string"}}}});
      }
    for (const auto& q : r.query)
      parameters.push_back({{"name", q.name}, {"in", "query"}, {"required", false}, {"description", q.description},
                            {"schema", {{"type", q.type}}}});
    if (!parameters.empty()) op["parameters"] = parameters;
    if (!r.request_schema.is_null()) {
      Json content = {{"application/json", {{"schema", r.request_schema}}}};
      if (r.multipart) content["multipart/form-data"] = {{"schema", {{"type", "object"}}}};
      op["requestBody"] = {{"required", true}, {"content", content}};
    }
    Json ok_content = r.produces == "application/json"
                          ? Json{{"application/json", {{"schema", envelope(r.response_schema)}}}}
                          : Json{{r.produces, {{"schema", {{"type", "string"}, {"format", "binary"}}}}}};
    op["responses"] = {{"200", {{"description", "Success"}, {"content", ok_content}}},
                       {"default", {{"description", "Error"}, {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}}}};
    if (r.min_role) {
      op["security"] = Json::array({{{"bearerAuth", Json::array()}}});
      op["x-min-role"] = role_name(*r.min_role);
    } else {
      op["security"] = Json::array();
    }
    if (r.websocket) op["x-websocket"] = true;
    if (r.max_body_bytes) op["x-max-body-bytes"] = r.max_body_bytes;
    paths[r.pattern][method] = op;
  }
  return {
      {"openapi", "3.0.3"},
      {"info", {{"title", "Argus API"}, {"version", version},
                {"description", "Argus video-intelligence server. Every JSON response uses the success/data/error envelope."}}},
      {"servers", {{{"url", "/"}}}},
      {"paths", paths},
      {"components",
       {{"securitySchemes", {{"bearerAuth", {{"type", "http"}, {"scheme", "bearer"}, {"bearerFormat", "JWT"}}}}},
        {"schemas",
         {{"Pagination", {{"type", "object"}, {"properties", {{"page", {{"type", "integer"}}}, {"pages", {{"type", "integer"}}},
                                                              {"per_page", {{"type", "integer"}}}, {"total", {{"type", "integer"}}},
                                                              {"has_next", {{"type", "boolean"}}}, {"has_prev", {{"type", "boolean"}}}}}}},
          {"Error", {{"type", "object"},
                     {"properties", {{"success", {{"type", "boolean"}}},
                                     {"error", {{"type", "object"}, {"properties", {{"code", {{"type", "string"}}}, {"message", {{"type", "string"}}},
                                                                                   {"details", {{"type", "object"}}}}}}}}}}}}}}}};
}

}  // namespace argus::api
