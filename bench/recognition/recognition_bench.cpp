// Recognition benchmarks. Gallery top-1 search over N x 512 embeddings: the fp32 reference
// scan, the bounded int8 exact scan on 1 and 2 threads, and faiss IndexFlatIP on the same
// vectors in the same run (plus each fp32 kernel, HNSW, search under writes, JPEG).
//   build-recognition/bench/recognition/argus_bench_recognition --benchmark_filter='^Top1/'
// "Time" is wall-clock, "CPU" the whole process's CPU time (helper threads included). The
// 1M cases run in three interleaved rounds (the machine is shared: report the range).
// ARGUS_BENCH_RT=1 runs every thread of the bench SCHED_FIFO during the timed loops of the
// Top1 cases (needs root or CAP_SYS_NICE; counter rt=1 when it took effect): on a shared
// machine this measures what the cores deliver when they are ours, at the cost of
// starving other processes for the length of each loop.
// ARGUS_BENCH_MAX_N (default 1000000) caps the gallery size (1M x 512: 2 GB of floats held
// by the test data, 2.5 GB by the gallery and 2 GB by faiss).
#include <benchmark/benchmark.h>
#include <sched.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <shared_mutex>
#include <thread>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "core/writer_preferring_mutex.h"
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

std::string loadavg() {
  std::ifstream f("/proc/loadavg");
  std::string line;
  std::getline(f, line);
  return line;
}

double load1() { return std::strtod(loadavg().c_str(), nullptr); }

double thread_cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) * 1e3 + double(t.tv_nsec) / 1e6;
}

// ARGUS_BENCH_RT: every thread of the process (the gallery's pool included) SCHED_FIFO for
// the lifetime of this object.
class RealtimeScope {
 public:
  RealtimeScope() : wanted_(std::getenv("ARGUS_BENCH_RT") != nullptr) {
    if (wanted_) on_ = set_all(SCHED_FIFO, 1);
  }
  ~RealtimeScope() {
    if (wanted_) set_all(SCHED_OTHER, 0);  // also after a partial success
  }
  RealtimeScope(const RealtimeScope&) = delete;
  RealtimeScope& operator=(const RealtimeScope&) = delete;
  bool on() const { return on_; }

 private:
  static bool set_all(int policy, int priority) {
    bool ok = true;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/proc/self/task", ec)) {
      sched_param p{};
      p.sched_priority = priority;
      ok = sched_setscheduler(std::stoi(e.path().filename().string()), policy, &p) == 0 && ok;
    }
    return ok && !ec;
  }
  bool wanted_;
  bool on_ = false;
};

GalleryOptions bench_options() {
  GalleryOptions opt;
  opt.dim = kDim;
  opt.hnsw_above = 0;  // exact only
  return opt;
}

std::unique_ptr<Gallery> make_gallery(const Data& d, GalleryOptions opt) {
  auto g = std::make_unique<Gallery>("bench", opt);
  for (size_t i = 0; i < d.n; ++i)
    if (!g->add(EmbeddingId(i), PersonId(i / 2), {&d.flat[i * kDim], kDim})) std::abort();
  return g;
}

// Everything the Top1 cases of one size share, built on first use; benchmarks are
// registered size by size and only the current size is kept alive.
struct World {
  std::shared_ptr<Data> data;
  std::unique_ptr<Gallery> gallery;  // int8 index on, both threads allowed
#ifdef ARGUS_HAVE_FAISS
  std::unique_ptr<faiss::IndexFlatIP> faiss;
#endif
  std::string error;  // set when the int8 path disagreed with the fp32 reference

  Gallery& g() {
    if (!gallery) {
      GalleryOptions opt = bench_options();
      opt.int8_above = 0;
      opt.search_threads = 2;
      opt.parallel_above = 0;  // the 2-thread case uses the pool at every size
      gallery = make_gallery(*data, opt);
      // Same run, same answers: the int8 path (1 and 2 threads) against the fp32 reference.
      for (size_t t : {1, 2}) {
        gallery->set_search_threads(t);
        for (size_t i = 0; i < 8; ++i) {
          const auto a = gallery->search(data->query(i), 5, SearchMode::ExactFp32);
          const auto b = gallery->search(data->query(i), 5, SearchMode::Exact);
          for (size_t r = 0; r < a.size(); ++r)
            if (b.size() != a.size() || a[r].person_id != b[r].person_id || a[r].score != b[r].score)
              error = "int8 path differs from fp32 on query " + std::to_string(i);
        }
      }
    }
    return *gallery;
  }
#ifdef ARGUS_HAVE_FAISS
  faiss::IndexFlatIP& f() {
    if (!faiss) {
      faiss = std::make_unique<faiss::IndexFlatIP>(kDim);
      faiss->add(faiss::Index::idx_t(data->n), data->flat.data());
    }
    return *faiss;
  }
#endif
};

