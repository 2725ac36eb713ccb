#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <random>

#include "vision_test_util.h"

using namespace argus;
using namespace argus::vision;

namespace {

// A 1920x1080 frame (smooth gradient + noise, no faces) with the face at `face_box` of `src`
// pasted so that the face is `face_px` wide, centred at `at`. Returns the pasted face's box.
RectF paste_face(cv::Mat& frame, const cv::Mat& src, cv::Rect face_box, int face_px, cv::Point at) {
  // Take the face with half a face of context around it, as a camera would see it.
  cv::Rect ctx(face_box.x - face_box.width / 2, face_box.y - face_box.height / 2, face_box.width * 2,
               face_box.height * 2);
  ctx &= cv::Rect(0, 0, src.cols, src.rows);
  double s = double(face_px) / face_box.width;
  cv::Mat small;
  cv::resize(src(ctx), small, cv::Size(), s, s, cv::INTER_AREA);
  cv::Rect dst(at.x - small.cols / 2, at.y - small.rows / 2, small.cols, small.rows);
  small.copyTo(frame(dst));
  return RectF{float(dst.x + (face_box.x - ctx.x) * s), float(dst.y + (face_box.y - ctx.y) * s),
               float(face_box.width * s), float(face_box.height * s)};
}

cv::Mat background() {
  cv::Mat f(1080, 1920, CV_8UC3);
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> n(-6, 6);
  for (int y = 0; y < f.rows; ++y)
    for (int x = 0; x < f.cols; ++x)
      f.at<cv::Vec3b>(y, x) = cv::Vec3b(uint8_t(std::clamp(90 + x / 30 + n(rng), 0, 255)),
                                        uint8_t(std::clamp(100 + y / 20 + n(rng), 0, 255)),
                                        uint8_t(std::clamp(110 + n(rng), 0, 255)));
  return f;
}

bool found(const std::vector<Detection>& d, const RectF& truth) {
  for (const auto& x : d)
    if (iou(x.box, truth) > 0.3f) return true;
  return false;
}

}  // namespace

// Ground truth counted by eye on the face-api demo photos (drawn with `argus detect --draw`).
TEST(vision_detector, FindsTheFacesInGroupPhotos) {
  REQUIRE_MODELS();
  auto an = argus_test::shared_analyzer();
  ASSERT_TRUE(an);
  const std::map<int, int> expected = {{1, 3}, {2, 3}, {3, 3}, {4, 4}, {5, 6}, {6, 4}};
  AnalyzeOptions o;
  o.detect_only = true;
  for (auto [i, n] : expected) {
    cv::Mat img = cv::imread(argus_test::sample(i));
    ASSERT_FALSE(img.empty());
    auto faces = an->analyze(img, o);
    EXPECT_GE(int(faces.size()), n) << "sample" << i;
    EXPECT_LE(int(faces.size()), n + 2) << "sample" << i;  // at most two false positives
  }
}

TEST(vision_detector, TilingFinds30PxFaceIn1080p) {
  REQUIRE_MODELS();
  auto an = argus_test::shared_analyzer();
  ASSERT_TRUE(an);
  cv::Mat src = cv::imread(argus_test::sample(4));
  ASSERT_FALSE(src.empty());
  cv::Mat frame = background();
  RectF truth = paste_face(frame, src, cv::Rect(663, 58, 204, 249), 30, {1230, 610});
  auto det = an->registry().get("ultraface-ort");
  ASSERT_TRUE(det);
  DetectOptions whole{0.6f, 24, false}, tiled{0.6f, 24, true};
  auto without = det->detector->detect(frame, whole);
  auto with = det->detector->detect(frame, tiled);
  ASSERT_TRUE(without.ok() && with.ok());
  EXPECT_FALSE(found(*without, truth)) << "the whole-frame pass alone should miss a 30 px face";
  EXPECT_TRUE(found(*with, truth)) << "tiling should find the 30 px face";
  EXPECT_LE(with->size(), 2u);
}

// vision.frame_threads: tiles shared with helper threads give exactly the sequential result.
TEST(vision_detector, TilesOnHelperThreadsGiveTheSameFaces) {
  REQUIRE_MODELS();
  auto an = argus_test::shared_analyzer();
  auto det = an->registry().get("ultraface-ort");
  ASSERT_TRUE(det);
  cv::Mat img = cv::imread(argus_test::sample(5)), frame;
  cv::resize(img, frame, cv::Size(1920, 1080));
  DetectOptions seq{0.6f, 24, true};
  ParallelFor helpers(2);
  DetectOptions par = seq;
  par.parallel = &helpers;
  ASSERT_GT(det->detector->passes_for(frame.size(), seq), 2);
  auto a = det->detector->detect(frame, seq);
  for (int rep = 0; rep < 3; ++rep) {
    auto b = det->detector->detect(frame, par);
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(a->size(), b->size());
    ASSERT_GE(a->size(), 4u);
    for (size_t i = 0; i < a->size(); ++i) {
      EXPECT_FLOAT_EQ((*a)[i].box.x, (*b)[i].box.x);
      EXPECT_FLOAT_EQ((*a)[i].box.w, (*b)[i].box.w);
      EXPECT_FLOAT_EQ((*a)[i].score, (*b)[i].score);
    }
  }
}

TEST(vision_detector, LargeFaceIsNotDuplicatedByTiles) {
  REQUIRE_MODELS();
  auto an = argus_test::shared_analyzer();
  cv::Mat src = cv::imread(argus_test::sample(4));
  cv::Mat frame = background();
  RectF truth = paste_face(frame, src, cv::Rect(663, 58, 204, 249), 300, {960, 540});
  AnalyzeOptions o;
  o.detect_only = true;
  auto faces = an->analyze(frame, o);
  int hits = 0;
  for (const auto& f : faces) hits += iou(f.box, truth) > 0.3f;
  EXPECT_EQ(hits, 1);
}

