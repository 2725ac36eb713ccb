#include "recognition/gallery.h"

#include <immintrin.h>
#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <functional>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <thread>

#if defined(__SANITIZE_ADDRESS__)
// hnswlib 0.6.2's prefetch hints read datal[j + 1], one entry past a link list (harmless in
// practice, fixed upstream). Compiling its SSE/prefetch code out keeps ASan builds clean.
#define NO_MANUAL_VECTORIZATION
#endif
#include <hnswlib/hnswlib.h>

namespace argus {

// ---------------------------------------------------------------------------------------
// Kernels. Each SIMD kernel carries its own target attribute, so the library is compiled
// for baseline x86-64 and still runs on CPUs without AVX2/AVX-512; dispatch happens once
// per Gallery (constructor) from __builtin_cpu_supports.
namespace {

void dot_rows_scalar(const float* q, const float* rows, size_t n, size_t dim, float* out) {
  for (size_t i = 0; i < n; ++i) {
    const float* r = rows + i * dim;
    // Four partial sums: shorter dependency chains and close to the SIMD kernels' rounding.
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t j = 0;
    for (; j + 4 <= dim; j += 4) {
      s0 += q[j] * r[j];
      s1 += q[j + 1] * r[j + 1];
      s2 += q[j + 2] * r[j + 2];
      s3 += q[j + 3] * r[j + 3];
    }
    for (; j < dim; ++j) s0 += q[j] * r[j];
    out[i] = (s0 + s1) + (s2 + s3);
  }
}

__attribute__((target("avx2,fma"))) inline float hsum256(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

__attribute__((target("avx2,fma"))) void dot_rows_avx2(const float* q, const float* rows, size_t n,
                                                       size_t dim, float* out) {
  const size_t dv = dim & ~size_t(7);
  size_t i = 0;
  // Four rows per pass: each query load feeds four FMAs, and four independent chains hide
  // the FMA latency. The scan is memory-bound beyond that.
  for (; i + 4 <= n; i += 4) {
    const float* r0 = rows + i * dim;
    const float* r1 = r0 + dim;
    const float* r2 = r1 + dim;
    const float* r3 = r2 + dim;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(),
           a3 = _mm256_setzero_ps();
    for (size_t j = 0; j < dv; j += 8) {
      const __m256 qv = _mm256_loadu_ps(q + j);
      a0 = _mm256_fmadd_ps(qv, _mm256_loadu_ps(r0 + j), a0);
      a1 = _mm256_fmadd_ps(qv, _mm256_loadu_ps(r1 + j), a1);
      a2 = _mm256_fmadd_ps(qv, _mm256_loadu_ps(r2 + j), a2);
      a3 = _mm256_fmadd_ps(qv, _mm256_loadu_ps(r3 + j), a3);
    }
    float s0 = hsum256(a0), s1 = hsum256(a1), s2 = hsum256(a2), s3 = hsum256(a3);
    for (size_t j = dv; j < dim; ++j) {
      s0 += q[j] * r0[j];
      s1 += q[j] * r1[j];
      s2 += q[j] * r2[j];
      s3 += q[j] * r3[j];
    }
    out[i] = s0;
    out[i + 1] = s1;
    out[i + 2] = s2;
    out[i + 3] = s3;
  }
  for (; i < n; ++i) {
    const float* r = rows + i * dim;
    __m256 a = _mm256_setzero_ps();
    for (size_t j = 0; j < dv; j += 8) a = _mm256_fmadd_ps(_mm256_loadu_ps(q + j), _mm256_loadu_ps(r + j), a);
    float s = hsum256(a);
    for (size_t j = dv; j < dim; ++j) s += q[j] * r[j];
    out[i] = s;
  }
}

// GCC 12 reports a false "may be used uninitialized" inside its own _mm512_maskz_loadu_ps
// (which starts from _mm512_undefined_ps); silence it for this kernel only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
__attribute__((target("avx512f"))) void dot_rows_avx512(const float* q, const float* rows, size_t n,
                                                       size_t dim, float* out) {
  const size_t dv = dim & ~size_t(15);
  // Masked loads handle a dimension that is not a multiple of 16 without a scalar tail.
  const __mmask16 tail = static_cast<__mmask16>((1u << (dim - dv)) - 1u);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const float* r0 = rows + i * dim;
    const float* r1 = r0 + dim;
    const float* r2 = r1 + dim;
    const float* r3 = r2 + dim;
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(),
           a3 = _mm512_setzero_ps();
    for (size_t j = 0; j < dv; j += 16) {
      const __m512 qv = _mm512_loadu_ps(q + j);
      a0 = _mm512_fmadd_ps(qv, _mm512_loadu_ps(r0 + j), a0);
      a1 = _mm512_fmadd_ps(qv, _mm512_loadu_ps(r1 + j), a1);
      a2 = _mm512_fmadd_ps(qv, _mm512_loadu_ps(r2 + j), a2);
      a3 = _mm512_fmadd_ps(qv, _mm512_loadu_ps(r3 + j), a3);
    }
    if (tail) {
      const __m512 qv = _mm512_maskz_loadu_ps(tail, q + dv);
      a0 = _mm512_fmadd_ps(qv, _mm512_maskz_loadu_ps(tail, r0 + dv), a0);
      a1 = _mm512_fmadd_ps(qv, _mm512_maskz_loadu_ps(tail, r1 + dv), a1);
      a2 = _mm512_fmadd_ps(qv, _mm512_maskz_loadu_ps(tail, r2 + dv), a2);
      a3 = _mm512_fmadd_ps(qv, _mm512_maskz_loadu_ps(tail, r3 + dv), a3);
    }
    out[i] = _mm512_reduce_add_ps(a0);
    out[i + 1] = _mm512_reduce_add_ps(a1);
    out[i + 2] = _mm512_reduce_add_ps(a2);
    out[i + 3] = _mm512_reduce_add_ps(a3);
  }
  for (; i < n; ++i) {
    const float* r = rows + i * dim;
    __m512 a = _mm512_setzero_ps();
    for (size_t j = 0; j < dv; j += 16) a = _mm512_fmadd_ps(_mm512_loadu_ps(q + j), _mm512_loadu_ps(r + j), a);
    if (tail) a = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, q + dv), _mm512_maskz_loadu_ps(tail, r + dv), a);
    out[i] = _mm512_reduce_add_ps(a);
  }
}
#pragma GCC diagnostic pop

