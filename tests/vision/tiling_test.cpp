#include <gtest/gtest.h>

#include "vision/nms.h"

using namespace argus;
using namespace argus::vision;

TEST(vision_tiling, SmallFrameNeedsOnlyTheWholeFrame) {
  auto tiles = plan_tiles({320, 240}, {320, 240}, 24, 12);
  ASSERT_EQ(tiles.size(), 1u);
  EXPECT_TRUE(tiles[0].whole_frame);
}

TEST(vision_tiling, FullHdIsCoveredWithOverlap) {
  cv::Size frame(1920, 1080);
  auto tiles = plan_tiles(frame, {320, 240}, 24, 12);
  ASSERT_GT(tiles.size(), 1u);
  EXPECT_TRUE(tiles[0].whole_frame);
  // Every pixel of the frame lies in a fine tile, and every face up to max_face fits whole in one.
  cv::Mat covered(frame, CV_8U, cv::Scalar(0));
  for (size_t i = 1; i < tiles.size(); ++i) {
    covered(tiles[i].rect) = 255;
    EXPECT_LE(tiles[i].rect.width / 320.0, 24.0 / 12 + 1e-6);  // 24 px faces reach 12 px
    EXPECT_GT(tiles[i].max_face, 100);
  }
  EXPECT_EQ(cv::countNonZero(covered), frame.area());
  for (int x = 0; x + 100 <= frame.width; x += 37) {
    for (int y = 0; y + 100 <= frame.height; y += 41) {
      bool inside = false;
      for (size_t i = 1; i < tiles.size() && !inside; ++i)
        inside = (tiles[i].rect & cv::Rect(x, y, 100, 100)) == cv::Rect(x, y, 100, 100);
      ASSERT_TRUE(inside) << "a 100 px face at " << x << "," << y << " is cut in every tile";
    }
  }
}

TEST(vision_nms, SuppressesOverlapsAndContainedBoxes) {
  std::vector<Detection> d = {
      {{10, 10, 100, 100}, 0.9f, {}},
      {{15, 12, 100, 100}, 0.8f, {}},   // overlaps the first
      {{40, 40, 30, 30}, 0.7f, {}},     // inside the first
      {{300, 300, 50, 50}, 0.6f, {}},   // separate face
  };
  auto k = nms(d, 0.4f);
  ASSERT_EQ(k.size(), 2u);
  EXPECT_FLOAT_EQ(k[0].score, 0.9f);
  EXPECT_FLOAT_EQ(k[1].score, 0.6f);
}

TEST(vision_nms, WeightedAveragesBoxes) {
  std::vector<Detection> d = {{{0, 0, 100, 100}, 0.5f, {}}, {{10, 0, 100, 100}, 0.5f, {}}};
  auto k = weighted_nms(d, 0.3f);
  ASSERT_EQ(k.size(), 1u);
  EXPECT_NEAR(k[0].box.x, 5.f, 1e-4);
}

TEST(vision_tiling, InnerEdgeDetection) {
  cv::Size frame(1000, 1000);
  cv::Rect tile(400, 0, 300, 300);
  EXPECT_TRUE(touches_inner_edge({401, 50, 40, 40}, tile, frame));   // cut at the left edge
  EXPECT_FALSE(touches_inner_edge({500, 0, 40, 40}, tile, frame));   // top edge is the frame's
  EXPECT_FALSE(touches_inner_edge({500, 100, 40, 40}, tile, frame));
}
