#pragma once
// In-memory index of enrolled face embeddings for ONE embedder (one Gallery per embedder
// id, since embeddings of different models are not comparable and differ in dimension).
//
// Concurrency: a writer-preferring shared mutex (core/writer_preferring_mutex.h; glibc's
// std::shared_mutex let overlapping searches hold off an enrolment indefinitely). Searches
// share the lock; add/remove/load take it exclusively for microseconds (rows live in
// fixed-size chunks, so an append never moves existing rows and a delete moves one row); an
// HNSW build runs under the shared lock.
// Copy-on-write snapshots were rejected: a 1M x 512 gallery is 2 GB, and copying it on
// every enrolment is not an option.
//
// Search: exact top-k by dot product (embeddings are L2-normalised on insert), or HNSW
// (hnswlib) once the gallery holds more than `hnsw_above` embeddings. Results are aggregated
// per person (best score). Exact search has two implementations that return identical
// results (same persons, embedding ids and float scores, same tie-breaking):
//  - the fp32 reference: every row scored by an AVX-512 / AVX2+FMA / scalar kernel picked
//    at run time, one thread;
//  - the bounded int8 scan (CPUs with AVX-512 VNNI): an int8 copy of every row is scanned
//    (a quarter of the bytes; the scan is memory-bound) with a rigorous bound on the
//    quantisation error, and only the rows whose upper bound can still reach the k-th best
//    lower bound are re-scored with the fp32 kernel. Large galleries split this scan over a
//    small thread pool owned by the gallery (created on first use, joined in the destructor);
//    the helpers read under the calling search's shared lock, so writers wait as before.
//
// Ties: persons rank by score (descending), then person id (ascending); a person's hit is
// its best-scoring row, the lowest embedding id among equal scores. Embedding results rank
// by score, then embedding id. So results never depend on row order or thread split.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "core/types.h"
#include "core/writer_preferring_mutex.h"

namespace argus {

using EmbeddingId = int64_t;

enum class SimdKernel { Auto, Scalar, Avx2, Avx512 };
const char* to_string(SimdKernel k);
// What Auto resolves to on this CPU.
SimdKernel best_simd_kernel();
// Whether the CPU (and this build) can run the kernel.
bool simd_kernel_supported(SimdKernel k);

// Scores of `n` rows (row-major, `dim` floats each) against `q`, into out[0..n).
// Exposed for tests and benchmarks; kernel must be supported (Auto = best).
void dot_rows(SimdKernel k, const float* q, const float* rows, size_t n, size_t dim, float* out);

// int8 scores: u8 query (q + 128) x s8 rows, summed in int32 (AVX-512 VNNI, or scalar).
// Exposed for tests; the int8 search needs VNNI (int8_search_supported()).
bool int8_search_supported();
void dot_rows_u8s8(bool vnni, const uint8_t* q, const int8_t* rows, size_t n, size_t dim, int32_t* out);

// The bounds the int8 search computes for one (query, row) pair: the fp32 kernels' score of
// q and x lies in [lo, hi] (derivation in gallery.cpp). Exposed for tests; {0, 0} without VNNI.
struct Int8Estimate {
  float lo = 0, hi = 0;
};
Int8Estimate int8_estimate(std::span<const float> q, std::span<const float> x);

// Auto: HNSW above hnsw_above (once built), else Exact.
// Exact: exact top-k; the bounded int8 scan when the int8 index is on and the gallery holds
//   at least int8_above rows, else the fp32 reference scan.
// ExactFp32: the fp32 reference scan, always (one thread).
// Int8: the bounded int8 scan whatever the size (exact too; ExactFp32 without an int8 index).
// Hnsw: approximate nearest neighbours (hnswlib), when the index exists.
enum class SearchMode { Auto, Exact, Hnsw, Int8, ExactFp32 };

struct GalleryOptions {
  size_t dim = 512;
  // Above this many embeddings, Auto searches use HNSW (config key vision.hnsw_above).
  // 0 disables HNSW entirely.
  size_t hnsw_above = 50000;
  size_t hnsw_m = 16;
  size_t hnsw_ef_construction = 200;
  size_t hnsw_ef_search = 128;
  SimdKernel kernel = SimdKernel::Auto;
  // Keep an int8 copy of every row (+26 % memory: 1 byte per value + 16 bytes per row) for
  // the bounded int8 exact search. Ignored on CPUs without AVX-512 VNNI.
  bool int8_index = true;
  // Exact searches use the int8 scan from this many rows on. Measured at 512-d (2-core
  // AMD EPYC, data in cache): equal at 256 rows, int8 3x faster at 1024, 5x at 10k.
  size_t int8_above = 1024;
  // Threads that share one int8 scan (the caller + a pool of search_threads - 1 helpers);
  // 0 = hardware concurrency, at most 8. Only galleries of at least parallel_above rows use
  // the pool, so small searches stay on the caller's thread: waking a helper costs more
  // than it saves below ~20k rows at 512-d (2 threads: 1.6x slower at 10k, 1.4x faster at
  // 25k, 1.7x at 50k, ~2x at 1M).
  size_t search_threads = 0;
  size_t parallel_above = 32768;
};

struct GalleryRecord {
  EmbeddingId embedding_id = 0;
  PersonId person_id = 0;
  std::vector<float> vector;  // dim floats; normalised on insert
};

struct EmbeddingHit {
  EmbeddingId embedding_id = 0;
  PersonId person_id = 0;
  float score = 0;  // dot product = cosine similarity
};

// Best embedding of one person.
struct PersonHit {
  PersonId person_id = 0;
  float score = 0;
  EmbeddingId embedding_id = 0;
};

class Gallery {
 public:
  Gallery(std::string embedder_id, GalleryOptions options);
  ~Gallery();
  Gallery(const Gallery&) = delete;
  Gallery& operator=(const Gallery&) = delete;