// u8 x s8 dot products. VNNI's vpdpbusd multiplies 64 byte pairs and accumulates into 16
// int32 lanes in one instruction, so the int8 scan stays memory-bound at a quarter of the
// fp32 bytes.
void dot_rows_u8s8_scalar(const uint8_t* q, const int8_t* rows, size_t n, size_t dim, int32_t* out) {
  for (size_t i = 0; i < n; ++i) {
    const int8_t* r = rows + i * dim;
    int32_t s = 0;
    for (size_t j = 0; j < dim; ++j) s += int32_t(q[j]) * r[j];
    out[i] = s;
  }
}

// Sums of four int32 vectors' lanes: {sum a0, sum a1, sum a2, sum a3}, in 10 instructions
// instead of four _mm512_reduce_add_epi32.
__attribute__((target("avx512f"))) inline __m128i reduce_add4_epi32(__m512i a0, __m512i a1, __m512i a2,
                                                                   __m512i a3) {
  const __m512i x01 = _mm512_add_epi32(_mm512_unpacklo_epi32(a0, a1), _mm512_unpackhi_epi32(a0, a1));
  const __m512i x23 = _mm512_add_epi32(_mm512_unpacklo_epi32(a2, a3), _mm512_unpackhi_epi32(a2, a3));
  const __m512i y = _mm512_add_epi32(_mm512_unpacklo_epi64(x01, x23), _mm512_unpackhi_epi64(x01, x23));
  const __m256i z = _mm256_add_epi32(_mm512_castsi512_si256(y), _mm512_extracti64x4_epi64(y, 1));
  return _mm_add_epi32(_mm256_castsi256_si128(z), _mm256_extracti128_si256(z, 1));
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // same GCC 12 false positive as above
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void dot_rows_u8s8_vnni(
    const uint8_t* q, const int8_t* rows, size_t n, size_t dim, int32_t* out) {
  const size_t dv = dim & ~size_t(63);
  const size_t rest = dim - dv;
  const __mmask64 tail = rest ? (~0ull >> (64 - rest)) : 0;
  // Prefetch hint 16 rows ahead (a hint: it may point past the end, so it is computed as an
  // integer). Without it this loop ran at ~2/3 of the machine's streaming read speed; the
  // hardware prefetcher alone does not keep up with four interleaved rows.
  const uintptr_t ahead = 16 * dim;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const int8_t* r0 = rows + i * dim;
    const int8_t* r1 = r0 + dim;
    const int8_t* r2 = r1 + dim;
    const int8_t* r3 = r2 + dim;
    const uintptr_t pf = reinterpret_cast<uintptr_t>(r0) + ahead;
    __m512i a0 = _mm512_setzero_si512(), a1 = _mm512_setzero_si512(), a2 = _mm512_setzero_si512(),
            a3 = _mm512_setzero_si512();
    for (size_t j = 0; j < dv; j += 64) {
      _mm_prefetch(reinterpret_cast<const char*>(pf + 4 * j), _MM_HINT_T0);
      const __m512i qv = _mm512_loadu_si512(q + j);
      a0 = _mm512_dpbusd_epi32(a0, qv, _mm512_loadu_si512(r0 + j));
      a1 = _mm512_dpbusd_epi32(a1, qv, _mm512_loadu_si512(r1 + j));
      a2 = _mm512_dpbusd_epi32(a2, qv, _mm512_loadu_si512(r2 + j));
      a3 = _mm512_dpbusd_epi32(a3, qv, _mm512_loadu_si512(r3 + j));
    }
    if (tail) {
      const __m512i qv = _mm512_maskz_loadu_epi8(tail, q + dv);
      a0 = _mm512_dpbusd_epi32(a0, qv, _mm512_maskz_loadu_epi8(tail, r0 + dv));
      a1 = _mm512_dpbusd_epi32(a1, qv, _mm512_maskz_loadu_epi8(tail, r1 + dv));
      a2 = _mm512_dpbusd_epi32(a2, qv, _mm512_maskz_loadu_epi8(tail, r2 + dv));
      a3 = _mm512_dpbusd_epi32(a3, qv, _mm512_maskz_loadu_epi8(tail, r3 + dv));
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), reduce_add4_epi32(a0, a1, a2, a3));
  }
  if (i < n) dot_rows_u8s8_scalar(q, rows + i * dim, n - i, dim, out + i);
}
#pragma GCC diagnostic pop

// Rows scored per kernel call: the scores stay in L1 while the top-k pass reads them.
constexpr size_t kBlock = 256;
// Rows per unit of work that the threads of one int8 scan take turns at (a divisor of
// kChunkRows, so a unit never straddles two chunks): 512 kB of int8 rows at 512-d.
constexpr size_t kUnitRows = 1024;

