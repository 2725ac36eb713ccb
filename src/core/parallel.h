#pragma once
// ParallelFor: a few owned helper threads that share the indices of a loop with the thread that
// runs it. The caller works too and returns when every index is done, so a loop runs at least
// as fast as it would alone even when every helper is busy with another caller's loop. Several
// threads may run loops at once (each camera's analysis splits its detector tiles here); a
// helper takes indices from the oldest loop that still has some.
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace argus {

class ParallelFor {
 public:
  // helpers <= 0: none (run() is then a plain loop on the calling thread).
  explicit ParallelFor(int helpers);
  ~ParallelFor();
  ParallelFor(const ParallelFor&) = delete;
  ParallelFor& operator=(const ParallelFor&) = delete;

  // fn(i) for i in [0, n), on the calling thread and idle helpers. When fn throws, the other
  // indices still run (helpers may be inside them) and the first exception is rethrown here
  // once every index is done: a helper thread never lets one escape (that would terminate).
  void run(size_t n, const std::function<void(size_t)>& fn);
  int helpers() const { return static_cast<int>(threads_.size()); }

 private:
  struct Loop {
    const std::function<void(size_t)>* fn;
    size_t n, next = 0, done = 0;
    std::exception_ptr error;  // the first exception an index threw
  };
  static std::exception_ptr call(const std::function<void(size_t)>& fn, size_t i);
  // Under mu_: the next index of `loop`, or false when all are taken.
  static bool take(Loop& loop, size_t& i);
  void helper();

  std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  std::list<std::shared_ptr<Loop>> loops_;  // with indices left to take, oldest first
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace argus