  const std::string& embedder_id() const { return embedder_id_; }
  size_t dim() const { return opt_.dim; }
  size_t size() const;
  SimdKernel kernel() const { return kernel_; }
  // Whether searches in Auto mode currently go through HNSW.
  bool using_hnsw() const;

  // Adds (or replaces, when the id exists) one embedding. Errors: "VALIDATION_ERROR" for a
  // wrong dimension, a zero or non-finite vector.
  Status add(EmbeddingId id, PersonId person, std::span<const float> vec);
  // Replaces the whole content (startup from the store). All-or-nothing: on a bad record
  // the gallery is unchanged.
  Status load(std::vector<GalleryRecord> records);
  bool remove(EmbeddingId id);
  size_t remove_person(PersonId person);
  void clear();

  // Top `k` persons, best first. The query is normalised internally.
  std::vector<PersonHit> search(std::span<const float> query, size_t k = 2,
                                SearchMode mode = SearchMode::Auto) const;
  // Top `k` embeddings, best first (exact or HNSW as above).
  std::vector<EmbeddingHit> search_embeddings(std::span<const float> query, size_t k,
                                              SearchMode mode = SearchMode::Auto) const;

  // Embeddings of a person (e.g. for de-duplication on enrolment).
  std::vector<EmbeddingId> embeddings_of(PersonId person) const;

  // Threads used by one int8 scan from now on: 1 .. the pool size fixed at construction
  // (GalleryOptions::search_threads); 0 = that maximum.
  void set_search_threads(size_t n);
  size_t search_threads() const { return search_threads_.load(std::memory_order_relaxed); }
  bool int8_enabled() const { return int8_; }
  // Rows re-scored in fp32 by the int8 path, summed over all searches (how well it prunes).
  uint64_t rows_rescored() const { return rescored_.load(std::memory_order_relaxed); }

