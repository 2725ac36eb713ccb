#pragma once
// Reading the start of a streaming HTTP response (MJPEG) that never ends by itself: libcurl
// stops once enough bytes arrived or at the deadline.
#include <curl/curl.h>

#include <string>

#include "integration/argus_server.h"

namespace argus_test {

namespace http_stream_detail {
struct SomeCtx {
  std::string* body;
  size_t want;
};
inline size_t on_some_body(char* p, size_t s, size_t n, void* ud) {
  auto* x = static_cast<SomeCtx*>(ud);
  x->body->append(p, s * n);
  return x->body->size() >= x->want ? 0 : s * n;  // 0 aborts the transfer: we have enough
}
}  // namespace http_stream_detail

// GET a streaming URL and stop after `bytes` (or the deadline): status, headers, body.
inline HttpResult get_some(int port, const std::string& path, size_t bytes, long timeout_s = 10) {
  using namespace http_stream_detail;
  HttpResult r;
  SomeCtx ctx{&r.body, bytes};
  CURL* c = curl_easy_init();
  std::string url = "http://127.0.0.1:" + std::to_string(port) + path;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &ctx);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &on_some_body);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &HttpClient::on_header);
  curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  curl_easy_cleanup(c);
  return r;
}

}  // namespace argus_test
