#include "recognition/recognition_config.h"

#include <gtest/gtest.h>

#include "core/config.h"

using namespace argus;

TEST(RecognitionConfig, DefaultsFromCoreTree) {
  auto c = parse_recognition_config(default_config_tree());
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->gallery.hnsw_above, 50000u);
  EXPECT_FLOAT_EQ(c->match_margin, 0.05f);
  EXPECT_FLOAT_EQ(c->recognition_threshold, 0.0f);
  // 0 = the recogniser's own threshold.
  EXPECT_FLOAT_EQ(c->policy_for(0.28f).threshold, 0.28f);
  EXPECT_TRUE(parse_recognition_config(Json::object()));
}

TEST(RecognitionConfig, OverridesAndErrors) {
  auto c = parse_recognition_config(
      Json::parse(R"({"vision": {"hnsw_above": 0, "match_margin": 0.1, "recognition_threshold": 0.4}})"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->gallery.hnsw_above, 0u);
  EXPECT_FLOAT_EQ(c->policy_for(0.28f).threshold, 0.4f);
  EXPECT_FLOAT_EQ(c->policy_for(0.28f).margin, 0.1f);
  auto bad = parse_recognition_config(
      Json::parse(R"({"vision": {"hnsw_above": -1, "match_margin": "x", "recognition_threshold": 2}})"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "VALIDATION_ERROR");
  EXPECT_EQ(bad.error().details.size(), 3u);
  EXPECT_TRUE(bad.error().details.count("vision.hnsw_above"));
}