 private:
  struct Hnsw;
  class Pool;
  static constexpr size_t kChunkRows = 4096;
  // Chunks of 2 MB or more are 2 MB-aligned and marked for transparent huge pages: the
  // scans stream through gigabytes, and 4 kB pages cost a TLB miss every 4 kB.
  struct ChunkFree {
    void operator()(void* p) const noexcept;
  };
  template <class T>
  using Chunk = std::unique_ptr<T[], ChunkFree>;
  template <class T>
  static Chunk<T> alloc_chunk(size_t count);

  const int8_t* qrow(size_t i) const { return qchunks_[i / kChunkRows].get() + (i % kChunkRows) * opt_.dim; }
  const float* row(size_t i) const { return chunks_[i / kChunkRows].get() + (i % kChunkRows) * opt_.dim; }
  float* row(size_t i) { return chunks_[i / kChunkRows].get() + (i % kChunkRows) * opt_.dim; }
  Status normalise_into(std::span<const float> in, float* out) const;
  void append_locked(EmbeddingId id, PersonId person, const float* unit);
  void remove_at_locked(size_t index);
  Status build_hnsw_unlocked();  // needs write_mu_ held and mu_ NOT held
  bool hnsw_active_locked(SearchMode mode) const;
  bool int8_active_locked(SearchMode mode) const;
  void quantise_row_locked(size_t i);
  Pool& pool() const;
  // Top is the private PersonTopK or EmbeddingTopK (gallery.cpp).
  template <class Top>
  std::vector<typename Top::Hit> fp32_exact_locked(const float* q, size_t k) const;
  template <class Top>
  std::vector<typename Top::Hit> int8_exact_locked(const float* q, size_t k) const;
  std::vector<EmbeddingHit> hnsw_embeddings_locked(const float* q, size_t k) const;
  void clear_locked();

  std::string embedder_id_;
  GalleryOptions opt_;
  SimdKernel kernel_;

  // Lock order: write_mu_ (writers only, serialises them) then mu_ (shared for searches).
  // Holding write_mu_ lets a writer build the HNSW index under a shared mu_.
  std::mutex write_mu_;
  mutable WriterPreferringSharedMutex mu_;
  std::vector<Chunk<float>> chunks_;               // kChunkRows x dim each
  std::vector<EmbeddingId> ids_;                   // per row
  std::vector<PersonId> persons_;                  // per row
  std::unordered_map<EmbeddingId, size_t> index_;  // id -> row
  std::unique_ptr<Hnsw> hnsw_;                     // built above hnsw_above
  bool int8_ = false;                              // int8_index && VNNI
  // int8 copy, same layout as chunks_: row ~= qscale_ * int8 values; per row also the sum of
  // the int8 values (for the u8 query offset) and, rounded up, the L2 norms of the
  // quantisation residual and of the fp32 row (the error bound).
  std::vector<Chunk<int8_t>> qchunks_;
  std::vector<float> qscale_;
  std::vector<int32_t> qsum_;
  std::vector<float> qres_;
  std::vector<float> qnorm_;

  size_t max_threads_ = 1;  // resolved GalleryOptions::search_threads
  std::atomic<size_t> search_threads_{1};
  mutable std::atomic<uint64_t> rescored_{0};
  mutable std::once_flag pool_once_;
  mutable std::unique_ptr<Pool> pool_;  // last member: its threads are joined first
};

// One Gallery per embedder id (embeddings of different models never meet). Thread-safe;
// galleries are shared_ptr so a search in flight keeps its gallery alive across a drop().
class GallerySet {
 public:
  explicit GallerySet(GalleryOptions defaults = {}) : defaults_(defaults) {}
  // The gallery for `embedder_id`, created with `dim` on first use. Error
  // "VALIDATION_ERROR" when it exists with another dimension.
  Result<std::shared_ptr<Gallery>> get_or_create(const std::string& embedder_id, size_t dim);
  std::shared_ptr<Gallery> get(const std::string& embedder_id) const;  // null when absent
  bool drop(const std::string& embedder_id);
  std::vector<std::string> embedder_ids() const;

 private:
  GalleryOptions defaults_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Gallery>> galleries_;
};

}  // namespace argus
