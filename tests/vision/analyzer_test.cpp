#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "vision/landmarker.h"
#include "vision_test_util.h"

using namespace argus;
using namespace argus::vision;

namespace {
cv::Mat one_face() {
  cv::Mat img = cv::imread(argus_test::sample(4));
  return img(cv::Rect(560, 0, 420, 420)).clone();  // the face at 663,58 with context
}
}  // namespace

TEST(vision_analyzer, FullPipelineOnOneFace) {
  REQUIRE_MODELS();
  auto an = argus_test::shared_analyzer();
  AnalyzeTrace tr;
  AnalyzeOptions o;
  o.pose = true;
  o.liveness = true;
  auto faces = an->analyze(one_face(), o, &tr);
  ASSERT_EQ(faces.size(), 1u);
  const Face& f = faces[0];
  EXPECT_GT(f.score, 0.8f);
  ASSERT_EQ(f.landmarks5.size(), 5u);
  EXPECT_EQ(f.landmarks68.size(), 68u);
  EXPECT_LT(f.landmarks5[0].x, f.landmarks5[1].x);
  for (auto p : f.landmarks5) {
    EXPECT_GT(p.x, f.box.x - 5); EXPECT_LT(p.x, f.box.right() + 5);
    EXPECT_GT(p.y, f.box.y - 5); EXPECT_LT(p.y, f.box.bottom() + 5);
  }
  EXPECT_EQ(f.quality.reason, "");
  EXPECT_GT(f.quality.score, 0.5f);
  ASSERT_TRUE(f.pose.has_value());
  EXPECT_LT(std::abs(f.pose->yaw), 45.f);
  ASSERT_TRUE(f.liveness.has_value());
  EXPECT_GE(*f.liveness, 0.f);
  EXPECT_LE(*f.liveness, 1.f);
  EXPECT_EQ(tr.models["detector"], "ultraface-ms-ort");
  EXPECT_EQ(tr.models["recognizer"], "fr-feature-ort");
  EXPECT_FALSE(tr.fallback_used);
  for (const char* k : {"detect", "landmarks", "embed", "total"}) EXPECT_TRUE(tr.timings_ms.count(k)) << k;
}

TEST(vision_analyzer, EnrolVerdicts) {
  REQUIRE_MODELS();
  auto an = argus_test::shared_analyzer();
  cv::Mat face = one_face();
  auto ok = an->check_enrol(face);
  EXPECT_TRUE(ok.ok) << ok.reason;

  EXPECT_EQ(an->check_enrol(cv::imread(argus_test::sample(4))).reason, "multiple_faces");
  EXPECT_EQ(an->check_enrol(cv::Mat(480, 640, CV_8UC3, cv::Scalar(120, 120, 120))).reason, "no_face");

  cv::Mat dark = face * 0.12;
  auto d = an->check_enrol(dark);
  EXPECT_TRUE(d.reason == "too_dark" || d.reason == "no_face") << d.reason;

  cv::Mat blurred;
  cv::GaussianBlur(face, blurred, cv::Size(0, 0), 7);
  auto b = an->check_enrol(blurred);
  EXPECT_TRUE(b.reason == "too_blurry" || b.reason == "no_face") << b.reason;

  cv::Mat tiny, canvas(480, 640, CV_8UC3, cv::Scalar(120, 120, 120));
  cv::resize(face, tiny, cv::Size(36, 36), 0, 0, cv::INTER_AREA);  // face ~18 px
  tiny.copyTo(canvas(cv::Rect(300, 200, 36, 36)));
  auto t = an->check_enrol(canvas);
  EXPECT_TRUE(t.reason == "too_small" || t.reason == "no_face") << t.reason;
}

TEST(vision_analyzer, FusionAndFlipOptions) {
  REQUIRE_MODELS();
  auto an = argus_test::shared_analyzer();
  AnalyzeOptions o;
  o.fusion = true;
  o.flip = true;
  auto faces = an->analyze(one_face(), o);
  ASSERT_EQ(faces.size(), 1u);
  EXPECT_EQ(faces[0].embedding.size(), 512u + 128u);
  EXPECT_EQ(faces[0].embedder_id, kFusionEmbedderId);
  EXPECT_NEAR(cosine(faces[0].embedding, faces[0].embedding), 1.0, 1e-4);
  EXPECT_FLOAT_EQ(an->threshold(kFusionEmbedderId), kFusionThreshold);
}

