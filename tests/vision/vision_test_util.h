#pragma once
// Helpers for the vision tests: where the models are, and one shared analyzer per test binary.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "test_util.h"
#include "vision/face_analyzer.h"

namespace argus_test {

inline std::string models_dir() { return std::string(ARGUS_SOURCE_DIR) + "/models"; }
inline bool models_present() {
  return std::filesystem::exists(models_dir() + "/fr_detect.onnx") &&
         std::filesystem::exists(models_dir() + "/fr_feature.onnx");
}
inline std::string sample(int i) { return models_dir() + "/samples/sample" + std::to_string(i) + ".jpg"; }

inline argus::vision::VisionConfig test_vision_config() {
  argus::vision::VisionConfig c;
  c.models_dir = models_dir();
  c.device = "cpu";
  return c;
}

// Loaded once per process (each ctest entry is its own process, so keep start-up short:
// OpenCV DNN twins only where a test asks for them).
inline std::shared_ptr<argus::vision::FaceAnalyzer> make_analyzer(bool opencv_variants) {
  argus::vision::RegistryOptions ro;
  ro.warmup_runs = 1;
  ro.opencv_variants = opencv_variants;
  auto r = argus::vision::FaceAnalyzer::create(test_vision_config(), ro);
  return r ? *r : nullptr;
}
inline std::shared_ptr<argus::vision::FaceAnalyzer> shared_analyzer() {
  static std::shared_ptr<argus::vision::FaceAnalyzer> an = make_analyzer(false);
  return an;
}

}  // namespace argus_test

#define REQUIRE_MODELS()                                                                        \
  do {                                                                                          \
    if (!argus_test::models_present()) GTEST_SKIP() << "models/ not fetched (scripts/fetch-models.sh)"; \
  } while (0)
