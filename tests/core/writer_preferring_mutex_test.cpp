#include "core/writer_preferring_mutex.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

using argus::WriterPreferringSharedMutex;
using namespace std::chrono_literals;

// The property the gallery needs: once a writer waits, readers arriving after it do not get
// in before it (std::shared_mutex on glibc lets them, which starved enrolments under load).
TEST(WriterPreferringSharedMutex, AWaitingWriterHoldsOffNewReadersAndThenGetsIn) {
  WriterPreferringSharedMutex mu;
  mu.lock_shared();  // a search in progress
  ASSERT_TRUE(mu.try_lock_shared());  // readers share while no writer waits
  mu.unlock_shared();

  std::atomic<bool> writer_in{false};
  std::thread writer([&] {
    std::unique_lock lock(mu);
    writer_in = true;
  });
  // Wait until the writer is queued: from then on a new reader is refused...
  auto give_up = std::chrono::steady_clock::now() + 10s;
  bool refused = false;
  while (!refused && std::chrono::steady_clock::now() < give_up) {
    if (mu.try_lock_shared()) {
      mu.unlock_shared();
      std::this_thread::sleep_for(1ms);
    } else {
      refused = true;
    }
  }
  EXPECT_TRUE(refused) << "a reader got in ahead of the waiting writer for 10 s";
  EXPECT_FALSE(writer_in.load());  // ...while the first reader still holds it, the writer waits
  mu.unlock_shared();
  writer.join();
  EXPECT_TRUE(writer_in.load());
  EXPECT_TRUE(mu.try_lock_shared());  // and after it, readers again
  mu.unlock_shared();
  EXPECT_TRUE(mu.try_lock());
  EXPECT_FALSE(mu.try_lock_shared());
  mu.unlock();
}