// Bounds of a block of int8 scores (derivation above Gallery::quantise_row_locked):
//   a = (dots - 128 * qsum) * qs * scale,  E = rx * ca + nx * cb,  hi = a + E,  lo = a - E.
// Sets bit j of `pass` when hi[j] >= th (rows that may still matter).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // same GCC 12 false positive as above
__attribute__((target("avx512f"))) void int8_bounds_avx512(const int32_t* dots, const int32_t* qsum,
                                                          const float* scale, const float* rx,
                                                          const float* nx, size_t m, float qs, float ca,
                                                          float cb, float th, float* hi, float* lo,
                                                          uint64_t* pass) {
  const __m512 vqs = _mm512_set1_ps(qs), vca = _mm512_set1_ps(ca), vcb = _mm512_set1_ps(cb),
               vth = _mm512_set1_ps(th);
  for (size_t w = 0; w < (m + 63) / 64; ++w) pass[w] = 0;
  for (size_t j = 0; j < m; j += 16) {
    const __mmask16 lm = m - j >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (m - j)) - 1u);
    const __m512i d = _mm512_sub_epi32(_mm512_maskz_loadu_epi32(lm, dots + j),
                                       _mm512_slli_epi32(_mm512_maskz_loadu_epi32(lm, qsum + j), 7));
    const __m512 a = _mm512_mul_ps(_mm512_cvtepi32_ps(d), _mm512_mul_ps(vqs, _mm512_maskz_loadu_ps(lm, scale + j)));
    const __m512 e = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(lm, rx + j), vca,
                                     _mm512_mul_ps(_mm512_maskz_loadu_ps(lm, nx + j), vcb));
    const __m512 h = _mm512_add_ps(a, e);
    _mm512_mask_storeu_ps(hi + j, lm, h);
    _mm512_mask_storeu_ps(lo + j, lm, _mm512_sub_ps(a, e));
    const __mmask16 ok = _mm512_mask_cmp_ps_mask(lm, h, vth, _CMP_GE_OQ);
    pass[j / 64] |= uint64_t(ok) << (j % 64);
  }
}
#pragma GCC diagnostic pop

// Canonical order of results (see gallery.h): every exact path and thread split agrees.
bool person_before(const PersonHit& a, const PersonHit& b) {
  return a.score != b.score ? a.score > b.score : a.person_id < b.person_id;
}
bool embedding_before(const EmbeddingHit& a, const EmbeddingHit& b) {
  return a.score != b.score ? a.score > b.score : a.embedding_id < b.embedding_id;
}

// Best-k distinct persons seen so far, in the canonical order. Only a row scoring at least
// the current k-th best can change the answer (at exactly it through the tie rules), which
// after the first few thousand rows is rare, so the per-row cost is one compare.
class PersonTopK {
 public:
  using Hit = PersonHit;
  explicit PersonTopK(size_t k) : k_(k) { items_.reserve(std::min<size_t>(k, 1024)); }
  float threshold() const { return items_.size() < k_ ? -std::numeric_limits<float>::infinity() : min_; }
  void offer(PersonId p, float s, EmbeddingId id) {
    if (k_ == 0) return;
    for (auto& it : items_) {
      if (it.person_id == p) {
        if (s > it.score || (s == it.score && id < it.embedding_id)) {
          it.score = s;
          it.embedding_id = id;
          refresh();
        }
        return;
      }
    }
    const PersonHit h{p, s, id};
    if (items_.size() < k_) {
      items_.push_back(h);
    } else {
      if (!person_before(h, items_[worst_])) return;  // not better than the current k-th
      items_[worst_] = h;
    }
    refresh();
  }
  const std::vector<PersonHit>& items() const { return items_; }
  std::vector<PersonHit> take() {
    std::sort(items_.begin(), items_.end(), person_before);
    return std::move(items_);
  }

 private:
  void refresh() {
    if (items_.size() < k_) return;
    worst_ = 0;
    for (size_t i = 1; i < items_.size(); ++i)
      if (person_before(items_[worst_], items_[i])) worst_ = i;
    min_ = items_[worst_].score;
  }
  size_t k_;
  size_t worst_ = 0;
  float min_ = -std::numeric_limits<float>::infinity();
  std::vector<PersonHit> items_;
};

// Best-k embeddings (rows), canonical order: a heap whose front is the k-th best.
class EmbeddingTopK {
 public:
  using Hit = EmbeddingHit;
  explicit EmbeddingTopK(size_t k) : k_(k) { heap_.reserve(std::min<size_t>(k, 1024) + 1); }
  float threshold() const {
    return heap_.size() < k_ ? -std::numeric_limits<float>::infinity() : heap_.front().score;
  }
  void offer(PersonId p, float s, EmbeddingId id) {
    if (k_ == 0) return;
    const EmbeddingHit h{id, p, s};
    if (heap_.size() == k_) {
      if (!embedding_before(h, heap_.front())) return;
      std::pop_heap(heap_.begin(), heap_.end(), embedding_before);
      heap_.pop_back();
    }
    heap_.push_back(h);
    std::push_heap(heap_.begin(), heap_.end(), embedding_before);
  }
  const std::vector<EmbeddingHit>& items() const { return heap_; }
  std::vector<EmbeddingHit> take() {
    std::sort(heap_.begin(), heap_.end(), embedding_before);
    return std::move(heap_);
  }

 private:
  size_t k_;
  std::vector<EmbeddingHit> heap_;
};

// Smallest float >= v (the stored norms must not round down).
float round_up(double v) {
  v *= 1 + 1e-12;  // the double sums behind v are off by far less than this
  float f = static_cast<float>(v);
  if (double(f) < v) f = std::nextafter(f, std::numeric_limits<float>::infinity());
  return f;
}

// v8_j = round(v_j / s) with s = max|v| / 127 (so |v8_j| <= 127), written to out; also the
// sum of the v8_j and, rounded up, |v - s v8| and |v| (see Gallery::quantise_row_locked).
struct Quantised {
  float scale = 0;
  int32_t sum = 0;
  float res = 0;
  float norm = 0;
};

