#include <gtest/gtest.h>

#include "core/config.h"
#include "vision/vision_config.h"

using namespace argus;
using namespace argus::vision;

TEST(vision_config, ReadsDefaultTree) {
  auto c = VisionConfig::from_json(default_config_tree());
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->device, "auto");
  EXPECT_GE(c->intra_op_threads, 1);
  EXPECT_GT(c->min_face_size, 0);
  EXPECT_LT(c->min_brightness, c->max_brightness);
}

TEST(vision_config, RejectsBadDevice) {
  Json j = {{"vision", {{"device", "tpu"}}}};
  EXPECT_FALSE(VisionConfig::from_json(j).ok());
  Json k = {{"vision", {{"min_face_size", "big"}}}};
  EXPECT_FALSE(VisionConfig::from_json(k).ok());
}

TEST(vision_config, FrameThreadsAndItsEarlierName) {
  auto d = VisionConfig::from_json(default_config_tree());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->frame_threads, -1);  // one helper per core but one
  auto c = VisionConfig::from_json(Json{{"vision", {{"frame_threads", 2}}}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->frame_threads, 2);
  // Configurations from before the rename still load, through the config loader.
  auto old = Config::load("", {}, {{"vision.tile_threads", "0"}});
  ASSERT_TRUE(old.ok()) << old.error().message;
  auto v = VisionConfig::from_json(old->tree);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->frame_threads, 0);
  for (int bad : {-2, 65}) {
    auto r = VisionConfig::from_json(Json{{"vision", {{"frame_threads", bad}}}});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find("vision.frame_threads"), std::string::npos);
  }
}
