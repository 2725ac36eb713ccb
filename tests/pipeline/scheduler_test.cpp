#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "fakes.h"
#include "pipeline/scheduler.h"

using namespace argus;
using namespace argus_test;
using namespace std::chrono_literals;

TEST(InferencePool, RoundRobinIsFairAcrossCameras) {
  InferencePool pool(1);
  std::mutex mu;
  std::map<CameraId, int> done;
  std::vector<std::shared_ptr<InferencePool::Lane>> lanes;
  for (CameraId id = 1; id <= 3; ++id)
    lanes.push_back(pool.add_lane(id, 0, 2, [&, id](Frame&&) {
      std::this_thread::sleep_for(2ms);
      std::lock_guard lock(mu);
      ++done[id];
    }));
  // Camera 1 floods, 2 and 3 offer at a normal rate: all get a fair share of the one thread.
  for (int i = 0; i < 300; ++i) {
    for (int k = 0; k < 5; ++k) lanes[0]->offer(make_frame(i * 5 + k));
    lanes[1]->offer(make_frame(i));
    lanes[2]->offer(make_frame(i));
    std::this_thread::sleep_for(1ms);
  }
  for (auto& l : lanes) pool.remove_lane(l);
  std::lock_guard lock(mu);
  int total = done[1] + done[2] + done[3];
  ASSERT_GT(total, 30);
  for (CameraId id = 1; id <= 3; ++id) EXPECT_NEAR(done[id], total / 3.0, total * 0.15) << "camera " << id;
  auto s = lanes[0]->stats();
  EXPECT_EQ(s.offered, 1500u);
  EXPECT_EQ(s.offered, s.processed + s.dropped + s.skipped);  // every frame accounted for
}

TEST(InferencePool, SamplesAtFpsLimitAndTakesNewestFrame) {
  InferencePool pool(2);
  std::atomic<int> processed{0};
  std::atomic<uint64_t> last_seq{0};
  auto lane = pool.add_lane(1, 10, 4, [&](Frame&& f) {
    ++processed;
    last_seq = f.seq;
  });
  auto t0 = std::chrono::steady_clock::now();
  uint64_t seq = 0;
  while (std::chrono::steady_clock::now() - t0 < 1500ms) {
    lane->offer(make_frame(++seq));
    std::this_thread::sleep_for(5ms);
  }
  std::this_thread::sleep_for(20ms);
  pool.remove_lane(lane);
  EXPECT_GE(processed.load(), 13);  // 10 fps for 1.5 s
  EXPECT_LE(processed.load(), 17);
  EXPECT_GE(last_seq.load(), seq - 25);  // recent frames, not a backlog
  auto s = lane->stats();
  EXPECT_GT(s.skipped + s.dropped, 200u);
}

// At a slot whose newest frame is older than the slot, the next frame is taken instead
// (detections are then at most a frame interval newer); with no new frame within half a period
// the stale one is taken after all, so a slow source is still analysed.
TEST(InferencePool, TakesAFrameFromItsSlotRatherThanAStaleOne) {
  InferencePool pool(1);
  std::mutex mu;
  std::vector<uint64_t> seen;
  auto lane = pool.add_lane(1, 2, 4, [&](Frame&& f) {  // 2 fps: slots 500 ms apart, 250 ms grace
    std::lock_guard lock(mu);
    seen.push_back(f.seq);
  });
  auto count = [&] {
    std::lock_guard lock(mu);
    return seen.size();
  };
  auto t0 = std::chrono::steady_clock::now();
  lane->offer(make_frame(1));
  ASSERT_TRUE(wait_until([&] { return count() == 1; }, 1s));
  std::this_thread::sleep_until(t0 + 100ms);
  lane->offer(make_frame(2));  // arrives before the next slot (t0 + 500 ms): stale there
  std::this_thread::sleep_until(t0 + 620ms);
  EXPECT_EQ(count(), 1u) << "the stale frame 2 was taken at its slot instead of waiting for a fresh one";
  lane->offer(make_frame(3));
  ASSERT_TRUE(wait_until([&] { return count() == 2; }, 1s));
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(seen[1], 3u);
  }
  // No fresh frame after this one: it is taken half a period after its slot.
  lane->offer(make_frame(4));
  ASSERT_TRUE(wait_until([&] { return count() == 3; }, 2s));
  pool.remove_lane(lane);
  std::lock_guard lock(mu);
  EXPECT_EQ(seen[2], 4u);
  auto s = lane->stats();
  EXPECT_EQ(s.skipped, 1u);  // frame 2
  EXPECT_EQ(s.missed, 0u);
}

