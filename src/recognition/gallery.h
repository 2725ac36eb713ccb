#pragma once
// In-memory index of enrolled face embeddings for ONE embedder (one Gallery per embedder
// id, since embeddings of different models are not comparable and differ in dimension).
//
// Concurrency: std::shared_mutex. Searches share the lock; add/remove/load take it
// exclusively for microseconds (rows live in fixed-size chunks, so an append never moves
// existing rows and a delete moves one row); an HNSW build runs under the shared lock.
// Copy-on-write snapshots were rejected: a 1M x 512 gallery is 2 GB, and copying it on
// every enrolment is not an option.
//
// Search: exact top-k by dot product (embeddings are L2-normalised on insert) with AVX-512 /
// AVX2+FMA / scalar kernels picked at run time, or HNSW (hnswlib) once the gallery holds
// more than `hnsw_above` embeddings. Results are aggregated per person (best score).
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

// Auto: HNSW above hnsw_above; else Int8 when int8_index is on and the CPU has VNNI; else
// Exact. Int8 scans a quarter of the bytes (the scan is memory-bound), keeps the best
// candidates and re-scores them in fp32, so scores are exact and the ranking is exact
// unless more than `int8_candidates` rows tie within the quantisation error (~1e-3).
enum class SearchMode { Auto, Exact, Hnsw, Int8 };

struct GalleryOptions {
  size_t dim = 512;
  // Above this many embeddings, Auto searches use HNSW (config key vision.hnsw_above).
  // 0 disables HNSW entirely.
  size_t hnsw_above = 50000;
  size_t hnsw_m = 16;
  size_t hnsw_ef_construction = 200;
  size_t hnsw_ef_search = 128;
  SimdKernel kernel = SimdKernel::Auto;
  // Keep an int8 copy of every row (+25 % memory) for SearchMode::Int8.
  bool int8_index = false;
  size_t int8_candidates = 64;
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

 private:
  struct Hnsw;
  static constexpr size_t kChunkRows = 4096;

  const int8_t* qrow(size_t i) const { return qchunks_[i / kChunkRows].get() + (i % kChunkRows) * opt_.dim; }
  const float* row(size_t i) const { return chunks_[i / kChunkRows].get() + (i % kChunkRows) * opt_.dim; }
  float* row(size_t i) { return chunks_[i / kChunkRows].get() + (i % kChunkRows) * opt_.dim; }
  Status normalise_into(std::span<const float> in, float* out) const;
  void append_locked(EmbeddingId id, PersonId person, const float* unit);
  void remove_at_locked(size_t index);
  Status build_hnsw_unlocked();  // needs write_mu_ held and mu_ NOT held
  bool hnsw_active_locked(SearchMode mode) const;
  std::vector<PersonHit> exact_persons_locked(const float* q, size_t k) const;
  std::vector<EmbeddingHit> exact_embeddings_locked(const float* q, size_t k) const;
  bool int8_active_locked(SearchMode mode) const;
  void quantise_row_locked(size_t i);
  // Rows of the best `c` int8 scores, re-scored in fp32, best first.
  std::vector<EmbeddingHit> int8_candidates_locked(const float* q, size_t c) const;
  std::vector<EmbeddingHit> hnsw_embeddings_locked(const float* q, size_t k) const;

  std::string embedder_id_;
  GalleryOptions opt_;
  SimdKernel kernel_;

  // Lock order: write_mu_ (writers only, serialises them) then mu_ (shared for searches).
  // Holding write_mu_ lets a writer build the HNSW index under a shared mu_.
  std::mutex write_mu_;
  mutable std::shared_mutex mu_;
  std::vector<std::unique_ptr<float[]>> chunks_;   // kChunkRows x dim each
  std::vector<EmbeddingId> ids_;                   // per row
  std::vector<PersonId> persons_;                  // per row
  std::unordered_map<EmbeddingId, size_t> index_;  // id -> row
  std::unique_ptr<Hnsw> hnsw_;                     // built above hnsw_above
  bool int8_ = false;                              // int8_index && VNNI
  std::vector<std::unique_ptr<int8_t[]>> qchunks_; // int8 rows, same layout as chunks_
  std::vector<float> qscale_;                      // per row: value = int8 * scale
  std::vector<int32_t> qsum_;                      // per row: sum of int8 values
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
