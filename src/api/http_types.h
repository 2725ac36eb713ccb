#pragma once
// What a route handler sees and returns. Handlers never touch sockets or SQL: they read a
// Request, call services, and return a Response (or a streaming/WebSocket takeover).
#include <boost/beast/http.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/principal.h"
#include "core/json.h"
#include "core/result.h"

namespace argus::api {

namespace http = boost::beast::http;

using auth::Principal;
using auth::Role;
using auth::parse_role;
using auth::role_name;

struct Request {
  const http::request<http::string_body>* raw = nullptr;
  http::verb method = http::verb::get;
  std::string path;
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> params;  // from the route pattern, e.g. {id}
  std::string client;                          // remote address
  std::optional<Principal> principal;

  const std::string& body() const { return raw->body(); }
  std::string header(http::field f) const;
  std::string header(const std::string& name) const;
  int64_t id_param(const std::string& name = "id") const { return std::stoll(params.at(name)); }
};

// A connection handed over after the response headers (MJPEG) or after a WebSocket upgrade.
class StreamWriter {
 public:
  virtual ~StreamWriter() = default;
  // Blocks until written; false when the peer is gone or the server is stopping.
  virtual bool write(const std::string& bytes) = 0;
  virtual bool open() const = 0;
};

struct Response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // For streaming responses: called on a dedicated thread after the headers are sent.
  std::function<void(StreamWriter&)> stream;
};

// The JSON envelope of seed 000: {"success":true,"data":...} / {"success":false,"error":{...}}.
// Take the data by value: callers hand over temporaries, which are moved, not copied, into
// the envelope (a copy of a 100-row list costs as much as building it).
// JSON text for a response body: invalid UTF-8 that reached a value (a device's name from
// discovery, a driver's string) becomes U+FFFD instead of an exception and a 500.
std::string dump_body(const Json& j);

Response json_ok(Json data, unsigned status = 200);
// {key: value} without the copy an initializer list would make.
inline Json json_field(const char* key, Json value) {
  Json j = Json::object();
  j[key] = std::move(value);
  return j;
}
Response json_ok_paged(Json data, int page, int per_page, int64_t total);
Response json_message(const std::string& message, unsigned status = 200);
Response json_error(unsigned status, const std::string& code, const std::string& message,
                    const std::map<std::string, std::vector<std::string>>& details = {});
// Maps an Error's code to its HTTP status (VALIDATION_ERROR -> 400, NOT_FOUND -> 404, ...).
Response error_response(const Error& e);
unsigned status_for_code(const std::string& code);

}  // namespace argus::api
