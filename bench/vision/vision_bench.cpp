// Per-stage latency of the vision core on one thread (intra_op_threads = 1), CPU time per call.
// Frames: face-api's sample4.jpg (4 faces) resized to 640x360 and 1920x1080.
// Run: build/bench/vision/argus_bench_vision [--benchmark_filter=...]
#include <benchmark/benchmark.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdio>
#include <memory>

#include "vision/alignment.h"
#include "vision/embedder.h"
#include "vision/inference.h"
#include "vision/face_analyzer.h"

using namespace argus;
using namespace argus::vision;

namespace {

struct Fixture {
  std::shared_ptr<FaceAnalyzer> an;
  cv::Mat f360, f1080;
  Face face;  // a detected face of f1080 with landmarks
};

Fixture& fx() {
  static Fixture f = [] {
    Fixture x;
    VisionConfig c;
    c.models_dir = std::string(ARGUS_SOURCE_DIR) + "/models";
    c.device = "cpu";
    c.intra_op_threads = 1;
    c.frame_threads = 0;  // CPU time per call is the calling thread's: keep all work on it
    RegistryOptions ro;
    ro.warmup_runs = 3;
    auto an = FaceAnalyzer::create(c, ro);
    if (!an) {
      std::fprintf(stderr, "vision bench: %s\n", an.error().message.c_str());
      std::exit(1);
    }
    x.an = *an;
    cv::Mat img = cv::imread(c.models_dir + "/samples/sample4.jpg");
    cv::resize(img, x.f360, cv::Size(640, 360));
    cv::resize(img, x.f1080, cv::Size(1920, 1080));
    auto faces = x.an->analyze(x.f1080);
    if (faces.empty()) std::exit(1);
    x.face = faces[0];
    return x;
  }();
  return f;
}

void Detect(benchmark::State& st, const char* id, bool full_hd, bool tiling) {
  auto m = fx().an->registry().get(id);
  if (!m) { st.SkipWithError("detector not loaded"); return; }
  const cv::Mat& img = full_hd ? fx().f1080 : fx().f360;
  DetectOptions o{0.6f, 24, tiling};
  size_t n = 0;
  for (auto _ : st) {
    auto d = m->detector->detect(img, o);
    n = d ? d->size() : 0;
    benchmark::DoNotOptimize(n);
  }
  st.counters["faces"] = double(n);
  st.counters["passes"] = m->detector->passes_for(img.size(), o);
}

void Landmarks(benchmark::State& st) {
  auto m = fx().an->registry().get("fr-landmark-ort");
  for (auto _ : st) benchmark::DoNotOptimize(m->landmarker->landmarks68(fx().f1080, fx().face.box));
}

void Align(benchmark::State& st) {
  for (auto _ : st) benchmark::DoNotOptimize(align_arcface(fx().f1080, fx().face.landmarks5));
}

void Embed(benchmark::State& st, const char* id, bool flip) {
  auto m = fx().an->registry().get(id);
  if (!m) { st.SkipWithError("recogniser not loaded"); return; }
  for (auto _ : st) benchmark::DoNotOptimize(m->embedder->embed(fx().f1080, fx().face.landmarks5, flip));
}

// The same recogniser from a given file through ORT on one thread: the npm model against the
// copy whose PRelu scripts/convert_prelu.py rewrote (the baseline of docs/benchmarks.md "Vision").
void EmbedFile(benchmark::State& st, const char* file) {
  BackendOptions o;
  o.device = "cpu";
  o.intra_op_threads = 1;
  auto be = make_ort_backend(std::string(ARGUS_SOURCE_DIR) + "/models/" + file, "input", {"output"}, o);
  if (!be) { st.SkipWithError(be.error().message.c_str()); return; }
  auto emb = make_fr_feature_embedder(*be);
  for (int i = 0; i < 3; ++i) (void)emb->embed(fx().f1080, fx().face.landmarks5, false);
  for (auto _ : st) benchmark::DoNotOptimize(emb->embed(fx().f1080, fx().face.landmarks5, false));
}

void Attribute(benchmark::State& st, bool pose) {
  auto& reg = fx().an->registry();
  auto m = reg.get(pose ? "fr-pose-ort" : "fr-liveness-ort");
  for (auto _ : st) {
    if (pose) benchmark::DoNotOptimize(m->pose->estimate(fx().f1080, fx().face.box));
    else benchmark::DoNotOptimize(m->liveness->live_probability(fx().f1080, fx().face.box));
  }
}

void Analyze(benchmark::State& st, bool full_hd) {
  const cv::Mat& img = full_hd ? fx().f1080 : fx().f360;
  size_t n = 0;
  for (auto _ : st) {
    auto faces = fx().an->analyze(img);
    n = faces.size();
  }
  st.counters["faces"] = double(n);
}

// A 1080p frame whose faces all belong to settled tracks, the common case on a live camera:
// nothing is embedded. `filtered`: the live path (an embed_filter that declines every face, so
// one landmark pass per face); otherwise embed = false without a filter (two passes, as before
// the second pass was deferred to embedded faces). Their difference is the saving per frame.
void AnalyzeSettled(benchmark::State& st, bool filtered) {
  AnalyzeOptions o = fx().an->default_options();
  if (filtered) o.embed_filter = [](const std::vector<Face>& faces) { return std::vector<bool>(faces.size(), false); };
  else o.embed = false;
  size_t n = 0;
  for (auto _ : st) n = fx().an->analyze(fx().f1080, o).size();
  st.counters["faces"] = double(n);
}

// n faces in one call of fr_feature_ort.onnx (free batch dimension; forced here: on the CPU the
// server sends one face per call, BackendOptions::max_batch); read time per call / n.
void EmbedBatch(benchmark::State& st) {
  BackendOptions o;
  o.device = "cpu";
  o.intra_op_threads = 1;
  o.max_batch = 16;
  auto be = make_ort_backend(std::string(ARGUS_SOURCE_DIR) + "/models/fr_feature_ort.onnx", "input", {"output"}, o);
  if (!be) { st.SkipWithError(be.error().message.c_str()); return; }
  auto emb = make_fr_feature_embedder(*be);
  std::vector<std::vector<PointF>> l5s(size_t(st.range(0)), fx().face.landmarks5);
  (void)emb->embed_batch(fx().f1080, l5s, false);
  for (auto _ : st) benchmark::DoNotOptimize(emb->embed_batch(fx().f1080, l5s, false));
  st.counters["faces"] = double(l5s.size());
}

// Latency of one 1080p analysis when the tiles are shared with one helper thread
// (vision.frame_threads, the server's default on 2 cores): read the wall time.
void AnalyzeTileHelpers(benchmark::State& st) {
  VisionConfig c = fx().an->config();
  c.frame_threads = 1;
  RegistryOptions ro;
  ro.warmup_runs = 1;
  auto an = FaceAnalyzer::create(c, ro);
  if (!an) { st.SkipWithError(an.error().message.c_str()); return; }
  size_t n = 0;
  for (auto _ : st) n = (*an)->analyze(fx().f1080).size();
  st.counters["faces"] = double(n);
}

}  // namespace

