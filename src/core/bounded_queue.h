#pragma once
// A bounded multi-producer queue. When full, push() drops the OLDEST item (live video wants
// the newest frame) and counts it; the owner exports dropped() as a metric.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

namespace argus {

template <class T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity ? capacity : 1) {}

  // Returns false when an older item had to be dropped to make room.
  bool push(T item) {
    bool dropped = false;
    {
      std::lock_guard lock(mu_);
      if (closed_) return false;
      if (items_.size() >= capacity_) {
        items_.pop_front();
        ++dropped_;
        dropped = true;
      }
      items_.push_back(std::move(item));
    }
    cv_.notify_one();
    return !dropped;
  }

  // Blocks until an item arrives or the queue is closed (then nullopt).
  std::optional<T> pop() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return closed_ || !items_.empty(); });
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    return item;
  }

  template <class Rep, class Period>
  std::optional<T> pop_for(std::chrono::duration<Rep, Period> wait) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, wait, [&] { return closed_ || !items_.empty(); });
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    return item;
  }

  std::optional<T> try_pop() {
    std::lock_guard lock(mu_);
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    return item;
  }

  // After close(), push() refuses and pop() returns what is left, then nullopt.
  void close() {
    { std::lock_guard lock(mu_); closed_ = true; }
    cv_.notify_all();
  }
  // Accepts pushes again (a consumer thread that is started again after a stop).
  void reopen() { std::lock_guard lock(mu_); closed_ = false; }
  size_t size() const { std::lock_guard lock(mu_); return items_.size(); }
  uint64_t dropped() const { std::lock_guard lock(mu_); return dropped_; }
  size_t capacity() const { return capacity_; }

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<T> items_;
  uint64_t dropped_ = 0;
  bool closed_ = false;
};

}  // namespace argus
