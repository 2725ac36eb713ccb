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
