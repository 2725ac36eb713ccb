#pragma once
// Counts failures per key in a sliding one-minute window: used for login attempts per
// username and per client address. Memory is bounded: stale keys are swept on insert.
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

namespace argus::auth {

class RateLimiter {
 public:
  RateLimiter(int limit, int64_t window_ms) : limit_(limit), window_ms_(window_ms) {}

  // Seconds to wait before `key` may try again; 0 when allowed now.
  int retry_after_s(const std::string& key, int64_t now_ms);
  void record_failure(const std::string& key, int64_t now_ms);
  void reset(const std::string& key);

 private:
  void sweep(int64_t now_ms);
  const int limit_;
  const int64_t window_ms_;
  std::mutex mu_;
  std::unordered_map<std::string, std::deque<int64_t>> failures_;
  int64_t last_sweep_ = 0;
};

}  // namespace argus::auth
