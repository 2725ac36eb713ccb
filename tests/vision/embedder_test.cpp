#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include <cmath>
#include <fstream>

#include "vision_test_util.h"

using namespace argus;
using namespace argus::vision;

namespace {

// The subject of an LFW image: the face nearest the centre.
Face subject(const FaceAnalyzer& an, const cv::Mat& img, const AnalyzeOptions& o = {}) {
  auto faces = an.analyze(img, o);
  Face best;
  double best_d = 1e18;
  for (auto& f : faces) {
    double dx = f.box.x + f.box.w / 2 - img.cols / 2.0, dy = f.box.y + f.box.h / 2 - img.rows / 2.0;
    if (dx * dx + dy * dy < best_d) { best_d = dx * dx + dy * dy; best = f; }
  }
  return best;
}

std::string lfw_image(const std::string& dir, const std::string& name, int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d", i);
  return dir + "/lfw/images/" + name + "/" + name + "_" + buf + ".jpg";
}

}  // namespace

TEST(vision_embedder, EmbeddingIsNormalisedAndDeterministic) {
  REQUIRE_MODELS();
  auto an = argus_test::shared_analyzer();
  cv::Mat img = cv::imread(argus_test::sample(4));
  auto faces = an->analyze(img);
  ASSERT_FALSE(faces.empty());
  const auto& e = faces[0].embedding;
  ASSERT_EQ(e.size(), 512u);
  double n = 0;
  for (float v : e) n += double(v) * v;
  EXPECT_NEAR(n, 1.0, 1e-4);
  EXPECT_EQ(faces[0].embedder_id, "fr-feature");
  auto again = an->analyze(img);
  EXPECT_NEAR(cosine(again[0].embedding, e), 1.0, 1e-5);
}

TEST(vision_embedder, DifferentPeopleInAPhotoAreBelowThreshold) {
  REQUIRE_MODELS();
  auto an = argus_test::shared_analyzer();
  auto faces = an->analyze(cv::imread(argus_test::sample(4)));
  ASSERT_GE(faces.size(), 4u);
  float th = an->threshold();
  for (size_t i = 0; i < 4; ++i)
    for (size_t j = i + 1; j < 4; ++j)
      EXPECT_LT(cosine(faces[i].embedding, faces[j].embedding), th) << i << " vs " << j;
}

TEST(vision_embedder, FlipAndBackendsAgree) {
  REQUIRE_MODELS();
  auto an = argus_test::make_analyzer(true);
  cv::Mat img = cv::imread(argus_test::sample(6));
  auto faces = an->analyze(img);
  ASSERT_FALSE(faces.empty());
  const auto& l5 = faces[0].landmarks5;
  auto ort = an->registry().get("fr-feature-ort")->embedder->embed(img, l5, false);
  auto ocv = an->registry().get("fr-feature-opencv")->embedder->embed(img, l5, false);
  auto flip = an->registry().get("fr-feature-ort")->embedder->embed(img, l5, true);
  ASSERT_TRUE(ort.ok() && ocv.ok() && flip.ok());
  EXPECT_GT(cosine(*ort, *ocv), 0.999f);
  EXPECT_GT(cosine(*ort, *flip), 0.9f);
  auto fa_ort = an->registry().get("faceapi-resnet128-ort")->embedder->embed(img, l5, false);
  auto fa_ocv = an->registry().get("faceapi-resnet128-opencv");
  ASSERT_TRUE(fa_ort.ok());
  EXPECT_EQ(fa_ort->size(), 128u);
  if (fa_ocv) {
    auto e = fa_ocv->embedder->embed(img, l5, false);
    ASSERT_TRUE(e.ok());
    EXPECT_GT(cosine(*fa_ort, *e), 0.999f);
  }
}

