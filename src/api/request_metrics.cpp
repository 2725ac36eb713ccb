#include "api/request_metrics.h"

#include <mutex>

namespace argus::api {

void RequestMetrics::record(const std::string& route, std::string_view method, unsigned status, double seconds) {
  std::string key;
  key.reserve(route.size() + method.size() + 6);
  key.append(route).append(1, '\0').append(method).append(1, '\0').append(std::to_string(status));
  Series s{};
  bool found = false;
  {
    std::shared_lock lock(mu_);
    if (auto it = series_.find(key); it != series_.end()) {
      s = it->second;
      found = true;
    }
  }
  if (!found) {
    auto& reg = obs::Registry::global();
    s.requests = &reg.counter("argus_http_requests_total", "HTTP requests by route, method and status",
                              {{"route", route}, {"method", std::string(method)}, {"status", std::to_string(status)}});
    s.latency = &reg.histogram("argus_http_request_duration_seconds", "HTTP request latency by route", {{"route", route}});
    std::unique_lock lock(mu_);
    series_.emplace(std::move(key), s);  // a racing thread may have added the same pointers
  }
  s.requests->inc();
  s.latency->observe(seconds);
}

}  // namespace argus::api
