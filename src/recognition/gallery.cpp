#include "recognition/gallery.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <stdexcept>

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

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // same GCC 12 false positive as above
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void dot_rows_u8s8_vnni(
    const uint8_t* q, const int8_t* rows, size_t n, size_t dim, int32_t* out) {
  const size_t dv = dim & ~size_t(63);
  const size_t rest = dim - dv;
  const __mmask64 tail = rest ? (~0ull >> (64 - rest)) : 0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const int8_t* r0 = rows + i * dim;
    const int8_t* r1 = r0 + dim;
    const int8_t* r2 = r1 + dim;
    const int8_t* r3 = r2 + dim;
    __m512i a0 = _mm512_setzero_si512(), a1 = _mm512_setzero_si512(), a2 = _mm512_setzero_si512(),
            a3 = _mm512_setzero_si512();
    for (size_t j = 0; j < dv; j += 64) {
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
    out[i] = _mm512_reduce_add_epi32(a0);
    out[i + 1] = _mm512_reduce_add_epi32(a1);
    out[i + 2] = _mm512_reduce_add_epi32(a2);
    out[i + 3] = _mm512_reduce_add_epi32(a3);
  }
  if (i < n) dot_rows_u8s8_scalar(q, rows + i * dim, n - i, dim, out + i);
}
#pragma GCC diagnostic pop

// Rows scored per kernel call: the scores stay in L1 while the top-k pass reads them.
constexpr size_t kBlock = 256;

// Best-k distinct persons seen so far. Only a row scoring above the current k-th best can
// change the answer, which after the first few thousand rows is rare, so the per-row cost
// is one compare.
class PersonTopK {
 public:
  explicit PersonTopK(size_t k) : k_(k) { items_.reserve(k); }
  float threshold() const { return items_.size() < k_ ? -std::numeric_limits<float>::infinity() : min_; }
  void offer(PersonId p, float s, EmbeddingId id) {
    if (k_ == 0) return;
    for (auto& it : items_) {
      if (it.person_id == p) {
        if (s > it.score) {
          it.score = s;
          it.embedding_id = id;
          refresh();
        }
        return;
      }
    }
    if (items_.size() < k_) {
      items_.push_back({p, s, id});
    } else {
      if (s <= min_) return;  // not better than the current k-th person
      auto worst = std::min_element(items_.begin(), items_.end(),
                                    [](const PersonHit& a, const PersonHit& b) { return a.score < b.score; });
      *worst = {p, s, id};
    }
    refresh();
  }
  std::vector<PersonHit> take() {
    std::sort(items_.begin(), items_.end(), [](const PersonHit& a, const PersonHit& b) {
      return a.score != b.score ? a.score > b.score : a.person_id < b.person_id;
    });
    return std::move(items_);
  }

 private:
  void refresh() {
    if (items_.size() < k_) return;
    min_ = items_.front().score;
    for (const auto& it : items_) min_ = std::min(min_, it.score);
  }
  size_t k_;
  float min_ = -std::numeric_limits<float>::infinity();
  std::vector<PersonHit> items_;
};

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

Gallery::Gallery(std::string embedder_id, GalleryOptions options)
    : embedder_id_(std::move(embedder_id)), opt_(options) {
  if (opt_.dim == 0) throw std::invalid_argument("Gallery: dim must be > 0");
  kernel_ = opt_.kernel;
  if (kernel_ == SimdKernel::Auto || !simd_kernel_supported(kernel_)) kernel_ = best_simd_kernel();
  int8_ = opt_.int8_index && int8_search_supported();
}

Gallery::~Gallery() = default;

size_t Gallery::size() const {
  std::shared_lock lock(mu_);
  return ids_.size();
}

bool Gallery::using_hnsw() const {
  std::shared_lock lock(mu_);
  return hnsw_active_locked(SearchMode::Auto);
}