TEST(vision_embedder, LfwSamePairAboveAndDifferentPairBelowThreshold) {
  REQUIRE_MODELS();
  std::string data = argus_test::eval_data_dir();
  if (data.empty()) GTEST_SKIP() << "evaluation data absent (../shared/data or ARGUS_EVAL_DATA)";
  auto an = argus_test::shared_analyzer();
  // The first pairs of pairs.txt, fold 1 (same: Abel_Pacheco 1 4; different: see below) and
  // a few more of each kind so one hard pair does not decide the test.
  std::ifstream pf(data + "/lfw/pairs.txt");
  ASSERT_TRUE(pf);
  int folds, per;
  pf >> folds >> per;
  struct P { std::string a, b; bool same; };
  std::vector<P> pairs;
  for (int i = 0; i < 2 * per && pf; ++i) {
    std::string n1, n2;
    int i1, i2;
    if (i < per) { pf >> n1 >> i1 >> i2; n2 = n1; }
    else pf >> n1 >> i1 >> n2 >> i2;
    if ((i < per && i < 10) || (i >= per && i < per + 10))
      pairs.push_back({lfw_image(data, n1, i1), lfw_image(data, n2, i2), i < per});
  }
  for (const char* recognizer : {"fr-feature-ort", "faceapi-resnet128-ort"}) {
    AnalyzeOptions o;
    o.embedder = recognizer;
    float th = an->threshold(recognizer);
    int correct = 0;
    for (const auto& p : pairs) {
      Face a = subject(*an, cv::imread(p.a), o), b = subject(*an, cv::imread(p.b), o);
      ASSERT_FALSE(a.embedding.empty()) << p.a;
      ASSERT_FALSE(b.embedding.empty()) << p.b;
      float s = cosine(a.embedding, b.embedding);
      correct += (s > th) == p.same;
    }
    EXPECT_GE(correct, 19) << recognizer << ": " << correct << "/20 pairs right";
  }
}

TEST(vision_embedder, FusedEmbeddingConcatenatesWeighted) {
  std::vector<float> a = {1, 0}, b = {0, 1, 0};
  auto f = fuse_embeddings(a, b, FusionWeights{0.25f, 0.75f});
  ASSERT_EQ(f.size(), 5u);
  EXPECT_NEAR(cosine(f, f), 1.0, 1e-6);  // unit in, unit out when weights sum to 1
  EXPECT_NEAR(f[0], 0.5f, 1e-6);
}

// The faces of a frame in one call (fr_feature_ort.onnx has a free batch dimension) give the
// embeddings of one call per face, with and without the flip trick; analyze() gives them too.
TEST(vision_embedder, BatchedFacesEmbedAsOneByOne) {
  REQUIRE_MODELS();
  auto an = argus_test::shared_analyzer();
  cv::Mat img = cv::imread(argus_test::sample(5));
  auto faces = an->analyze(img);
  ASSERT_GE(faces.size(), 5u);
  BackendOptions o;
  o.device = "cpu";
  o.max_batch = 4;  // 5 faces (10 inputs with flip): full and partial batches
  auto be = make_ort_backend(argus_test::models_dir() + "/fr_feature_ort.onnx", "input", {"output"}, o);
  ASSERT_TRUE(be.ok()) << be.error().message;
  ASSERT_EQ((*be)->max_batch(), 4);
  auto batched = make_fr_feature_embedder(*be);
  BackendOptions single = o;
  single.max_batch = 0;
  auto be1 = make_ort_backend(argus_test::models_dir() + "/fr_feature_ort.onnx", "input", {"output"}, single);
  ASSERT_TRUE(be1.ok());
  EXPECT_EQ((*be1)->max_batch(), 1) << "the CPU sends one face per call by default";
  auto one = make_fr_feature_embedder(*be1);
  std::vector<std::vector<PointF>> l5s;
  for (const auto& f : faces) l5s.push_back(f.landmarks5);
  for (bool flip : {false, true}) {
    auto b = batched->embed_batch(img, l5s, flip);
    ASSERT_TRUE(b.ok()) << b.error().message;
    ASSERT_EQ(b->size(), faces.size());
    for (size_t i = 0; i < faces.size(); ++i) {
      auto e = one->embed(img, l5s[i], flip);
      ASSERT_TRUE(e.ok());
      EXPECT_GT(cosine((*b)[i], *e), 0.9999f) << "face " << i << " flip " << flip;
      if (!flip) {
        EXPECT_GT(cosine(faces[i].embedding, *e), 0.9999f) << "analyze() face " << i;
      }
    }
  }
}
