#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include <opencv2/imgproc.hpp>

#include "vision/alignment.h"
#include "vision/landmarker.h"

using namespace argus;
using namespace argus::vision;

namespace {
std::vector<PointF> apply(const std::vector<PointF>& pts, double s, double deg, double tx, double ty) {
  double r = deg * M_PI / 180, c = std::cos(r) * s, n = std::sin(r) * s;
  std::vector<PointF> out;
  for (auto p : pts) out.push_back({float(c * p.x - n * p.y + tx), float(n * p.x + c * p.y + ty)});
  return out;
}
}  // namespace

TEST(vision_alignment, UmeyamaRecoversKnownSimilarity) {
  std::vector<PointF> src(arcface_template_112().begin(), arcface_template_112().end());
  auto dst = apply(src, 1.7, 23.0, 40.5, -12.25);
  cv::Mat M = umeyama_similarity(src, dst);
  double r = 23.0 * M_PI / 180;
  EXPECT_NEAR(M.at<double>(0, 0), 1.7 * std::cos(r), 1e-4);
  EXPECT_NEAR(M.at<double>(0, 1), -1.7 * std::sin(r), 1e-4);
  EXPECT_NEAR(M.at<double>(1, 0), 1.7 * std::sin(r), 1e-4);
  EXPECT_NEAR(M.at<double>(1, 1), 1.7 * std::cos(r), 1e-4);
  EXPECT_NEAR(M.at<double>(0, 2), 40.5, 1e-3);
  EXPECT_NEAR(M.at<double>(1, 2), -12.25, 1e-3);
}

TEST(vision_alignment, LeastSquaresUsesEveryPointUnderNoise) {
  // With noise, the fit must stay close to the truth (RANSAC-style fits would drop points).
  std::vector<PointF> src(arcface_template_112().begin(), arcface_template_112().end());
  auto dst = apply(src, 0.5, -40.0, 300, 200);
  std::mt19937 rng(7);
  std::normal_distribution<float> noise(0.f, 0.5f);
  for (auto& p : dst) { p.x += noise(rng); p.y += noise(rng); }
  cv::Mat M = umeyama_similarity(src, dst);
  double scale = std::hypot(M.at<double>(0, 0), M.at<double>(1, 0));
  double angle = std::atan2(M.at<double>(1, 0), M.at<double>(0, 0)) * 180 / M_PI;
  EXPECT_NEAR(scale, 0.5, 0.02);
  EXPECT_NEAR(angle, -40.0, 2.0);
  // Residuals are spread over all points: none is fitted exactly while others are ignored.
  double worst = 0;
  for (size_t i = 0; i < 5; ++i) {
    double x = M.at<double>(0, 0) * src[i].x + M.at<double>(0, 1) * src[i].y + M.at<double>(0, 2);
    double y = M.at<double>(1, 0) * src[i].x + M.at<double>(1, 1) * src[i].y + M.at<double>(1, 2);
    worst = std::max(worst, std::hypot(x - dst[i].x, y - dst[i].y));
  }
  EXPECT_LT(worst, 2.0);
}

TEST(vision_alignment, NoReflection) {
  std::vector<PointF> src(arcface_template_112().begin(), arcface_template_112().end());
  std::vector<PointF> mirrored;
  for (auto p : src) mirrored.push_back({112 - p.x, p.y});
  cv::Mat M = umeyama_similarity(src, mirrored);
  double det = M.at<double>(0, 0) * M.at<double>(1, 1) - M.at<double>(0, 1) * M.at<double>(1, 0);
  EXPECT_GT(det, 0);  // a rotation+scale, never a flip
}

TEST(vision_alignment, WarpMapsLandmarksOntoTemplate) {
  // Draw dots at transformed template positions, warp back, dots land on the template.
  std::vector<PointF> src(arcface_template_112().begin(), arcface_template_112().end());
  auto pts = apply(src, 2.0, 15.0, 100, 80);
  cv::Mat img(480, 640, CV_8UC3, cv::Scalar(0, 0, 0));
  for (auto p : pts) cv::circle(img, cv::Point(int(std::lround(p.x)), int(std::lround(p.y))), 3, cv::Scalar(255, 255, 255), -1);
  cv::Mat face = align_arcface(img, pts);
  ASSERT_EQ(face.rows, 112);
  for (auto t : arcface_template_112()) {
    auto px = face.at<cv::Vec3b>(int(std::lround(t.y)), int(std::lround(t.x)));
    EXPECT_GT(px[0], 100) << "template point " << t.x << "," << t.y;
  }
}

TEST(vision_alignment, DlibChipTemplateIsInsideChip) {
  auto t = dlib_chip_template(150, 0.25f);
  for (auto p : t) {
    EXPECT_GT(p.x, 20); EXPECT_LT(p.x, 130);
    EXPECT_GT(p.y, 20); EXPECT_LT(p.y, 130);
  }
  EXPECT_LT(t[0].x, t[1].x);  // left eye left of right eye
  EXPECT_LT(t[0].y, t[3].y);  // eyes above mouth
}

// The second landmark pass: crop_from_landmarks places the points where shape_in_crop measures them.
TEST(vision_alignment, LandmarkCropRoundTrip) {
  std::vector<PointF> l68;
  for (int i = 0; i < 68; ++i)  // any non-degenerate cloud; eyes (36-47) left of right
    l68.push_back({float(40 + (i % 17) * 3 + (i >= 42 && i < 48 ? 30 : 0)), float(60 + (i / 17) * 11 + (i % 5))});
  const std::vector<PointF> turned = apply(l68, 1.3, 25, 17, -9);
  for (bool level : {false, true}) {
    const CropShape want{0.02f, 0.1f, 0.28f};
    LandmarkCrop c = crop_from_landmarks(turned, want, level);
    ASSERT_GT(c.side, 0.f);
    CropShape got = shape_in_crop(turned, c);
    EXPECT_NEAR(got.dx, want.dx, 1e-4);
    EXPECT_NEAR(got.dy, want.dy, 1e-4);
    EXPECT_NEAR(got.radius, want.radius, 1e-4);
    if (level) {  // levelled: the eye line is horizontal in the crop
      PointF l{0, 0}, r{0, 0};
      for (int i = 36; i < 42; ++i) { l.x += turned[i].x / 6; l.y += turned[i].y / 6; }
      for (int i = 42; i < 48; ++i) { r.x += turned[i].x / 6; r.y += turned[i].y / 6; }
      EXPECT_NEAR(c.angle, std::atan2(r.y - l.y, r.x - l.x), 1e-5);
    } else {
      EXPECT_EQ(c.angle, 0.f);
    }
  }
  LandmarkCrop box = crop_from_box(RectF{10, 20, 30, 40});
  EXPECT_FLOAT_EQ(box.centre.x, 25);
  EXPECT_FLOAT_EQ(box.centre.y, 40);
  EXPECT_FLOAT_EQ(box.side, 40);
  EXPECT_TRUE(crop_from_landmarks({}, CropShape{}, true).side == 0.f);
}
