#include "auth/rate_limiter.h"

namespace argus::auth {

int RateLimiter::retry_after_s(const std::string& key, int64_t now) {
  std::lock_guard lock(mu_);
  auto it = failures_.find(key);
  if (it == failures_.end()) return 0;
  auto& q = it->second;
  while (!q.empty() && q.front() <= now - window_ms_) q.pop_front();
  if (static_cast<int>(q.size()) < limit_) return 0;
  int64_t wait_ms = q.front() + window_ms_ - now;
  return static_cast<int>((wait_ms + 999) / 1000);
}

void RateLimiter::record_failure(const std::string& key, int64_t now) {
  std::lock_guard lock(mu_);
  sweep(now);
  auto& q = failures_[key];
  q.push_back(now);
  while (static_cast<int>(q.size()) > limit_ * 2) q.pop_front();
}

void RateLimiter::reset(const std::string& key) {
  std::lock_guard lock(mu_);
  failures_.erase(key);
}

void RateLimiter::sweep(int64_t now) {
  if (now - last_sweep_ < window_ms_) return;
  last_sweep_ = now;
  for (auto it = failures_.begin(); it != failures_.end();) {
    if (it->second.empty() || it->second.back() <= now - window_ms_) it = failures_.erase(it);
    else ++it;
  }
}

}  // namespace argus::auth
