#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include <random>

#include "vision/alignment.h"
#include "vision/quality.h"

using namespace argus;
using namespace argus::vision;

namespace {
cv::Mat textured(int brightness) {
  cv::Mat img(112, 112, CV_8UC3);
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> d(-40, 40);
  for (int y = 0; y < 112; ++y)
    for (int x = 0; x < 112; ++x) {
      int v = std::clamp(brightness + d(rng), 0, 255);
      img.at<cv::Vec3b>(y, x) = cv::Vec3b(uint8_t(v), uint8_t(v), uint8_t(v));
    }
  return img;
}
std::vector<PointF> tmpl5() { return {arcface_template_112().begin(), arcface_template_112().end()}; }
}  // namespace

TEST(vision_quality, FrontalTemplateHasNoPose) {
  Pose p = estimate_pose_5(tmpl5());
  EXPECT_NEAR(p.roll, 0, 1.0);
  EXPECT_NEAR(p.yaw, 0, 3.0);
  EXPECT_NEAR(p.pitch, 0, 3.0);
}

TEST(vision_quality, RollAndYawFromPoints) {
  auto pts = tmpl5();
  // Rotate 30 degrees about the nose.
  std::vector<PointF> rot;
  double r = 30 * M_PI / 180;
  for (auto q : pts) {
    double dx = q.x - 56, dy = q.y - 72;
    rot.push_back({float(56 + dx * std::cos(r) - dy * std::sin(r)), float(72 + dx * std::sin(r) + dy * std::cos(r))});
  }
  EXPECT_NEAR(estimate_pose_5(rot).roll, 30, 1.0);
  // Nose shifted towards one eye: the head is turned.
  auto turned = pts;
  turned[2].x += 15;
  EXPECT_GT(estimate_pose_5(turned).yaw, 20);
}

TEST(vision_quality, VerdictsForDarkBlurrySmall) {
  QualityThresholds t;
  RectF big{0, 0, 120, 120}, tiny{0, 0, 12, 12};
  Quality good = assess_quality(textured(128), big, tmpl5(), std::nullopt, t);
  EXPECT_EQ(good.reason, "");
  EXPECT_GT(good.score, 0.6f);

  Quality dark = assess_quality(textured(15), big, tmpl5(), std::nullopt, t);
  EXPECT_EQ(dark.reason, "too_dark");

  cv::Mat blurred;
  cv::GaussianBlur(textured(128), blurred, cv::Size(0, 0), 6);
  Quality blurry = assess_quality(blurred, big, tmpl5(), std::nullopt, t);
  EXPECT_EQ(blurry.reason, "too_blurry");
  EXPECT_LT(blurry.sharpness, good.sharpness / 10);
  EXPECT_LT(blurry.score, good.score);

  Quality small = assess_quality(textured(128), tiny, tmpl5(), std::nullopt, t);
  EXPECT_EQ(small.reason, "too_small");

  Quality turned = assess_quality(textured(128), big, tmpl5(), Pose{70, 0, 0}, t);
  EXPECT_EQ(turned.reason, "bad_pose");
}
