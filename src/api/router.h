#pragma once
// The route table: one list that both dispatches requests and generates the OpenAPI
// document (so the two cannot drift) and that the role-matrix test walks.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/http_types.h"

namespace argus::api {

class WsConnection;

struct QueryParam {
  std::string name, type, description;
};

struct Route {
  http::verb method = http::verb::get;
  std::string pattern;                // "/api/v1/cameras/{id}"; {id} matches a positive integer
  std::optional<Role> min_role;       // nullopt: public
  std::string tag, summary;
  Json request_schema;                // JSON Schema of a JSON body; null: no JSON body
  Json response_schema;               // JSON Schema of the envelope's data
  std::vector<QueryParam> query;
  bool multipart = false;             // accepts multipart/form-data bodies
  bool query_token = false;           // ?token= accepted (for <img>/MJPEG URLs)
  std::string produces = "application/json";
  std::function<Response(Request&)> handler;
  // WebSocket routes: called after the upgrade (auth may then happen in-band).
  std::function<void(Request&, std::shared_ptr<WsConnection>)> websocket;
  // Body limit above server.max_body_bytes (video uploads); 0: the server's. Granted only to
  // a request whose token already passes min_role when its headers arrive.
  uint64_t max_body_bytes = 0;
};

class Router {
 public:
  void add(Route r);
  struct Match {
    const Route* route = nullptr;
    std::map<std::string, std::string> params;
    std::vector<std::string> allowed;  // methods allowed on the path when only the method is wrong
  };
  Match match(http::verb method, const std::string& path) const;
  const std::vector<Route>& routes() const { return routes_; }
  Json openapi(const std::string& version) const;

 private:
  std::vector<Route> routes_;
};

}  // namespace argus::api
