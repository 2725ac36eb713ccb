#include "core/bounded_queue.h"

#include <gtest/gtest.h>

#include <thread>

using namespace argus;

TEST(BoundedQueue, DropsOldestWhenFull) {
  BoundedQueue<int> q(2);
  EXPECT_TRUE(q.push(1));
  EXPECT_TRUE(q.push(2));
  EXPECT_FALSE(q.push(3));
  EXPECT_EQ(q.dropped(), 1u);
  EXPECT_EQ(q.pop(), 2);
  EXPECT_EQ(q.pop(), 3);
}

TEST(BoundedQueue, CloseWakesConsumers) {
  BoundedQueue<int> q(1);
  std::thread t([&] { EXPECT_EQ(q.pop(), std::nullopt); });
  q.close();
  t.join();
}