BENCHMARK_CAPTURE(Detect, ultraface_ort_640x360, "ultraface-ort", false, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Detect, ultraface_ort_1080p_tiled, "ultraface-ort", true, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Detect, ultraface_ort_1080p_whole, "ultraface-ort", true, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Detect, ultraface_ms_ort_640x360, "ultraface-ms-ort", false, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Detect, ultraface_ms_ort_1080p, "ultraface-ms-ort", true, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Detect, ultraface_opencv_640x360, "ultraface-opencv", false, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Detect, blazeface_ort_640x360, "blazeface-ort", false, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Detect, blazeface_ort_1080p_tiled, "blazeface-ort", true, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Detect, dlib_hog_640x360, "dlib-hog", false, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Detect, dlib_hog_1080p, "dlib-hog", true, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Detect, haar_640x360, "haar", false, true)->Unit(benchmark::kMillisecond);
BENCHMARK(Landmarks)->Unit(benchmark::kMillisecond);
BENCHMARK(Align)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Embed, fr_feature_ort, "fr-feature-ort", false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Embed, fr_feature_ort_flip, "fr-feature-ort", true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(EmbedFile, fr_feature_npm_model, "fr_feature.onnx")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(EmbedFile, fr_feature_prelu_rewritten, "fr_feature_ort.onnx")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Embed, fr_feature_opencv, "fr-feature-opencv", false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Embed, faceapi_resnet128_ort, "faceapi-resnet128-ort", false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Embed, faceapi_resnet128_opencv, "faceapi-resnet128-opencv", false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Attribute, liveness, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Attribute, pose, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Analyze, full_640x360, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Analyze, full_1080p, true)->Unit(benchmark::kMillisecond);

BENCHMARK_CAPTURE(AnalyzeSettled, two_landmark_passes, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(AnalyzeSettled, live_filter_one_pass, true)->Unit(benchmark::kMillisecond);
BENCHMARK(EmbedBatch)->Arg(1)->Arg(4)->Arg(8)->Unit(benchmark::kMillisecond);
BENCHMARK(AnalyzeTileHelpers)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