TEST(vision_analyzer, EmptyAndGreyImages) {
  REQUIRE_MODELS();
  auto an = argus_test::shared_analyzer();
  EXPECT_TRUE(an->analyze(cv::Mat()).empty());
  cv::Mat grey;
  cv::cvtColor(one_face(), grey, cv::COLOR_BGR2GRAY);
  EXPECT_EQ(an->analyze(grey).size(), 1u);
}

// fr_landmark through a levelled crop: a face turned by 30 degrees gives the same points (turned)
// as the upright face, within a few pixels.
TEST(vision_analyzer, LevelledLandmarkCropFollowsRotation) {
  REQUIRE_MODELS();
  auto an = argus_test::shared_analyzer();
  auto lm = an->registry().get(an->registry().active("landmarker"));
  ASSERT_TRUE(lm && lm->landmarker);
  cv::Mat img = one_face();
  AnalyzeOptions o;
  o.embed = false;
  auto faces = an->analyze(img, o);
  ASSERT_EQ(faces.size(), 1u);
  const auto& up = faces[0].landmarks68;
  ASSERT_EQ(up.size(), 68u);
  auto again = lm->landmarker->landmarks68(img, crop_from_landmarks(up, kFrLandmarkCropShape, true));
  ASSERT_TRUE(again.ok());
  cv::Point2f centre(img.cols / 2.f, img.rows / 2.f);
  cv::Mat R = cv::getRotationMatrix2D(centre, 30, 1.0);  // counter-clockwise on screen
  cv::Mat turned;
  cv::warpAffine(img, turned, R, img.size(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  auto rot = [&](PointF p) {
    return PointF{float(R.at<double>(0, 0) * p.x + R.at<double>(0, 1) * p.y + R.at<double>(0, 2)),
                  float(R.at<double>(1, 0) * p.x + R.at<double>(1, 1) * p.y + R.at<double>(1, 2))};
  };
  std::vector<PointF> expected;
  for (auto p : *again) expected.push_back(rot(p));
  // Levelled crop from the (turned) upright points: what a first pass near the truth would give.
  auto got = lm->landmarker->landmarks68(turned, crop_from_landmarks(expected, kFrLandmarkCropShape, true));
  ASSERT_TRUE(got.ok());
  auto l5e = five_from_68(expected), l5g = five_from_68(*got);
  const float iod = std::hypot(l5e[1].x - l5e[0].x, l5e[1].y - l5e[0].y);
  for (size_t j = 0; j < 5; ++j)
    EXPECT_LT(std::hypot(l5g[j].x - l5e[j].x, l5g[j].y - l5e[j].y), 0.1f * iod) << "point " << j;
}

// With an embed_filter (the live path), the second landmark pass runs only for faces that get
// embedded: those come out exactly as without a filter (points and embedding), the others keep
// the first pass's points (what fr_landmark gives on the detection box) and no embedding.
TEST(vision_analyzer, SecondLandmarkPassOnlyForEmbeddedFaces) {
  REQUIRE_MODELS();
  auto an = argus_test::shared_analyzer();
  cv::Mat img = cv::imread(argus_test::sample(4));
  AnalyzeOptions all;
  auto plain = an->analyze(img, all);
  ASSERT_GE(plain.size(), 2u);
  AnalyzeOptions some;
  std::vector<std::string> calls;  // the hooks, in order
  std::vector<Face> detected;
  some.on_detected = [&](const std::vector<Face>& faces) {
    calls.push_back("detected");
    detected = faces;
  };
  some.embed_filter = [&](const std::vector<Face>& faces) {
    calls.push_back("filter");
    std::vector<bool> v(faces.size(), false);
    for (size_t i = 0; i < v.size(); i += 2) v[i] = true;  // every other face
    return v;
  };
  auto filtered = an->analyze(img, some);
  ASSERT_EQ(filtered.size(), plain.size());
  // The boxes come first, before landmarks: same boxes, nothing else yet.
  EXPECT_EQ(calls, (std::vector<std::string>{"detected", "filter"}));
  ASSERT_EQ(detected.size(), plain.size());
  for (size_t i = 0; i < plain.size(); ++i) {
    EXPECT_FLOAT_EQ(detected[i].box.x, plain[i].box.x) << i;
    EXPECT_FLOAT_EQ(detected[i].box.w, plain[i].box.w) << i;
    EXPECT_TRUE(detected[i].landmarks68.empty()) << i;
    EXPECT_TRUE(detected[i].embedding.empty()) << i;
  }
  auto lm = an->registry().get(an->registry().active("landmarker"));
  ASSERT_TRUE(lm && lm->landmarker);
  for (size_t i = 0; i < plain.size(); ++i) {
    ASSERT_EQ(filtered[i].landmarks5.size(), 5u);
    if (i % 2 == 0) {
      for (size_t k = 0; k < 5; ++k) {
        EXPECT_FLOAT_EQ(filtered[i].landmarks5[k].x, plain[i].landmarks5[k].x) << i;
        EXPECT_FLOAT_EQ(filtered[i].landmarks5[k].y, plain[i].landmarks5[k].y) << i;
      }
      ASSERT_EQ(filtered[i].embedding.size(), plain[i].embedding.size());
      EXPECT_GT(cosine(filtered[i].embedding, plain[i].embedding), 0.9999f) << i;
    } else {
      EXPECT_TRUE(filtered[i].embedding.empty()) << i;
      auto first = lm->landmarker->landmarks68(img, filtered[i].box);
      ASSERT_TRUE(first.ok());
      auto five = five_from_68(*first);
      for (size_t k = 0; k < 5; ++k) {
        EXPECT_FLOAT_EQ(filtered[i].landmarks5[k].x, five[k].x) << i;
        EXPECT_FLOAT_EQ(filtered[i].landmarks5[k].y, five[k].y) << i;
      }
    }
  }
}

// vision.frame_threads: a frame's detector passes, per-face landmarks and quality and the
// embeddings shared with helper threads give exactly what one thread gives, on the live path
// (embed filter, deferred second landmark pass) and the plain one.
TEST(vision_analyzer, FrameHelpersGiveTheSameAnalysis) {
  REQUIRE_MODELS();
  RegistryOptions ro;
  ro.warmup_runs = 1;
  auto config = argus_test::test_vision_config();
  config.frame_threads = 0;
  auto alone = FaceAnalyzer::create(config, ro);
  config.frame_threads = 3;
  auto helped = FaceAnalyzer::create(config, ro);
  ASSERT_TRUE(alone.ok() && helped.ok());
  cv::Mat img = cv::imread(argus_test::sample(4)), frame;
  cv::resize(img, frame, cv::Size(1920, 1080));
  AnalyzeOptions plain;
  AnalyzeOptions live;
  live.embed_filter = [](const std::vector<Face>& faces) {
    std::vector<bool> v(faces.size(), false);
    for (size_t i = 0; i < v.size(); i += 2) v[i] = true;
    return v;
  };
  for (const auto* opts : {&plain, &live}) {
    AnalyzeTrace trace;
    auto a = (*alone)->analyze(frame, *opts);
    auto b = (*helped)->analyze(frame, *opts, &trace);
    ASSERT_GE(a.size(), 3u);
    ASSERT_EQ(a.size(), b.size());
    EXPECT_EQ(trace.models.count("landmarker"), 1u);
    EXPECT_EQ(trace.models.count("recognizer"), 1u);
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].box.x, b[i].box.x) << i;
      EXPECT_EQ(a[i].box.y, b[i].box.y) << i;
      EXPECT_EQ(a[i].box.w, b[i].box.w) << i;
      EXPECT_EQ(a[i].score, b[i].score) << i;
      ASSERT_EQ(a[i].landmarks5.size(), b[i].landmarks5.size()) << i;
      for (size_t k = 0; k < a[i].landmarks5.size(); ++k) {
        EXPECT_EQ(a[i].landmarks5[k].x, b[i].landmarks5[k].x) << i;
        EXPECT_EQ(a[i].landmarks5[k].y, b[i].landmarks5[k].y) << i;
      }
      EXPECT_EQ(a[i].quality.score, b[i].quality.score) << i;
      EXPECT_EQ(a[i].embedding, b[i].embedding) << i;
    }
  }
}
