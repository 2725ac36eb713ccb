#pragma once
// A shared mutex on which a waiting writer holds off readers that arrive after it.
//
// glibc's std::shared_mutex prefers readers: while any reader holds it, new readers get in,
// so a loop of overlapping searches can keep an enrolment waiting indefinitely. Here a writer
// first takes a turnstile that every reader must pass through; new readers queue behind the
// writer, which then waits only for the readers already inside. Meets the standard
// SharedMutex requirements, so std::shared_lock / std::unique_lock work unchanged.
// Not recursive: a thread holding it shared must not lock it shared again (a writer waiting
// in between would deadlock them).
#include <mutex>
#include <shared_mutex>

namespace argus {

class WriterPreferringSharedMutex {
 public:
  void lock() {
    std::lock_guard gate(turnstile_);
    rw_.lock();
  }
  bool try_lock() {
    std::unique_lock gate(turnstile_, std::try_to_lock);
    return gate.owns_lock() && rw_.try_lock();
  }
  void unlock() { rw_.unlock(); }

  void lock_shared() {
    { std::lock_guard gate(turnstile_); }
    rw_.lock_shared();
  }
  bool try_lock_shared() {
    {
      std::unique_lock gate(turnstile_, std::try_to_lock);
      if (!gate.owns_lock()) return false;  // a writer is waiting or passing
    }
    return rw_.try_lock_shared();
  }
  void unlock_shared() { rw_.unlock_shared(); }

 private:
  std::mutex turnstile_;
  std::shared_mutex rw_;
};

}  // namespace argus
