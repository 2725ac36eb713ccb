// Where ONNX Runtime runs a model: the CPU always, the GPU when the CUDA provider is installed
// and a GPU is present (then its outputs must match the CPU's). Needs only the ORT backend, so
// it also builds on its own for a GPU machine that lacks the rest of our dependencies:
//   g++ -std=c++20 -Isrc -DARGUS_SOURCE_DIR='"."' tests/vision/ort_device_test.cpp
//       src/vision/ort_backend.cpp -lgtest -lgtest_main -lspdlog -lfmt -lonnxruntime
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "vision/inference.h"

using argus::vision::BackendOptions;
using argus::vision::cuda_device_index;
using argus::vision::cuda_provider_installed;
using argus::vision::make_ort_backend;
using argus::vision::Tensor;

namespace {

std::string model(const char* file) { return std::string(ARGUS_SOURCE_DIR) + "/models/" + file; }

#define REQUIRE_MODEL(file)                                                                 \
  do {                                                                                      \
    if (!std::filesystem::exists(model(file))) GTEST_SKIP() << file << " not fetched (scripts/fetch-models.sh)"; \
  } while (0)

// A smooth, face-sized pattern in [-1, 1]: deterministic, and not degenerate for either model.
Tensor pattern(int channels, int h, int w) {
  Tensor t;
  t.shape = {1, channels, h, w};
  t.data.resize(static_cast<size_t>(channels) * h * w);
  for (int c = 0; c < channels; ++c)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        t.data[(static_cast<size_t>(c) * h + y) * w + x] =
            std::sin(0.11f * x + 0.7f * c) * std::cos(0.07f * y - 0.3f * c) + 0.2f * std::sin(0.013f * x * y);
  return t;
}

std::shared_ptr<argus::vision::InferenceBackend> open(const char* file, const char* output, const std::string& device) {
  BackendOptions o;
  o.device = device;
  o.intra_op_threads = 1;
  auto b = make_ort_backend(model(file), "input", {output}, o);
  if (!b) ADD_FAILURE() << b.error().message;
  return b ? *b : nullptr;
}

float cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size(); ++i) ab += a[i] * b[i], aa += a[i] * a[i], bb += b[i] * b[i];
  return static_cast<float>(ab / std::sqrt(aa * bb));
}

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  float m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

// Median wall time of one run() over `n` calls after `warm` untimed ones.
double median_ms(argus::vision::InferenceBackend& b, const Tensor& in, int n, int warm = 5) {
  for (int i = 0; i < warm; ++i) (void)b.run(in);
  std::vector<double> ms;
  for (int i = 0; i < n; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = b.run(in);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    EXPECT_TRUE(r.ok());
  }
  std::nth_element(ms.begin(), ms.begin() + n / 2, ms.end());
  return ms[n / 2];
}

bool gpu_present() { return std::filesystem::exists("/dev/nvidia0"); }

}  // namespace

TEST(OrtDevice, DeviceStringsNameAGpuIndexOrNothing) {
  EXPECT_EQ(cuda_device_index("auto"), 0);
  EXPECT_EQ(cuda_device_index("cuda"), 0);
  EXPECT_EQ(cuda_device_index("cuda:0"), 0);
  EXPECT_EQ(cuda_device_index("cuda:12"), 12);
  EXPECT_FALSE(cuda_device_index("cpu"));
  EXPECT_FALSE(cuda_device_index("cuda:"));
  EXPECT_FALSE(cuda_device_index("cuda:x"));
  EXPECT_FALSE(cuda_device_index("cuda:-1"));
  EXPECT_FALSE(cuda_device_index("cuda:99999"));
  EXPECT_FALSE(cuda_device_index("gpu"));
}

TEST(OrtDevice, AnUnknownDeviceIsRefused) {
  REQUIRE_MODEL("fr_feature.onnx");
  BackendOptions o;
  o.device = "gpu0";
  auto b = make_ort_backend(model("fr_feature.onnx"), "input", {"output"}, o);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, "VALIDATION_ERROR");
}

TEST(OrtDevice, CpuAskedRunsOnTheCpu) {
  REQUIRE_MODEL("fr_feature.onnx");
  auto b = open("fr_feature.onnx", "output", "cpu");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->device(), "cpu");
  auto out = b->run(pattern(3, 112, 112));
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out.value()[0].size(), 512u);
}