bool Gallery::hnsw_active_locked(SearchMode mode) const {
  if (!hnsw_ || mode == SearchMode::Exact || mode == SearchMode::Int8) return false;
  return mode == SearchMode::Hnsw || ids_.size() > opt_.hnsw_above;
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
    chunks_.push_back(std::make_unique_for_overwrite<float[]>(kChunkRows * opt_.dim));
  std::copy(unit, unit + opt_.dim, row(i));
  ids_.push_back(id);
  persons_.push_back(person);
  index_[id] = i;
  if (int8_) {
    if (i / kChunkRows >= qchunks_.size())
      qchunks_.push_back(std::make_unique_for_overwrite<int8_t[]>(kChunkRows * opt_.dim));
    qscale_.push_back(0);
    qsum_.push_back(0);
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

void Gallery::quantise_row_locked(size_t i) {
  // Symmetric per-row scale: the largest |value| maps to 127.
  const float* r = row(i);
  int8_t* out = qchunks_[i / kChunkRows].get() + (i % kChunkRows) * opt_.dim;
  float maxabs = 0;
  for (size_t j = 0; j < opt_.dim; ++j) maxabs = std::max(maxabs, std::abs(r[j]));
  const float inv = maxabs > 0 ? 127.0f / maxabs : 0.0f;
  int32_t sum = 0;
  for (size_t j = 0; j < opt_.dim; ++j) {
    out[j] = static_cast<int8_t>(std::lrintf(r[j] * inv));
    sum += out[j];
  }
  qscale_[i] = maxabs / 127.0f;
  qsum_[i] = sum;
}

bool Gallery::int8_active_locked(SearchMode mode) const {
  return int8_ && (mode == SearchMode::Int8 || mode == SearchMode::Auto);
}

std::vector<EmbeddingHit> Gallery::int8_candidates_locked(const float* q, size_t c) const {
  // Query to u8 with an offset of 128 (vpdpbusd wants unsigned x signed):
  // sum((qq + 128) * r) = sum(qq * r) + 128 * sum(r), and sum(r) is stored per row.
  const size_t dim = opt_.dim;
  std::vector<uint8_t> qu(dim);
  float qmax = 0;
  for (size_t j = 0; j < dim; ++j) qmax = std::max(qmax, std::abs(q[j]));
  const float qinv = qmax > 0 ? 127.0f / qmax : 0.0f;
  for (size_t j = 0; j < dim; ++j) qu[j] = static_cast<uint8_t>(std::lrintf(q[j] * qinv) + 128);
  const float qscale = qmax / 127.0f;

  auto cmp = [](const std::pair<float, size_t>& a, const std::pair<float, size_t>& b) { return a.first > b.first; };
  std::vector<std::pair<float, size_t>> heap;  // min-heap of (approx score, row)
  heap.reserve(c + 1);
  int32_t dots[kBlock];
  const size_t n = ids_.size();
  for (size_t base = 0; base < n; base += kChunkRows) {
    const size_t chunk_n = std::min(kChunkRows, n - base);
    for (size_t b = 0; b < chunk_n; b += kBlock) {
      const size_t m = std::min(kBlock, chunk_n - b);
      dot_rows_u8s8(true, qu.data(), qrow(base + b), m, dim, dots);
      for (size_t j = 0; j < m; ++j) {
        const size_t i = base + b + j;
        const float s = float(dots[j] - 128 * qsum_[i]) * qscale * qscale_[i];
        if (heap.size() < c || s > heap.front().first) {
          heap.emplace_back(s, i);
          std::push_heap(heap.begin(), heap.end(), cmp);
          if (heap.size() > c) {
            std::pop_heap(heap.begin(), heap.end(), cmp);
            heap.pop_back();
          }
        }
      }
    }
  }
  std::vector<EmbeddingHit> out;
  out.reserve(heap.size());
  for (const auto& [approx, i] : heap) {
    float s = 0;
    dot_rows(kernel_, q, row(i), 1, dim, &s);
    out.push_back({ids_[i], persons_[i], s});
  }
  std::sort(out.begin(), out.end(), [](const EmbeddingHit& a, const EmbeddingHit& b) {
    return a.score != b.score ? a.score > b.score : a.embedding_id < b.embedding_id;
  });
  return out;
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
  chunks_.clear();
  ids_.clear();
  persons_.clear();
  index_.clear();
  hnsw_.reset();
  qchunks_.clear();
  qscale_.clear();
  qsum_.clear();
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
  chunks_.clear();
  ids_.clear();
  persons_.clear();
  index_.clear();
  hnsw_.reset();
  qchunks_.clear();
  qscale_.clear();
  qsum_.clear();
}

std::vector<EmbeddingId> Gallery::embeddings_of(PersonId person) const {
  std::shared_lock lock(mu_);
  std::vector<EmbeddingId> out;
  for (size_t i = 0; i < ids_.size(); ++i)
    if (persons_[i] == person) out.push_back(ids_[i]);
  return out;
}

std::vector<PersonHit> Gallery::exact_persons_locked(const float* q, size_t k) const {
  PersonTopK top(k);
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
        if (scores[j] > th) {
          const size_t i = base + b + j;
          top.offer(persons_[i], scores[j], ids_[i]);
          th = top.threshold();
        }
      }
    }
  }
  return top.take();
}

