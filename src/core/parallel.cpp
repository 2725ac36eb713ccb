#include "core/parallel.h"

#include <pthread.h>

namespace argus {

ParallelFor::ParallelFor(int helpers) {
  for (int i = 0; i < helpers; ++i) threads_.emplace_back([this] { helper(); });
}

ParallelFor::~ParallelFor() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

bool ParallelFor::take(Loop& loop, size_t& i) {
  if (loop.next >= loop.n) return false;
  i = loop.next++;
  return true;
}

void ParallelFor::run(size_t n, const std::function<void(size_t)>& fn) {
  if (n == 0) return;
  if (threads_.empty() || n == 1) {
    for (size_t i = 0; i < n; ++i) fn(i);  // an exception leaves at once: nothing else runs it
    return;
  }
  auto loop = std::make_shared<Loop>(Loop{&fn, n});
  std::unique_lock lock(mu_);
  auto it = loops_.insert(loops_.end(), loop);
  work_cv_.notify_all();
  size_t i;
  while (take(*loop, i)) {
    lock.unlock();
    auto error = call(fn, i);
    lock.lock();
    if (error && !loop->error) loop->error = error;
    ++loop->done;
  }
  loops_.erase(it);  // every index is taken: helpers no longer look at it
  done_cv_.wait(lock, [&] { return loop->done == loop->n; });
  if (loop->error) std::rethrow_exception(loop->error);
}

std::exception_ptr ParallelFor::call(const std::function<void(size_t)>& fn, size_t i) {
  try {
    fn(i);
    return nullptr;
  } catch (...) {
    return std::current_exception();
  }
}

void ParallelFor::helper() {
  pthread_setname_np(pthread_self(), "argus-parallel");
  std::unique_lock lock(mu_);
  while (true) {
    std::shared_ptr<Loop> loop;
    work_cv_.wait(lock, [&] {
      for (auto& l : loops_)
        if (l->next < l->n) {
          loop = l;
          break;
        }
      return stop_ || loop;
    });
    if (stop_) return;
    size_t i;
    while (take(*loop, i)) {
      lock.unlock();
      auto error = call(*loop->fn, i);
      lock.lock();
      if (error && !loop->error) loop->error = error;
      if (++loop->done == loop->n) done_cv_.notify_all();
    }
  }
}

}  // namespace argus