// auto means "the GPU if it works": with no provider installed, or no GPU, that is the CPU
// and the answer is the CPU's to the last bit; with both, it is the GPU.
TEST(OrtDevice, AutoUsesTheGpuOnlyWhereItCanAndAnswersTheSame) {
  REQUIRE_MODEL("fr_feature.onnx");
  auto cpu = open("fr_feature.onnx", "output", "cpu");
  auto aut = open("fr_feature.onnx", "output", "auto");
  ASSERT_TRUE(cpu && aut);
  const bool gpu_expected = cuda_provider_installed() && gpu_present();
  EXPECT_EQ(aut->device(), gpu_expected ? "cuda:0" : "cpu");
  auto in = pattern(3, 112, 112);
  auto a = cpu->run(in), b = aut->run(in);
  ASSERT_TRUE(a.ok() && b.ok());
  if (aut->device() == "cpu") {
    EXPECT_EQ(a.value()[0].data, b.value()[0].data);
  } else {
    EXPECT_GT(cosine(a.value()[0].data, b.value()[0].data), 0.9999f);
  }
}

// On a GPU machine with the provider installed (scripts/fetch-onnxruntime-cuda.sh): the
// recogniser and the detector run on the GPU and agree with the CPU. Prints the per-call
// latency of both for docs/benchmarks.md (measured, not asserted).
TEST(OrtDevice, CudaRunsTheModelsAndMatchesTheCpu) {
  if (!cuda_provider_installed()) GTEST_SKIP() << "CUDA provider not installed (scripts/fetch-onnxruntime-cuda.sh)";
  if (!gpu_present()) GTEST_SKIP() << "no NVIDIA GPU (/dev/nvidia0)";
  REQUIRE_MODEL("fr_feature.onnx");
  REQUIRE_MODEL("fr_landmark.onnx");
  struct Case {
    const char* file;
    const char* output;
    Tensor in;
  };
  // Not fr_detect.onnx: UltraFace crashes ORT 1.29's CUDA provider (SIGSEGV, every graph
  // optimisation level), so the registry keeps detectors on the CPU (docs/models.md "GPU").
  std::vector<Case> cases = {{"fr_feature.onnx", "output", pattern(3, 112, 112)},
                             {"fr_landmark.onnx", "output", pattern(1, 64, 64)}};
  for (auto& c : cases) {
    SCOPED_TRACE(c.file);
    auto cpu = open(c.file, c.output, "cpu");
    auto gpu = open(c.file, c.output, "cuda:0");
    ASSERT_TRUE(cpu && gpu);
    ASSERT_EQ(gpu->device(), "cuda:0");
    auto a = cpu->run(c.in), b = gpu->run(c.in);
    ASSERT_TRUE(a.ok()) << a.error().message;
    ASSERT_TRUE(b.ok()) << b.error().message;
    ASSERT_EQ(a.value()[0].shape, b.value()[0].shape);
    EXPECT_GT(cosine(a.value()[0].data, b.value()[0].data), 0.9999f);
    EXPECT_LT(max_abs_diff(a.value()[0].data, b.value()[0].data), 2e-2f);
    double cpu1 = median_ms(*cpu, c.in, 50);
    double gpu_ms = median_ms(*gpu, c.in, 200, 20);
    std::printf("[ timing ] %s: cpu 1 thread p50 %.3f ms, cuda:0 p50 %.3f ms (%.1fx), max|diff| %.2g\n", c.file,
                cpu1, gpu_ms, cpu1 / gpu_ms, max_abs_diff(a.value()[0].data, b.value()[0].data));
  }
}

TEST(OrtDevice, AnAbsentGpuIndexFallsBackToTheCpu) {
  REQUIRE_MODEL("fr_feature.onnx");
  // cuda:7 does not exist on any machine we test on: the model must still load and run.
  auto b = open("fr_feature.onnx", "output", "cuda:7");
  ASSERT_TRUE(b);
  if (!gpu_present() || !cuda_provider_installed()) {
    EXPECT_EQ(b->device(), "cpu");
  }
  auto out = b->run(pattern(3, 112, 112));
  EXPECT_TRUE(out.ok());
}