TEST(vision_detector, EveryDetectorFindsAClearFace) {
  REQUIRE_MODELS();
  auto an = argus_test::make_analyzer(true);
  cv::Mat src = cv::imread(argus_test::sample(4));
  cv::Mat frame = background()(cv::Rect(0, 0, 640, 360)).clone();
  RectF truth = paste_face(frame, src, cv::Rect(978, 248, 182, 179), 100, {320, 180});  // the most frontal face
  for (const char* id : {"ultraface-ort", "ultraface-opencv", "blazeface-ort", "dlib-hog", "haar"}) {
    auto m = an->registry().get(id);
    ASSERT_TRUE(m) << id;
    auto d = m->detector->detect(frame, DetectOptions{0.5f, 24, true});
    ASSERT_TRUE(d.ok()) << id;
    EXPECT_TRUE(found(*d, truth)) << id;
  }
}

TEST(vision_detector, BlazeFaceKeypointsAreOnTheFace) {
  REQUIRE_MODELS();
  auto an = argus_test::shared_analyzer();
  cv::Mat src = cv::imread(argus_test::sample(4));
  cv::Mat frame = background()(cv::Rect(0, 0, 640, 360)).clone();
  RectF truth = paste_face(frame, src, cv::Rect(663, 58, 204, 249), 100, {320, 180});
  auto d = an->registry().get("blazeface-ort")->detector->detect(frame, DetectOptions{0.5f, 24, true});
  ASSERT_TRUE(d.ok());
  ASSERT_FALSE(d->empty());
  const auto& k = (*d)[0].keypoints;
  ASSERT_EQ(k.size(), 5u);
  for (auto p : k) {
    EXPECT_GT(p.x, truth.x); EXPECT_LT(p.x, truth.right());
    EXPECT_GT(p.y, truth.y); EXPECT_LT(p.y, truth.bottom());
  }
  EXPECT_LT(k[0].x, k[1].x);
  EXPECT_LT(k[0].y, k[3].y);
}

// The any-size model (fr_detect_any.onnx, cut by scripts/convert_ultraface_any.py) decoded
// with our priors must equal the npm model's built-in decoding where both can run: 320x240.
TEST(vision_detector, MultiScaleUltraFaceDecodesLikeTheOriginalAt320x240) {
  REQUIRE_MODELS();
  auto an = argus_test::shared_analyzer();
  auto ms = an->registry().get("ultraface-ms-ort");
  auto tiled = an->registry().get("ultraface-ort");
  ASSERT_TRUE(ms && tiled);
  cv::Mat img = cv::imread(argus_test::sample(4));
  ASSERT_FALSE(img.empty());
  cv::Mat frame;
  cv::resize(img, frame, cv::Size(320, 240), 0, 0, cv::INTER_AREA);
  DetectOptions whole{0.3f, 24, false};
  auto a = tiled->detector->detect(frame, whole);
  auto b = ms->detector->detect(frame, whole);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_FALSE(a->empty());
  ASSERT_EQ(a->size(), b->size());
  auto by_x = [](const Detection& p, const Detection& q) { return p.box.x < q.box.x; };
  std::sort(a->begin(), a->end(), by_x);
  std::sort(b->begin(), b->end(), by_x);
  for (size_t i = 0; i < a->size(); ++i) {
    EXPECT_NEAR((*a)[i].score, (*b)[i].score, 1e-5f);
    EXPECT_NEAR((*a)[i].box.x, (*b)[i].box.x, 0.05f);
    EXPECT_NEAR((*a)[i].box.y, (*b)[i].box.y, 0.05f);
    EXPECT_NEAR((*a)[i].box.w, (*b)[i].box.w, 0.05f);
    EXPECT_NEAR((*a)[i].box.h, (*b)[i].box.h, 0.05f);
  }
}

// A 1080p frame takes two whole passes (large faces at 320x184, small ones at 960x544)
// instead of 13 tiles, and still finds a 30 px face, and a 300 px face once.
TEST(vision_detector, MultiScaleUltraFaceFindsSmallAndLargeFacesIn1080p) {
  REQUIRE_MODELS();
  auto an = argus_test::shared_analyzer();
  auto ms = an->registry().get("ultraface-ms-ort");
  ASSERT_TRUE(ms);
  DetectOptions o{0.6f, 24, true};
  auto levels = ultraface_multiscale_levels(cv::Size(1920, 1080), o);
  ASSERT_EQ(levels.size(), 2u);
  EXPECT_EQ(levels[0], cv::Size(320, 184));
  EXPECT_EQ(levels[1], cv::Size(960, 544));
  EXPECT_EQ(ms->detector->passes_for(cv::Size(1920, 1080), o), 2);
  cv::Mat src = cv::imread(argus_test::sample(4));
  cv::Mat frame = background();
  RectF small = paste_face(frame, src, cv::Rect(663, 58, 204, 249), 30, {1230, 610});
  RectF large = paste_face(frame, src, cv::Rect(978, 248, 182, 179), 300, {500, 500});
  auto d = ms->detector->detect(frame, o);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(found(*d, small)) << "30 px face";
  int hits = 0;
  for (const auto& x : *d) hits += iou(x.box, large) > 0.3f;
  EXPECT_EQ(hits, 1) << "300 px face found exactly once";
  EXPECT_LE(d->size(), 3u);
}