std::vector<EmbeddingHit> Gallery::exact_embeddings_locked(const float* q, size_t k) const {
  // Min-heap of the best k by score.
  auto cmp = [](const EmbeddingHit& a, const EmbeddingHit& b) { return a.score > b.score; };
  std::vector<EmbeddingHit> heap;
  heap.reserve(k + 1);
  float scores[kBlock];
  const size_t n = ids_.size();
  for (size_t base = 0; base < n; base += kChunkRows) {
    const size_t chunk_n = std::min(kChunkRows, n - base);
    for (size_t b = 0; b < chunk_n; b += kBlock) {
      const size_t m = std::min(kBlock, chunk_n - b);
      dot_rows(kernel_, q, row(base) + b * opt_.dim, m, opt_.dim, scores);
      for (size_t j = 0; j < m; ++j) {
        if (heap.size() < k || scores[j] > heap.front().score) {
          const size_t i = base + b + j;
          heap.push_back({ids_[i], persons_[i], scores[j]});
          std::push_heap(heap.begin(), heap.end(), cmp);
          if (heap.size() > k) {
            std::pop_heap(heap.begin(), heap.end(), cmp);
            heap.pop_back();
          }
        }
      }
    }
  }
  std::sort(heap.begin(), heap.end(), [](const EmbeddingHit& a, const EmbeddingHit& b) {
    return a.score != b.score ? a.score > b.score : a.embedding_id < b.embedding_id;
  });
  return heap;
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
  std::sort(out.begin(), out.end(), [](const EmbeddingHit& a, const EmbeddingHit& b) {
    return a.score != b.score ? a.score > b.score : a.embedding_id < b.embedding_id;
  });
  return out;
}

std::vector<EmbeddingHit> Gallery::search_embeddings(std::span<const float> query, size_t k,
                                                     SearchMode mode) const {
  std::vector<float> q(opt_.dim);
  if (k == 0 || !normalise_into(query, q.data())) return {};
  std::shared_lock lock(mu_);
  if (ids_.empty()) return {};
  if (hnsw_active_locked(mode)) return hnsw_embeddings_locked(q.data(), k);
  if (int8_active_locked(mode)) {
    auto hits = int8_candidates_locked(q.data(), std::max(k, opt_.int8_candidates));
    if (hits.size() > k) hits.resize(k);
    return hits;
  }
  return exact_embeddings_locked(q.data(), k);
}

std::vector<PersonHit> Gallery::search(std::span<const float> query, size_t k, SearchMode mode) const {
  std::vector<float> q(opt_.dim);
  if (k == 0 || !normalise_into(query, q.data())) return {};
  std::shared_lock lock(mu_);
  if (ids_.empty()) return {};
  std::vector<EmbeddingHit> hits;
  if (hnsw_active_locked(mode)) {
    // HNSW returns embeddings; fetch several per wanted person so that a person with many
    // enrolled embeddings does not crowd the runner-up out of the list.
    hits = hnsw_embeddings_locked(q.data(), std::max<size_t>(k * 8, 32));
  } else if (int8_active_locked(mode)) {
    hits = int8_candidates_locked(q.data(), std::max(k * 8, opt_.int8_candidates));
  } else {
    return exact_persons_locked(q.data(), k);
  }
  PersonTopK top(k);
  for (const auto& h : hits) top.offer(h.person_id, h.score, h.embedding_id);
  return top.take();
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
