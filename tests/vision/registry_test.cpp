#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include <thread>

#include "vision/inference.h"
#include "vision_test_util.h"

using namespace argus;
using namespace argus::vision;

TEST(vision_registry, ListsModelsWithHashesAndLatency) {
  REQUIRE_MODELS();
  auto an = argus_test::shared_analyzer();
  Json j = an->registry().to_json();
  ASSERT_TRUE(j["models"].is_array());
  EXPECT_EQ(j["active"]["detector"], "ultraface-ms-ort");
  EXPECT_EQ(j["active"]["recognizer"], "fr-feature-ort");
  bool saw_feature = false;
  for (const auto& m : j["models"]) {
    EXPECT_TRUE(m.contains("id") && m.contains("task") && m.contains("status") && m.contains("warmup_ms"));
    if (m["id"] == "fr-feature-ort") {
      saw_feature = true;
      EXPECT_EQ(m["status"], "ready");
      // scripts/models.sha256: fr_feature_ort.onnx (fr_feature.onnx after scripts/convert_prelu.py --free-batch)
      EXPECT_EQ(m["sha256"], "9ffa1ff14c445e52b1e60dac95e32d50dbde6e59604983576ee54d64bdbca6b2");
      EXPECT_GT(m["warmup_ms"]["p50"].get<double>(), 0.0);
      EXPECT_EQ(m["dim"], 512);
      EXPECT_NEAR(m["threshold"].get<double>(), kFrFeatureThreshold, 1e-6);
      EXPECT_TRUE(m["active"].get<bool>());
    }
  }
  EXPECT_TRUE(saw_feature);
}

TEST(vision_registry, SwitchActiveModelAtRunTime) {
  REQUIRE_MODELS();
  argus::vision::RegistryOptions ro;
  ro.warmup_runs = 1;
  ro.opencv_variants = false;
  auto reg = ModelRegistry::create(argus_test::test_vision_config(), ro);
  ASSERT_TRUE(reg.ok()) << reg.error().message;
  FaceAnalyzer an(*reg, argus_test::test_vision_config());
  cv::Mat img = cv::imread(argus_test::sample(4));

  EXPECT_EQ((*reg)->set_active("detector", "nope").error().code, "NOT_FOUND");
  EXPECT_EQ((*reg)->set_active("recognizer", "blazeface-ort").error().code, "VALIDATION_ERROR");
  EXPECT_FALSE((*reg)->set_active("detector", "ultraface-opencv").ok());  // not loaded here

  // Switch while another thread analyzes: every call completes with one consistent model.
  std::atomic<bool> stop{false};
  std::atomic<int> calls{0};
  std::thread worker([&] {
    AnalyzeOptions o;
    o.detect_only = true;
    while (!stop) {
      AnalyzeTrace tr;
      auto faces = an.analyze(img, o, &tr);
      EXPECT_GE(faces.size(), 3u);
      ++calls;
    }
  });
  ASSERT_TRUE((*reg)->set_active("detector", "blazeface-ort").ok());
  AnalyzeTrace tr;
  AnalyzeOptions o;
  o.detect_only = true;
  an.analyze(img, o, &tr);
  EXPECT_EQ(tr.models["detector"], "blazeface-ort");
  ASSERT_TRUE((*reg)->set_active("recognizer", "faceapi-resnet128-ort").ok());
  auto faces = an.analyze(img);
  ASSERT_FALSE(faces.empty());
  EXPECT_EQ(faces[0].embedder_id, "faceapi-resnet128");
  EXPECT_EQ(faces[0].embedding.size(), 128u);
  EXPECT_NEAR(an.threshold(faces[0].embedder_id), kFaceApiThreshold, 1e-6);
  while (calls < 2) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  worker.join();
  EXPECT_EQ((*reg)->to_json()["active"]["detector"], "blazeface-ort");
}

TEST(vision_registry, FallbackChainSkipsMissingModels) {
  REQUIRE_MODELS();
  argus_test::TempDir dir;
  // Only the landmarker and recogniser: the detector chain must fall back to dlib HOG.
  for (const char* f : {"fr_landmark.onnx", "fr_feature.onnx"})
    std::filesystem::copy_file(argus_test::models_dir() + "/" + f, dir.path() + "/" + f);
  auto cfg = argus_test::test_vision_config();
  cfg.models_dir = dir.path();
  argus::vision::RegistryOptions ro;
  ro.warmup_runs = 0;
  auto reg = ModelRegistry::create(cfg, ro);
  ASSERT_TRUE(reg.ok()) << reg.error().message;
  EXPECT_EQ((*reg)->active("detector"), "dlib-hog");
  Json j = (*reg)->to_json();
  for (const auto& m : j["models"])
    if (m["id"] == "ultraface-ort") {
      EXPECT_EQ(m["status"], "missing");
    }
}

TEST(vision_registry, FailsWithoutAnyRecogniser) {
  argus_test::TempDir dir;
  auto cfg = argus_test::test_vision_config();
  cfg.models_dir = dir.path();
  argus::vision::RegistryOptions ro;
  ro.warmup_runs = 0;
  auto reg = ModelRegistry::create(cfg, ro);
  ASSERT_FALSE(reg.ok());
  EXPECT_NE(reg.error().message.find("fetch-models"), std::string::npos);
}

// With a GPU asked for, only models verified under ORT's CUDA provider may go there; the rest
// (UltraFace crashes it) stay on the CPU and say why. On a machine without the provider or a
// GPU every model runs on the CPU either way.
TEST(vision_registry, ModelsNotVerifiedOnTheGpuStayOnTheCpuAndSayWhy) {
  REQUIRE_MODELS();
  argus::vision::RegistryOptions ro;
  ro.warmup_runs = 1;
  ro.opencv_variants = false;
  auto cfg = argus_test::test_vision_config();
  cfg.device = "cuda:0";
  auto reg = ModelRegistry::create(cfg, ro);
  ASSERT_TRUE(reg.ok()) << reg.error().message;
  Json j = (*reg)->to_json();
  bool saw_detector = false, saw_recognizer = false;
  for (const auto& m : j["models"]) {
    if (m["id"] == "ultraface-ort") {
      saw_detector = true;
      EXPECT_EQ(m["device"], "cpu");
      EXPECT_NE(m.value("device_note", ""), "");
    }
    if (m["id"] == "fr-feature-ort") {
      saw_recognizer = true;
      EXPECT_FALSE(m.contains("device_note"));
      if (!argus::vision::cuda_provider_installed()) {
        EXPECT_EQ(m["device"], "cpu");
      }
    }
  }
  EXPECT_TRUE(saw_detector && saw_recognizer);
}