World& world_for(size_t n) {
  static std::unique_ptr<World> current;  // bench-only cache, single-threaded driver
  if (!current || current->data->n != n) {
    current.reset();
    current = std::make_unique<World>();
    current->data = std::make_shared<Data>(n);
  }
  return *current;
}

std::shared_ptr<Data> data_for(size_t n) { return world_for(n).data; }

enum class Top1Case { Fp32, Int8OneThread, Int8TwoThreads, Faiss };

const char* to_string(Top1Case c) {
  switch (c) {
    case Top1Case::Fp32: return "fp32_exact_1t";
    case Top1Case::Int8OneThread: return "int8_exact_1t";
    case Top1Case::Int8TwoThreads: return "int8_exact_2t";
    default: return "faiss_flatip_1t";
  }
}

// Top-1 person (exact cases: Gallery::search incl. the per-person aggregation; faiss: the
// best row). Counters: GB_per_s = bytes of the scanned copy (fp32 or int8) per wall second,
// rescored = rows re-scored in fp32 per query, caller_cpu_ms = CPU time per query of the
// calling thread alone (CPU minus it = the pool's helper), load1 = 1-minute load average at
// the end, rt = 1 when ARGUS_BENCH_RT took effect.
void BM_Top1(benchmark::State& state, size_t n, Top1Case c) {
  World& w = world_for(n);
  const Data& d = *w.data;
  size_t i = 0;
  double bytes_per_query = double(n) * kDim * 4;
  double caller_ms = 0;
  bool rt = false;
  if (c == Top1Case::Faiss) {
#ifdef ARGUS_HAVE_FAISS
    omp_set_num_threads(1);
    auto& index = w.f();
    float dist = 0;
    faiss::Index::idx_t label = -1;
    RealtimeScope scope;
    rt = scope.on();
    caller_ms = -thread_cpu_ms();
    for (auto _ : state) {
      index.search(1, d.query(i++).data(), 1, &dist, &label);
      benchmark::DoNotOptimize(label);
    }
    caller_ms += thread_cpu_ms();
#else
    state.SkipWithError("built without faiss");
    return;
#endif
  } else {
    Gallery& g = w.g();
    if (!w.error.empty()) {
      state.SkipWithError(w.error.c_str());
      return;
    }
    if (c != Top1Case::Fp32 && !g.int8_enabled()) {
      state.SkipWithError("no AVX-512 VNNI: no int8 index");
      return;
    }
    g.set_search_threads(c == Top1Case::Int8TwoThreads ? 2 : 1);
    const SearchMode mode = c == Top1Case::Fp32 ? SearchMode::ExactFp32 : SearchMode::Exact;
    if (mode == SearchMode::Exact) bytes_per_query = double(n) * kDim;
    const uint64_t rescored = g.rows_rescored();
    RealtimeScope scope;
    rt = scope.on();
    caller_ms = -thread_cpu_ms();
    for (auto _ : state) benchmark::DoNotOptimize(g.search(d.query(i++), 1, mode));
    caller_ms += thread_cpu_ms();
    state.counters["rescored"] = double(g.rows_rescored() - rescored) / double(state.iterations());
  }
  state.counters["GB_per_s"] =
      benchmark::Counter(bytes_per_query * double(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
  state.counters["caller_cpu_ms"] = caller_ms / double(state.iterations());
  state.counters["load1"] = load1();
  state.counters["rt"] = rt ? 1 : 0;
}

void BM_ExactTop1(benchmark::State& state, size_t n, SimdKernel k) {
  if (!simd_kernel_supported(k)) {
    state.SkipWithError("kernel not supported on this CPU");
    return;
  }
  auto d = data_for(n);
  GalleryOptions opt = bench_options();
  opt.kernel = k;
  opt.int8_index = false;
  auto g = make_gallery(*d, opt);
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(g->search(d->query(i++), 1, SearchMode::ExactFp32));
  state.counters["GB_per_s"] = benchmark::Counter(double(n) * kDim * 4 * state.iterations() / 1e9,
                                                  benchmark::Counter::kIsRate);
}

// Search latency (default exact path: int8, one thread) while another thread enrols and
// deletes one embedding every 0.5 ms (far above a real enrolment rate): shows what the
// shared_mutex costs readers.
void BM_ExactTop1WithWriter(benchmark::State& state, size_t n) {
  auto d = data_for(n);
  GalleryOptions opt = bench_options();
  opt.search_threads = 1;
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

void BM_HnswTop1(benchmark::State& state, size_t n) {
  auto d = data_for(n);
  GalleryOptions opt = bench_options();
  opt.hnsw_above = 1;
  opt.int8_index = false;
  auto g = make_gallery(*d, opt);
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(g->search(d->query(i++), 1, SearchMode::Hnsw));
}

// What every search pays for the gallery's lock: a shared lock and unlock, alone and with a
// second thread doing the same (the worst case: nothing but locking). Baseline: glibc's
// std::shared_mutex, which the gallery used before core/writer_preferring_mutex.h.
template <class Mutex>
void BM_SharedLock(benchmark::State& state) {
  static Mutex mu;
  for (auto _ : state) {
    mu.lock_shared();
    mu.unlock_shared();
  }
}

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
  for (auto _ : state) bytes = encode_jpeg_max_width(m, 640, 70).size();
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
  benchmark::RegisterBenchmark("SharedLock/std::shared_mutex", BM_SharedLock<std::shared_mutex>)->Threads(1)->Threads(2);
  benchmark::RegisterBenchmark("SharedLock/writer_preferring", BM_SharedLock<argus::WriterPreferringSharedMutex>)->Threads(1)->Threads(2);
  // Fixed iteration counts: each benchmark function runs once, so the (slow) gallery set-up
  // outside the timed loop is paid once per case (once per size for the Top1 cases).
  struct Size {
    int iters;
    int rounds;
  };
  const std::map<size_t, Size> sizes = {{10'000, {2000, 1}}, {100'000, {300, 1}}, {1'000'000, {30, 3}}};
  for (const auto& [n, sz] : sizes) {
    if (n > max_n) continue;
    const std::string tag = std::to_string(n / 1000) + "k";
    // The comparison, interleaved round by round so that load from other work on a
    // shared machine spreads over all cases alike.
    for (int r = 1; r <= sz.rounds; ++r)
      for (auto c : {Top1Case::Fp32, Top1Case::Int8OneThread, Top1Case::Int8TwoThreads, Top1Case::Faiss}) {
#ifndef ARGUS_HAVE_FAISS
        if (c == Top1Case::Faiss) continue;
#endif
        const int it = c == Top1Case::Faiss ? std::max(sz.iters / 3, 10) : sz.iters;
        benchmark::RegisterBenchmark(("Top1/" + tag + "/" + to_string(c) + "/round" + std::to_string(r)).c_str(),
                                     BM_Top1, n, c)
            ->Iterations(it)
            ->UseRealTime()
            ->MeasureProcessCPUTime()
            ->Unit(benchmark::kMillisecond);
      }
    if (n <= 100'000)  // at 1M each kernel needs its own 2 GB gallery; all are memory-bound there
      for (auto k : {SimdKernel::Scalar, SimdKernel::Avx2, SimdKernel::Avx512})
        benchmark::RegisterBenchmark(("GalleryExactTop1/" + tag + "/" + to_string(k)).c_str(), BM_ExactTop1, n, k)
            ->Iterations(sz.iters)
            ->Unit(benchmark::kMillisecond);
    if (n == 100'000)
      benchmark::RegisterBenchmark(("GalleryExactTop1WithWriter/" + tag).c_str(), BM_ExactTop1WithWriter, n)
          ->Iterations(sz.iters)
          ->Unit(benchmark::kMillisecond);
    if (n <= 100'000)  // HNSW build of 1M x 512 takes far too long on 2 cores
      benchmark::RegisterBenchmark(("GalleryHnswTop1/" + tag).c_str(), BM_HnswTop1, n)
          ->Iterations(sz.iters * 10)
          ->Unit(benchmark::kMillisecond);
  }
  benchmark::AddCustomContext("loadavg_before", loadavg());
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  std::printf("loadavg after: %s\n", loadavg().c_str());
  benchmark::Shutdown();
  return 0;
}
