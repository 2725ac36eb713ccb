#pragma once
// Per-request Prometheus series (argus_http_requests_total by route, method and status;
// argus_http_request_duration_seconds by route). Each series is looked up in the registry
// once and then reused: the registry lookup builds label maps and takes the registry's
// mutex, which cost a measurable share of a cheap request.
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "obs/metrics.h"

namespace argus::api {

class RequestMetrics {
 public:
  // route is the route pattern (or "static", "not_found", ...): a small, fixed set, so the
  // cache stays bounded.
  void record(const std::string& route, std::string_view method, unsigned status, double seconds);

 private:
  struct Series {
    obs::Counter* requests;
    obs::Histogram* latency;
  };
  std::shared_mutex mu_;
  std::unordered_map<std::string, Series> series_;
};

}  // namespace argus::api