Quantised quantise(const float* v, size_t dim, int8_t* out) {
  float maxabs = 0;
  for (size_t j = 0; j < dim; ++j) maxabs = std::max(maxabs, std::abs(v[j]));
  const float inv = maxabs > 0 ? 127.0f / maxabs : 0.0f;
  Quantised qz;
  qz.scale = maxabs / 127.0f;
  double res2 = 0, norm2 = 0;
  for (size_t j = 0; j < dim; ++j) {
    const long x = std::clamp(std::lrintf(v[j] * inv), -127L, 127L);
    out[j] = static_cast<int8_t>(x);
    qz.sum += int32_t(x);
    const double d = double(v[j]) - double(qz.scale) * double(x);  // the residual, as used
    res2 += d * d;
    norm2 += double(v[j]) * v[j];
  }
  qz.res = round_up(std::sqrt(res2));
  qz.norm = round_up(std::sqrt(norm2));
  return qz;
}

// The int8 form of a query, and the error bound's coefficients for its rows.
struct Int8Query {
  std::vector<uint8_t> qu;  // int8 value + 128 (vpdpbusd multiplies unsigned x signed)
  float scale = 0;          // s_q
  float ca = 0, cb = 0;     // per-row bound: E = |r_x| * ca + |x| * cb
};

Int8Query quantise_query(const float* q, size_t dim) {
  Int8Query out;
  std::vector<int8_t> q8(dim);
  const Quantised qz = quantise(q, dim, q8.data());
  out.qu.resize(dim);
  for (size_t j = 0; j < dim; ++j) out.qu[j] = static_cast<uint8_t>(q8[j] + 128);
  out.scale = qz.scale;
  const double rq = qz.res, nq = qz.norm;
  const double c = double(dim + 8) * std::ldexp(1.0, -23);
  out.ca = round_up((nq + rq) * (1 + c));
  out.cb = round_up(rq + c * (nq + rq));
  return out;
}

}  // namespace

const char* to_string(SimdKernel k) {
  switch (k) {
    case SimdKernel::Scalar: return "scalar";
    case SimdKernel::Avx2: return "avx2";
    case SimdKernel::Avx512: return "avx512";
    default: return "auto";
  }
}

bool simd_kernel_supported(SimdKernel k) {
  switch (k) {
    case SimdKernel::Auto:
    case SimdKernel::Scalar: return true;
    case SimdKernel::Avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case SimdKernel::Avx512: return __builtin_cpu_supports("avx512f");
  }
  return false;
}

SimdKernel best_simd_kernel() {
  if (simd_kernel_supported(SimdKernel::Avx512)) return SimdKernel::Avx512;
  if (simd_kernel_supported(SimdKernel::Avx2)) return SimdKernel::Avx2;
  return SimdKernel::Scalar;
}

void dot_rows(SimdKernel k, const float* q, const float* rows, size_t n, size_t dim, float* out) {
  if (k == SimdKernel::Auto) k = best_simd_kernel();
  switch (k) {
    case SimdKernel::Avx512: dot_rows_avx512(q, rows, n, dim, out); break;
    case SimdKernel::Avx2: dot_rows_avx2(q, rows, n, dim, out); break;
    default: dot_rows_scalar(q, rows, n, dim, out); break;
  }
}

bool int8_search_supported() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vnni");
}

void dot_rows_u8s8(bool vnni, const uint8_t* q, const int8_t* rows, size_t n, size_t dim, int32_t* out) {
  if (vnni)
    dot_rows_u8s8_vnni(q, rows, n, dim, out);
  else
    dot_rows_u8s8_scalar(q, rows, n, dim, out);
}

// ---------------------------------------------------------------------------------------
struct Gallery::Hnsw {
  hnswlib::InnerProductSpace space;
  hnswlib::HierarchicalNSW<float> index;
  Hnsw(size_t dim, size_t capacity, size_t m, size_t efc)
      : space(dim), index(&space, std::max<size_t>(capacity, 1024), m, efc) {}
};

// Helper threads for the int8 scan, started once per gallery (on the first parallel search)
// and joined by the destructor. One job at a time: run() posts `fn`, which up to `helpers`
// idle threads join (slots 1..helpers) while the caller runs it too (slot 0). The job must
// share its work dynamically (an atomic cursor), because a helper may join late or not at
// all; while another search holds the helpers, a caller simply runs the job alone.
class Gallery::Pool {
 public:
  explicit Pool(size_t helpers) {
    threads_.reserve(helpers);
    for (size_t i = 0; i < helpers; ++i) threads_.emplace_back([this] { loop(); });
  }
  ~Pool() {
    {
      std::lock_guard l(mu_);
      stop_ = true;
    }
    work_cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  void run(size_t helpers, const std::function<void(size_t)>& fn) {
    helpers = std::min(helpers, threads_.size());
    std::unique_lock l(mu_);
    if (helpers == 0 || job_) {
      l.unlock();
      fn(0);
      return;
    }
    job_ = &fn;
    open_ = helpers;
    next_slot_ = 1;
    ++generation_;
    error_ = nullptr;
    l.unlock();
    work_cv_.notify_all();
    std::exception_ptr mine;
    try {
      fn(0);
    } catch (...) {
      mine = std::current_exception();
    }
    l.lock();
    open_ = 0;  // the work is done: latecomers stay out
    done_cv_.wait(l, [this] { return running_ == 0; });
    job_ = nullptr;
    const std::exception_ptr theirs = error_;
    l.unlock();
    if (mine) std::rethrow_exception(mine);
    if (theirs) std::rethrow_exception(theirs);
  }

 private:
  void loop() {
    uint64_t seen = 0;
    std::unique_lock l(mu_);
    for (;;) {
      work_cv_.wait(l, [&] { return stop_ || (open_ > 0 && generation_ != seen); });
      if (stop_) return;
      seen = generation_;
      --open_;
      const size_t slot = next_slot_++;
      ++running_;
      const auto* fn = job_;
      l.unlock();
      try {
        (*fn)(slot);
      } catch (...) {
        std::lock_guard g(mu_);
        if (!error_) error_ = std::current_exception();
      }
      l.lock();
      if (--running_ == 0) done_cv_.notify_all();
    }
  }
  std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  const std::function<void(size_t)>* job_ = nullptr;
  uint64_t generation_ = 0;
  size_t open_ = 0;  // helpers that may still join the current job
  size_t next_slot_ = 1;
  size_t running_ = 0;  // helpers inside the current job
  bool stop_ = false;
  std::exception_ptr error_;
  std::vector<std::thread> threads_;
};

Gallery::Gallery(std::string embedder_id, GalleryOptions options)
    : embedder_id_(std::move(embedder_id)), opt_(options) {
  if (opt_.dim == 0) throw std::invalid_argument("Gallery: dim must be > 0");
  kernel_ = opt_.kernel;
  if (kernel_ == SimdKernel::Auto || !simd_kernel_supported(kernel_)) kernel_ = best_simd_kernel();
  int8_ = opt_.int8_index && int8_search_supported();
  max_threads_ = opt_.search_threads;
  if (max_threads_ == 0) max_threads_ = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8);
  search_threads_ = max_threads_;
}

