#include <gtest/gtest.h>

#include "events/live_cache.h"

using argus::Json;
using argus::events::LiveCache;

TEST(LiveCache, LatestPerCameraUntilExpiry) {
  LiveCache cache(3000);
  cache.put(1, Json{{"frame_seq", 1}}, 1000);
  cache.put(1, Json{{"frame_seq", 2}}, 2000);
  cache.put(2, Json{{"frame_seq", 9}}, 1500);
  ASSERT_TRUE(cache.get(1, 2500));
  EXPECT_EQ((*cache.get(1, 2500))["frame_seq"], 2);  // the latest wins
  EXPECT_EQ(cache.all(2500).size(), 2u);
  // Camera 2 was last updated at 1500: gone after 4500; camera 1 lives until 5000.
  EXPECT_FALSE(cache.get(2, 4501));
  EXPECT_TRUE(cache.get(1, 5000));
  EXPECT_FALSE(cache.get(1, 5001));
  EXPECT_TRUE(cache.all(6000).empty());
  cache.put(3, Json::object(), 7000);
  cache.erase(3);
  EXPECT_FALSE(cache.get(3, 7000));
}
