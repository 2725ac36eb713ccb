#include "core/parallel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

using namespace argus;
using namespace std::chrono_literals;

TEST(ParallelFor, EveryIndexRunsOnceAndTheHelpersShareTheWork) {
  ParallelFor pf(2);
  std::vector<std::atomic<int>> runs(64);
  std::mutex mu;
  std::set<std::thread::id> threads;
  pf.run(runs.size(), [&](size_t i) {
    std::this_thread::sleep_for(2ms);  // long enough for the helpers to wake and take some
    ++runs[i];
    std::lock_guard lock(mu);
    threads.insert(std::this_thread::get_id());
  });
  for (size_t i = 0; i < runs.size(); ++i) EXPECT_EQ(runs[i].load(), 1) << "index " << i;
  EXPECT_GE(threads.size(), 2u) << "no helper took an index";
  EXPECT_TRUE(threads.count(std::this_thread::get_id())) << "the caller works too";
}

TEST(ParallelFor, WithoutHelpersItIsAPlainLoopInOrder) {
  ParallelFor pf(0);
  std::vector<size_t> order;
  pf.run(5, [&](size_t i) { order.push_back(i); });
  EXPECT_EQ(order, (std::vector<size_t>{0, 1, 2, 3, 4}));
  pf.run(0, [&](size_t) { ADD_FAILURE() << "called for n = 0"; });
}

// Several threads run loops at once (cameras analysed side by side): each returns only when
// its own indices are all done, and none is lost or run twice.
TEST(ParallelFor, ConcurrentCallersEachGetTheirOwnLoopCompleted) {
  ParallelFor pf(1);
  constexpr int kCallers = 4, kN = 50;
  std::vector<std::vector<std::atomic<int>>> runs(kCallers);
  for (auto& r : runs) r = std::vector<std::atomic<int>>(kN);
  std::vector<std::thread> callers;
  std::atomic<int> complete_on_return{0};
  for (int c = 0; c < kCallers; ++c)
    callers.emplace_back([&, c] {
      for (int rep = 0; rep < 20; ++rep) {
        pf.run(kN, [&](size_t i) { ++runs[c][i]; });
        bool all = true;
        for (int i = 0; i < kN; ++i) all = all && runs[c][i].load() == rep + 1;
        if (all) ++complete_on_return;
      }
    });
  for (auto& t : callers) t.join();
  EXPECT_EQ(complete_on_return.load(), kCallers * 20);
}

// An index that throws (on a helper or on the caller) does not terminate the process: the
// other indices still run, the first exception comes back to the caller, and the helpers
// keep working for the next loop.
TEST(ParallelFor, AnExceptionReachesTheCallerAfterEveryIndexRan) {
  ParallelFor pf(2);
  for (int round = 0; round < 20; ++round) {
    std::atomic<int> ran{0};
    EXPECT_THROW(pf.run(16,
                        [&](size_t i) {
                          std::this_thread::sleep_for(std::chrono::microseconds(200));
                          ++ran;
                          if (i % 5 == 2) throw std::runtime_error("face " + std::to_string(i));
                        }),
                 std::runtime_error);
    EXPECT_EQ(ran.load(), 16) << "round " << round;
  }
  std::atomic<int> after{0};
  pf.run(8, [&](size_t) { ++after; });
  EXPECT_EQ(after.load(), 8);
}