Gallery::~Gallery() = default;

void Gallery::ChunkFree::operator()(void* p) const noexcept { std::free(p); }

template <class T>
Gallery::Chunk<T> Gallery::alloc_chunk(size_t count) {
  constexpr size_t kHuge = size_t(2) << 20;
  size_t bytes = count * sizeof(T);
  const bool huge = bytes >= kHuge;
  if (huge) bytes = (bytes + kHuge - 1) / kHuge * kHuge;
  void* p = std::aligned_alloc(huge ? kHuge : 64, (bytes + 63) / 64 * 64);
  if (!p) throw std::bad_alloc();
  if (huge) (void)madvise(p, bytes, MADV_HUGEPAGE);  // a hint; 4 kB pages when refused
  return Chunk<T>(static_cast<T*>(p));
}

void Gallery::set_search_threads(size_t n) {
  search_threads_ = n == 0 ? max_threads_ : std::min(n, max_threads_);
}

Gallery::Pool& Gallery::pool() const {
  std::call_once(pool_once_, [this] { pool_ = std::make_unique<Pool>(max_threads_ - 1); });
  return *pool_;
}

size_t Gallery::size() const {
  std::shared_lock lock(mu_);
  return ids_.size();
}

bool Gallery::using_hnsw() const {
  std::shared_lock lock(mu_);
  return hnsw_active_locked(SearchMode::Auto);
}

bool Gallery::hnsw_active_locked(SearchMode mode) const {
  if (!hnsw_ || (mode != SearchMode::Auto && mode != SearchMode::Hnsw)) return false;
  return mode == SearchMode::Hnsw || ids_.size() > opt_.hnsw_above;
}

bool Gallery::int8_active_locked(SearchMode mode) const {
  if (!int8_ || mode == SearchMode::ExactFp32 || mode == SearchMode::Hnsw) return false;
  return mode == SearchMode::Int8 || ids_.size() >= opt_.int8_above;
}

Status Gallery::normalise_into(std::span<const float> in, float* out) const {
  if (in.size() != opt_.dim)
    return Error::make("VALIDATION_ERROR", "embedding has " + std::to_string(in.size()) +
                                               " values; gallery '" + embedder_id_ + "' expects " +
                                               std::to_string(opt_.dim));
  double ss = 0;
  for (float v : in) ss += double(v) * v;
  if (!std::isfinite(ss) || ss < 1e-24)
    return Error::make("VALIDATION_ERROR", "embedding is zero or not finite");
  const float inv = static_cast<float>(1.0 / std::sqrt(ss));
  for (size_t i = 0; i < in.size(); ++i) out[i] = in[i] * inv;
  return {};
}

void Gallery::append_locked(EmbeddingId id, PersonId person, const float* unit) {
  const size_t i = ids_.size();
  if (i / kChunkRows >= chunks_.size())
    chunks_.push_back(alloc_chunk<float>(kChunkRows * opt_.dim));
  std::copy(unit, unit + opt_.dim, row(i));
  ids_.push_back(id);
  persons_.push_back(person);
  index_[id] = i;
  if (int8_) {
    if (i / kChunkRows >= qchunks_.size())
      qchunks_.push_back(alloc_chunk<int8_t>(kChunkRows * opt_.dim));
    qscale_.push_back(0);
    qsum_.push_back(0);
    qres_.push_back(0);
    qnorm_.push_back(0);
    quantise_row_locked(i);
  }
  if (hnsw_) {
    auto& ix = hnsw_->index;
    if (ix.cur_element_count >= ix.max_elements_) ix.resizeIndex(ix.max_elements_ * 2);
    ix.addPoint(unit, static_cast<hnswlib::labeltype>(id));
  }
}

