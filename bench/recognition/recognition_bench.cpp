// Recognition benchmarks. Gallery top-1 search over N x 512 embeddings, single thread:
// each exact kernel, HNSW, and faiss IndexFlatIP on the same vectors.
//   build-recognition/bench/recognition/argus_bench_recognition [--benchmark_filter=...]
// ARGUS_BENCH_MAX_N (default 1000000) caps the gallery size (1M x 512 floats = 2 GB, held
// twice while a gallery is loaded).
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdlib>
#include <atomic>
#include <chrono>
#include <map>
#include <thread>
#include <memory>
#include <random>
#include <string>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "recognition/gallery.h"
#include "recognition/image_decode.h"

#ifdef ARGUS_HAVE_FAISS
#include <faiss/IndexFlat.h>
#include <omp.h>
#endif

using namespace argus;

namespace {

constexpr size_t kDim = 512;
constexpr size_t kQueries = 64;

// Unit vectors from a cheap generator (1M x 512 normals from <random> would take longer
// than the benchmark); the distribution does not matter for an exhaustive scan.
struct Data {
  size_t n;
  std::vector<float> flat;     // n x kDim, unit rows
  std::vector<float> queries;  // kQueries x kDim: noisy copies of random rows
  explicit Data(size_t n_) : n(n_), flat(n_ * kDim), queries(kQueries * kDim) {
    uint64_t s = 0x9E3779B97F4A7C15ull ^ n_;
    auto next = [&s] {
      s ^= s << 13;
      s ^= s >> 7;
      s ^= s << 17;
      return float(int32_t(s >> 32)) * (1.0f / 2147483648.0f);
    };
    for (size_t i = 0; i < n_; ++i) {
      float* r = &flat[i * kDim];
      double ss = 0;
      for (size_t j = 0; j < kDim; ++j) {
        r[j] = next();
        ss += double(r[j]) * r[j];
      }
      const float inv = float(1 / std::sqrt(ss));
      for (size_t j = 0; j < kDim; ++j) r[j] *= inv;
    }
    for (size_t q = 0; q < kQueries; ++q) {
      const float* src = &flat[(s % n_) * kDim];
      next();
      for (size_t j = 0; j < kDim; ++j) queries[q * kDim + j] = src[j] + 0.05f * next();
    }
  }
  std::span<const float> query(size_t i) const { return {&queries[(i % kQueries) * kDim], kDim}; }
};

// Benchmarks are registered size by size; only the current size's data is kept alive.
std::shared_ptr<Data> data_for(size_t n) {
  static std::shared_ptr<Data> current;  // bench-only cache, single-threaded driver
  if (!current || current->n != n) {
    current.reset();
    current = std::make_shared<Data>(n);
  }
  return current;
}

std::unique_ptr<Gallery> make_gallery(const Data& d, GalleryOptions opt) {
  auto g = std::make_unique<Gallery>("bench", opt);
  std::vector<GalleryRecord> recs(d.n);
  for (size_t i = 0; i < d.n; ++i)
    recs[i] = {EmbeddingId(i), PersonId(i / 2), std::vector<float>(&d.flat[i * kDim], &d.flat[(i + 1) * kDim])};
  if (!g->load(std::move(recs))) std::abort();
  return g;
}

void BM_ExactTop1(benchmark::State& state, size_t n, SimdKernel k) {
  if (!simd_kernel_supported(k)) {
    state.SkipWithError("kernel not supported on this CPU");
    return;
  }
  auto d = data_for(n);
  GalleryOptions opt;
  opt.dim = kDim;
  opt.kernel = k;
  opt.hnsw_above = 0;  // exact only
  auto g = make_gallery(*d, opt);
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(g->search(d->query(i++), 1, SearchMode::Exact));
  state.counters["rows_per_s"] = benchmark::Counter(double(n) * state.iterations(), benchmark::Counter::kIsRate);
  state.counters["GB_per_s"] = benchmark::Counter(double(n) * kDim * 4 * state.iterations() / 1e9,
                                                  benchmark::Counter::kIsRate);
}

// Search latency while another thread enrols and deletes one embedding every 0.5 ms (far
// above a real enrolment rate): shows what the shared_mutex costs readers.
void BM_ExactTop1WithWriter(benchmark::State& state, size_t n) {
  auto d = data_for(n);
  GalleryOptions opt;
  opt.dim = kDim;
  opt.hnsw_above = 0;
  auto g = make_gallery(*d, opt);
  std::atomic<bool> stop{false};
  std::atomic<long> writes{0};
  std::thread writer([&] {
    std::vector<float> v(d->flat.begin(), d->flat.begin() + kDim);
    EmbeddingId id = EmbeddingId(n) + 1;
    while (!stop) {
      if (!g->add(id, PersonId(id), v)) std::abort();
      g->remove(id - 1 >= EmbeddingId(n) + 1 ? id - 1 : -1);
      ++id;
      ++writes;
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  });
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(g->search(d->query(i++), 1, SearchMode::Exact));
  stop = true;
  writer.join();
  state.counters["writes"] = double(writes.load());
}

void BM_Int8Top1(benchmark::State& state, size_t n) {
  if (!int8_search_supported()) {
    state.SkipWithError("no AVX-512 VNNI");
    return;
  }
  auto d = data_for(n);
  GalleryOptions opt;
  opt.dim = kDim;
  opt.hnsw_above = 0;
  opt.int8_index = true;
  auto g = make_gallery(*d, opt);
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(g->search(d->query(i++), 1, SearchMode::Int8));
}

void BM_HnswTop1(benchmark::State& state, size_t n) {
  auto d = data_for(n);
  GalleryOptions opt;
  opt.dim = kDim;
  opt.hnsw_above = 1;
  auto g = make_gallery(*d, opt);
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(g->search(d->query(i++), 1, SearchMode::Hnsw));
}

#ifdef ARGUS_HAVE_FAISS
void BM_FaissFlatIPTop1(benchmark::State& state, size_t n) {
  omp_set_num_threads(1);
  auto d = data_for(n);
  faiss::IndexFlatIP index(kDim);
  index.add(faiss::Index::idx_t(n), d->flat.data());
  float dist = 0;
  faiss::Index::idx_t label = -1;
  size_t i = 0;
  for (auto _ : state) {
    index.search(1, d->query(i++).data(), 1, &dist, &label);
    benchmark::DoNotOptimize(label);
  }
}
#endif

cv::Mat frame1080() {
  cv::Mat m(1080, 1920, CV_8UC3);
  cv::randu(m, 0, 255);
  cv::GaussianBlur(m, m, cv::Size(9, 9), 3);  // camera-like content compresses like one
  return m;
}

void BM_EncodeJpeg1080p(benchmark::State& state) {
  auto m = frame1080();
  size_t bytes = 0;
  for (auto _ : state) bytes = encode_jpeg(m, 80).size();
  state.counters["bytes"] = double(bytes);
}

void BM_EncodeJpegScaled1080pTo640(benchmark::State& state) {
  auto m = frame1080();
  size_t bytes = 0;
  for (auto _ : state) bytes = encode_jpeg_scaled(m, 640, 70).size();
  state.counters["bytes"] = double(bytes);
}

void BM_DecodeJpeg1080p(benchmark::State& state) {
  auto jpg = encode_jpeg(frame1080(), 80);
  for (auto _ : state) benchmark::DoNotOptimize(decode_image(jpg));
}

void BM_DecodeJpeg1080pTo640(benchmark::State& state) {
  auto jpg = encode_jpeg(frame1080(), 80);
  DecodeLimits l;
  l.downscale_to = 640;
  for (auto _ : state) benchmark::DoNotOptimize(decode_image(jpg, l));
}

}  // namespace

int main(int argc, char** argv) {
  size_t max_n = 1'000'000;
  if (const char* e = std::getenv("ARGUS_BENCH_MAX_N")) max_n = std::strtoull(e, nullptr, 10);
  benchmark::RegisterBenchmark("EncodeJpeg/1080p/q80", BM_EncodeJpeg1080p)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("EncodeJpegScaled/1080p_to_640/q70", BM_EncodeJpegScaled1080pTo640)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("DecodeJpeg/1080p", BM_DecodeJpeg1080p)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("DecodeJpeg/1080p_to_640", BM_DecodeJpeg1080pTo640)->Unit(benchmark::kMillisecond);
  // Fixed iteration counts: each benchmark function runs once, so the (slow) gallery set-up
  // outside the timed loop is paid once per case.
  const std::map<size_t, int> iters = {{10'000, 3000}, {100'000, 300}, {1'000'000, 40}};
  for (const auto& [n, it] : iters) {
    if (n > max_n) continue;
    const std::string sz = std::to_string(n / 1000) + "k";
    for (auto k : {SimdKernel::Scalar, SimdKernel::Avx2, SimdKernel::Avx512})
      benchmark::RegisterBenchmark(("GalleryExactTop1/" + sz + "/" + to_string(k)).c_str(), BM_ExactTop1, n, k)
          ->Iterations(it)
          ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("GalleryInt8RescoreTop1/" + sz).c_str(), BM_Int8Top1, n)
        ->Iterations(it)
        ->Unit(benchmark::kMillisecond);
#ifdef ARGUS_HAVE_FAISS
    benchmark::RegisterBenchmark(("FaissFlatIPTop1/" + sz).c_str(), BM_FaissFlatIPTop1, n)
        ->Iterations(it)
        ->Unit(benchmark::kMillisecond);
#endif
    if (n == 100'000)
      benchmark::RegisterBenchmark(("GalleryExactTop1WithWriter/" + sz).c_str(), BM_ExactTop1WithWriter, n)
          ->Iterations(it)
          ->Unit(benchmark::kMillisecond);
    if (n <= 100'000)  // HNSW build of 1M x 512 takes far too long on 2 cores
      benchmark::RegisterBenchmark(("GalleryHnswTop1/" + sz).c_str(), BM_HnswTop1, n)
          ->Iterations(it * 10)
          ->Unit(benchmark::kMillisecond);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