// Two cameras fed the same frames at the same moments: with spread_slots their analyses start
// half a period apart (the second lane's first slot goes to the middle of the free gap), so
// each can have the box to itself; without, they start together.
TEST(InferencePool, SpreadSlotsStartsCamerasAtDifferentMoments) {
  for (bool spread : {true, false}) {
    InferencePool pool(2, spread);
    std::mutex mu;
    std::map<CameraId, std::vector<std::chrono::steady_clock::time_point>> starts;
    std::vector<std::shared_ptr<InferencePool::Lane>> lanes;
    for (CameraId id = 1; id <= 2; ++id)
      lanes.push_back(pool.add_lane(id, 5, 2, [&, id](Frame&&) {  // 5 fps: 200 ms slots
        std::lock_guard lock(mu);
        starts[id].push_back(std::chrono::steady_clock::now());
      }));
    auto t0 = std::chrono::steady_clock::now();
    for (uint64_t seq = 1; std::chrono::steady_clock::now() - t0 < 2000ms; ++seq) {
      for (auto& l : lanes) l->offer(make_frame(seq));
      // 50 fps: a pick comes up to 20 ms after its slot's due time, which shifts from slot to
      // slot (the slot accounting must not read that as a missed slot).
      std::this_thread::sleep_for(20ms);
    }
    for (auto& l : lanes) pool.remove_lane(l);
    std::lock_guard lock(mu);
    ASSERT_GE(starts[1].size(), 4u);
    ASSERT_GE(starts[2].size(), 4u);
    // Offset of camera 2's analyses from camera 1's on the 200 ms circle, median of the pairs.
    std::vector<double> offsets;
    for (size_t i = 1; i < std::min(starts[1].size(), starts[2].size()); ++i) {
      double d = std::chrono::duration<double, std::milli>(starts[2][i] - starts[1][i]).count();
      offsets.push_back(std::fmod(std::fmod(d, 200.0) + 200.0, 200.0));
    }
    std::sort(offsets.begin(), offsets.end());
    double median = offsets[offsets.size() / 2];
    double from_together = std::min(median, 200.0 - median);
    if (spread) EXPECT_NEAR(median, 100.0, 40.0) << "spread slots";
    else EXPECT_LT(from_together, 40.0) << "without spreading";
    for (auto& l : lanes) EXPECT_EQ(l->stats().missed, 0u);
  }
}

TEST(InferencePool, SlowCameraNeverBlocksOthersAndRingDropsOldest) {
  InferencePool pool(2);
  std::atomic<int> fast_done{0};
  std::atomic<bool> release{false};
  auto slow = pool.add_lane(1, 0, 3, [&](Frame&&) {
    while (!release) std::this_thread::sleep_for(1ms);
  });
  auto fast = pool.add_lane(2, 0, 3, [&](Frame&&) { ++fast_done; });
  slow->offer(make_frame(1));
  ASSERT_TRUE(wait_until([&] { return slow->stats().processed == 0 && slow->stats().offered == 1; }, 1s));
  std::this_thread::sleep_for(20ms);  // the slow frame is now in analysis, holding one worker
  auto t0 = std::chrono::steady_clock::now();
  for (uint64_t i = 2; i <= 11; ++i) slow->offer(make_frame(i));  // offer never blocks
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 50ms);
  for (int i = 0; i < 20; ++i) {
    fast->offer(make_frame(i));
    std::this_thread::sleep_for(2ms);
  }
  EXPECT_TRUE(wait_until([&] { return fast_done >= 10; }, 2s));
  EXPECT_EQ(slow->stats().dropped, 7u);  // 10 offered into a ring of 3 while busy
  release = true;
  pool.remove_lane(slow);
  pool.remove_lane(fast);
}

TEST(InferencePool, ProcessorExceptionsAreCountedNotFatal) {
  InferencePool pool(1);
  std::atomic<int> calls{0};
  auto lane = pool.add_lane(1, 0, 2, [&](Frame&&) {
    ++calls;
    throw std::runtime_error("model exploded");
  });
  lane->offer(make_frame(1));
  ASSERT_TRUE(wait_until([&] { return pool.processor_exceptions() == 1; }, 1s));
  lane->offer(make_frame(2));
  ASSERT_TRUE(wait_until([&] { return calls == 2; }, 1s));
  pool.remove_lane(lane);
}