void Gallery::remove_at_locked(size_t i) {
  // Swap-with-last keeps rows dense for the scan; one row is copied.
  const size_t last = ids_.size() - 1;
  const EmbeddingId gone = ids_[i];
  if (i != last) {
    std::copy(row(last), row(last) + opt_.dim, row(i));
    ids_[i] = ids_[last];
    persons_[i] = persons_[last];
    index_[ids_[i]] = i;
    if (int8_) quantise_row_locked(i);
  }
  ids_.pop_back();
  persons_.pop_back();
  if (int8_) {
    qscale_.pop_back();
    qsum_.pop_back();
    qres_.pop_back();
    qnorm_.pop_back();
  }
  index_.erase(gone);
  if (hnsw_) {
    try {
      hnsw_->index.markDelete(static_cast<hnswlib::labeltype>(gone));
    } catch (const std::exception&) {
      // Not in the index (cannot happen unless an insert failed); nothing to delete.
    }
  }
  // Release trailing chunks that became empty (keep one spare to avoid thrashing).
  const size_t needed = (ids_.size() + kChunkRows - 1) / kChunkRows;
  while (chunks_.size() > needed + 1) chunks_.pop_back();
  while (qchunks_.size() > needed + 1) qchunks_.pop_back();
}

// Quantisation, and why the int8 search is exact.
//
// A vector v (a stored row x, or the query q) is quantised with a symmetric scale
// s = max|v_j| / 127: v8_j = round(v_j / s), and its residual r = v - s * v8 is what the int8
// form misses. Let D = q8 . x8 (an exact integer sum) and a = s_q * s_x * D. Then
//   q.x - a = q.x - (q - r_q).(x - r_x) = q.r_x + r_q.x - r_q.r_x,
// so by Cauchy-Schwarz and the triangle inequality
//   |q.x - a| <= |q| |r_x| + |r_q| |x| + |r_q| |r_x|,
// which for unit vectors is |r_x| + |r_q| + |r_q| |r_x| (~0.02 at 512-d). The true norms
// |x|, |r_x| (per row) and |q|, |r_q| (per query) are computed in double and rounded up.
//
// What the search reports is not q.x but s = the fp32 kernel's score, and |s - q.x| <=
// gamma_dim |q| |x| (gamma_n = n u / (1 - n u), u = 2^-24: any summation order, with or
// without FMA). a itself and the bound are computed in float, a few roundings of at most
// u relative each on quantities below (|q| + |r_q|)(|x| + |r_x|). The bound used is
//   E = |q| |r_x| + |r_q| |x| + |r_q| |r_x| + c (|q| + |r_q|)(|x| + |r_x|),  c = (dim + 8) 2u,
// twice gamma_dim: the spare (dim + 16) u covers those roundings with room to spare. Written
// as E = |r_x| ca + |x| cb with ca = (|q| + |r_q|)(1 + c), cb = |r_q| + c (|q| + |r_q|).
// So lo = a - E <= s <= a + E = hi for every row.
//
// Search (Gallery::int8_exact_locked): L = the k-th best lower bound (over distinct persons
// for a person search, over rows for an embedding search) is a score that at least k
// persons (rows) reach. A row with hi < L scores below L, so it cannot be the best row of
// a person in the top k (nor a top-k row), ties included, and is dropped; every other row
// is re-scored with the same fp32 kernel as the reference scan, whose per-row result does
// not depend on its neighbours. The top k of the re-scored rows (canonical order) then
// equals the reference: each top-k person's best rows survive with their exact scores, and
// any other person can only lose rows, so it cannot overtake.
void Gallery::quantise_row_locked(size_t i) {
  const Quantised qz = quantise(row(i), opt_.dim, qchunks_[i / kChunkRows].get() + (i % kChunkRows) * opt_.dim);
  qscale_[i] = qz.scale;
  qsum_[i] = qz.sum;
  qres_[i] = qz.res;
  qnorm_[i] = qz.norm;
}

Int8Estimate int8_estimate(std::span<const float> q, std::span<const float> x) {
  const size_t dim = q.size();
  if (x.size() != dim || !int8_search_supported()) return {};
  const Int8Query qq = quantise_query(q.data(), dim);
  std::vector<int8_t> x8(dim);
  const Quantised qz = quantise(x.data(), dim, x8.data());
  int32_t dot = 0;
  uint64_t pass = 0;
  Int8Estimate out;
  dot_rows_u8s8_vnni(qq.qu.data(), x8.data(), 1, dim, &dot);
  int8_bounds_avx512(&dot, &qz.sum, &qz.scale, &qz.res, &qz.norm, 1, qq.scale, qq.ca, qq.cb,
                     -std::numeric_limits<float>::infinity(), &out.hi, &out.lo, &pass);
  return out;
}

template <class Top>
std::vector<typename Top::Hit> Gallery::fp32_exact_locked(const float* q, size_t k) const {
  Top top(k);
  float scores[kBlock];
  const size_t n = ids_.size();
  for (size_t base = 0; base < n; base += kChunkRows) {
    const size_t chunk_n = std::min(kChunkRows, n - base);
    const float* rows = row(base);
    for (size_t b = 0; b < chunk_n; b += kBlock) {
      const size_t m = std::min(kBlock, chunk_n - b);
      dot_rows(kernel_, q, rows + b * opt_.dim, m, opt_.dim, scores);
      float th = top.threshold();
      for (size_t j = 0; j < m; ++j) {
        if (scores[j] >= th) {
          const size_t i = base + b + j;
          top.offer(persons_[i], scores[j], ids_[i]);
          th = top.threshold();
        }
      }
    }
  }
  return top.take();
}

template <class Top>
std::vector<typename Top::Hit> Gallery::int8_exact_locked(const float* q, size_t k) const {
  // See quantise_row_locked for why this is exact. Each thread ("part") keeps its own
  // lower-bound top-k and the rows whose upper bound reached its running threshold; the
  // threshold only rises, so filtering with a part's running value keeps a superset.
  struct Cand {
    float hi;
    size_t row;
  };
  struct Part {
    Top lower;
    std::vector<Cand> cand;
    explicit Part(size_t k) : lower(k) {}
  };
  const size_t n = ids_.size(), dim = opt_.dim;
  const Int8Query qq = quantise_query(q, dim);
  const size_t units = (n + kUnitRows - 1) / kUnitRows;
  size_t threads = n >= opt_.parallel_above ? search_threads_.load(std::memory_order_relaxed) : 1;
  threads = std::clamp<size_t>(threads, 1, units);
  std::vector<Part> parts;
  parts.reserve(threads);
  for (size_t t = 0; t < threads; ++t) parts.emplace_back(k);
  std::atomic<size_t> cursor{0};

  const std::function<void(size_t)> scan = [&](size_t slot) {
    Part& part = parts[slot];
    int32_t dots[kBlock];
    float hi[kBlock], lo[kBlock];
    uint64_t pass[kBlock / 64];
    size_t compact_at = 4096;
    for (size_t u; (u = cursor.fetch_add(1, std::memory_order_relaxed)) < units;) {
      const size_t end = std::min(n, (u + 1) * kUnitRows);
      for (size_t b = u * kUnitRows; b < end; b += kBlock) {
        const size_t m = std::min(kBlock, end - b);
        dot_rows_u8s8_vnni(qq.qu.data(), qrow(b), m, dim, dots);
        float th = part.lower.threshold();
        int8_bounds_avx512(dots, &qsum_[b], &qscale_[b], &qres_[b], &qnorm_[b], m, qq.scale, qq.ca, qq.cb, th,
                           hi, lo, pass);
        for (size_t w = 0; w < (m + 63) / 64; ++w) {
          for (uint64_t bits = pass[w]; bits; bits &= bits - 1) {
            const size_t j = w * 64 + size_t(__builtin_ctzll(bits));
            if (hi[j] < th) continue;  // th rose within this block
            part.cand.push_back({hi[j], b + j});
            if (lo[j] >= th) {
              part.lower.offer(persons_[b + j], lo[j], ids_[b + j]);
              th = part.lower.threshold();
            }
          }
        }
      }
      if (part.cand.size() >= compact_at) {
        const float th = part.lower.threshold();
        std::erase_if(part.cand, [th](const Cand& c) { return c.hi < th; });
        compact_at = std::max<size_t>(4096, 2 * part.cand.size());
      }
    }
  };
  if (threads > 1)
    pool().run(threads - 1, scan);
  else
    scan(0);

  // The parts' lower bounds merged: still k distinct persons (rows) reach the threshold.
  Top lower(k);
  for (const auto& part : parts)
    for (const auto& h : part.lower.items()) lower.offer(h.person_id, h.score, h.embedding_id);
  const float floor = lower.threshold();
  Top top(k);
  uint64_t rescored = 0;
  for (const auto& part : parts) {
    for (const Cand& c : part.cand) {
      // Exact scores only rise the bar: a row whose upper bound is below the k-th exact
      // score so far cannot enter either.
      if (c.hi < floor || c.hi < top.threshold()) continue;
      float s = 0;
      dot_rows(kernel_, q, row(c.row), 1, dim, &s);
      top.offer(persons_[c.row], s, ids_[c.row]);
      ++rescored;
    }
  }
  rescored_.fetch_add(rescored, std::memory_order_relaxed);
  return top.take();
}

Status Gallery::build_hnsw_unlocked() {
  // Caller holds write_mu_, so no writer can change the rows while we read them under a
  // SHARED lock: searches keep running (exactly) during the build, which takes seconds to
  // minutes for 50k-1M rows. Only installing the finished index takes the exclusive lock.
  std::unique_ptr<Hnsw> h;
  try {
    std::shared_lock lock(mu_);
    h = std::make_unique<Hnsw>(opt_.dim, ids_.size() + ids_.size() / 4 + 1024, opt_.hnsw_m,
                               opt_.hnsw_ef_construction);
    h->index.setEf(opt_.hnsw_ef_search);
    for (size_t i = 0; i < ids_.size(); ++i)
      h->index.addPoint(row(i), static_cast<hnswlib::labeltype>(ids_[i]));
  } catch (const std::exception& e) {
    return Error::make("INTERNAL", std::string("HNSW build failed (exact search stays): ") + e.what());
  }
  std::unique_lock lock(mu_);
  hnsw_ = std::move(h);
  return {};
}

Status Gallery::add(EmbeddingId id, PersonId person, std::span<const float> vec) {
  std::vector<float> unit(opt_.dim);
  if (auto st = normalise_into(vec, unit.data()); !st) return st;
  std::lock_guard writer(write_mu_);
  bool build = false;
  try {
    std::unique_lock lock(mu_);
    if (auto it = index_.find(id); it != index_.end()) {
      std::copy(unit.begin(), unit.end(), row(it->second));
      persons_[it->second] = person;
      if (int8_) quantise_row_locked(it->second);
      if (hnsw_) hnsw_->index.addPoint(unit.data(), static_cast<hnswlib::labeltype>(id));  // updates in place
    } else {
      append_locked(id, person, unit.data());
    }
    // Crossing the threshold builds the index once (this call then takes as long as the
    // build; other writers wait, readers do not).
    build = !hnsw_ && opt_.hnsw_above > 0 && ids_.size() > opt_.hnsw_above;
  } catch (const std::exception& e) {
    return Error::make("INTERNAL", std::string("gallery insert failed: ") + e.what());
  }
  if (build) return build_hnsw_unlocked();
  return {};
}

void Gallery::clear_locked() {
  chunks_.clear();
  ids_.clear();
  persons_.clear();
  index_.clear();
  hnsw_.reset();
  qchunks_.clear();
  qscale_.clear();
  qsum_.clear();
  qres_.clear();
  qnorm_.clear();
}

Status Gallery::load(std::vector<GalleryRecord> records) {
  // Validate and normalise everything before taking the lock: all-or-nothing.
  for (size_t r = 0; r < records.size(); ++r) {
    auto& rec = records[r];
    if (auto st = normalise_into(rec.vector, rec.vector.data()); !st)
      return Error::make(st.error().code, "record " + std::to_string(r) + " (embedding " +
                                              std::to_string(rec.embedding_id) + "): " + st.error().message);
  }
  std::lock_guard writer(write_mu_);
  std::unique_lock lock(mu_);
  clear_locked();
  ids_.reserve(records.size());
  persons_.reserve(records.size());
  index_.reserve(records.size());
  for (const auto& rec : records) {
    if (auto it = index_.find(rec.embedding_id); it != index_.end()) {  // last one wins
      std::copy(rec.vector.begin(), rec.vector.end(), row(it->second));
      persons_[it->second] = rec.person_id;
      if (int8_) quantise_row_locked(it->second);
    } else {
      append_locked(rec.embedding_id, rec.person_id, rec.vector.data());
    }
  }
  const bool build = opt_.hnsw_above > 0 && ids_.size() > opt_.hnsw_above;
  lock.unlock();
  if (build) return build_hnsw_unlocked();
  return {};
}

bool Gallery::remove(EmbeddingId id) {
  std::lock_guard writer(write_mu_);
  std::unique_lock lock(mu_);
  auto it = index_.find(id);
  if (it == index_.end()) return false;
  remove_at_locked(it->second);
  return true;
}

size_t Gallery::remove_person(PersonId person) {
  std::lock_guard writer(write_mu_);
  std::unique_lock lock(mu_);
  size_t n = 0;
  for (size_t i = ids_.size(); i-- > 0;) {  // backwards: swap-with-last never skips a row
    if (persons_[i] == person) {
      remove_at_locked(i);
      ++n;
    }
  }
  return n;
}

void Gallery::clear() {
  std::lock_guard writer(write_mu_);
  std::unique_lock lock(mu_);
  clear_locked();
}

std::vector<EmbeddingId> Gallery::embeddings_of(PersonId person) const {
  std::shared_lock lock(mu_);
  std::vector<EmbeddingId> out;
  for (size_t i = 0; i < ids_.size(); ++i)
    if (persons_[i] == person) out.push_back(ids_[i]);
  return out;
}

std::vector<EmbeddingHit> Gallery::hnsw_embeddings_locked(const float* q, size_t k) const {
  std::vector<EmbeddingHit> out;
  auto res = hnsw_->index.searchKnn(q, std::min(k, ids_.size()));
  out.reserve(res.size());
  while (!res.empty()) {
    const auto [dist, label] = res.top();
    res.pop();
    const auto id = static_cast<EmbeddingId>(label);
    auto it = index_.find(id);
    if (it == index_.end()) continue;  // deleted since
    out.push_back({id, persons_[it->second], 1.0f - dist});  // InnerProductSpace: 1 - dot
  }
  std::sort(out.begin(), out.end(), embedding_before);
  return out;
}

std::vector<EmbeddingHit> Gallery::search_embeddings(std::span<const float> query, size_t k,
                                                     SearchMode mode) const {
  std::vector<float> q(opt_.dim);
  if (k == 0 || !normalise_into(query, q.data())) return {};
  std::shared_lock lock(mu_);
  if (ids_.empty()) return {};
  if (hnsw_active_locked(mode)) return hnsw_embeddings_locked(q.data(), k);
  if (int8_active_locked(mode)) return int8_exact_locked<EmbeddingTopK>(q.data(), k);
  return fp32_exact_locked<EmbeddingTopK>(q.data(), k);
}

std::vector<PersonHit> Gallery::search(std::span<const float> query, size_t k, SearchMode mode) const {
  std::vector<float> q(opt_.dim);
  if (k == 0 || !normalise_into(query, q.data())) return {};
  std::shared_lock lock(mu_);
  if (ids_.empty()) return {};
  if (hnsw_active_locked(mode)) {
    // HNSW returns embeddings; fetch several per wanted person so that a person with many
    // enrolled embeddings does not crowd the runner-up out of the list.
    PersonTopK top(k);
    for (const auto& h : hnsw_embeddings_locked(q.data(), std::max<size_t>(k * 8, 32)))
      top.offer(h.person_id, h.score, h.embedding_id);
    return top.take();
  }
  if (int8_active_locked(mode)) return int8_exact_locked<PersonTopK>(q.data(), k);
  return fp32_exact_locked<PersonTopK>(q.data(), k);
}

// ---------------------------------------------------------------------------------------
Result<std::shared_ptr<Gallery>> GallerySet::get_or_create(const std::string& embedder_id, size_t dim) {
  if (dim == 0) return Error::make("VALIDATION_ERROR", "embedding dimension must be > 0");
  std::lock_guard lock(mu_);
  auto& g = galleries_[embedder_id];
  if (!g) {
    GalleryOptions opt = defaults_;
    opt.dim = dim;
    g = std::make_shared<Gallery>(embedder_id, opt);
  } else if (g->dim() != dim) {
    return Error::make("VALIDATION_ERROR", "gallery '" + embedder_id + "' holds " + std::to_string(g->dim()) +
                                               "-d embeddings, not " + std::to_string(dim) + "-d");
  }
  return g;
}

std::shared_ptr<Gallery> GallerySet::get(const std::string& embedder_id) const {
  std::lock_guard lock(mu_);
  auto it = galleries_.find(embedder_id);
  return it == galleries_.end() ? nullptr : it->second;
}

bool GallerySet::drop(const std::string& embedder_id) {
  std::lock_guard lock(mu_);
  return galleries_.erase(embedder_id) > 0;
}

std::vector<std::string> GallerySet::embedder_ids() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& kv : galleries_) out.push_back(kv.first);
  return out;
}

}  // namespace argus
