#include "recognition/gallery.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <map>
#include <random>
#include <thread>

using namespace argus;

namespace {

std::vector<float> random_unit(std::mt19937& rng, size_t dim) {
  std::normal_distribution<float> nd;
  std::vector<float> v(dim);
  double ss = 0;
  for (auto& x : v) {
    x = nd(rng);
    ss += double(x) * x;
  }
  for (auto& x : v) x = float(x / std::sqrt(ss));
  return v;
}

struct Ref {
  std::vector<GalleryRecord> recs;
  // Brute force in double: best score per person, best first.
  std::vector<std::pair<PersonId, double>> persons(const std::vector<float>& q) const {
    double qn = 0;
    for (float v : q) qn += double(v) * v;
    std::map<PersonId, double> best;
    for (const auto& r : recs) {
      double s = 0;
      for (size_t j = 0; j < q.size(); ++j) s += double(q[j]) * r.vector[j];
      s /= std::sqrt(qn);
      auto [it, fresh] = best.emplace(r.person_id, s);
      if (!fresh) it->second = std::max(it->second, s);
    }
    std::vector<std::pair<PersonId, double>> out(best.begin(), best.end());
    std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.second > b.second; });
    return out;
  }
};

std::vector<SimdKernel> kernels() {
  std::vector<SimdKernel> out;
  for (auto k : {SimdKernel::Scalar, SimdKernel::Avx2, SimdKernel::Avx512})
    if (simd_kernel_supported(k)) out.push_back(k);
  return out;
}

struct StressCounts {
  long searches = 0, failures = 0, writes = 0;
};

// For 1.5 s, `writers` threads enrol, delete and drop persons (ids below 1'000'000) while
// `searchers` threads look up 50 anchors (id and person 1'000'000 + i, which the writers
// never touch): every search must find its anchor first, scored 1, persons distinct and
// best first, and the anchor must also be the top embedding.
StressCounts stress(Gallery& g, size_t dim, int writers, int searchers, SearchMode mode) {
  std::mt19937 rng(5);
  std::vector<std::vector<float>> anchors;
  for (int i = 0; i < 50; ++i) {
    anchors.push_back(random_unit(rng, dim));
    if (!g.add(1'000'000 + i, 1'000'000 + i, anchors.back())) return {0, 1, 0};
  }
  std::atomic<bool> stop{false};
  std::atomic<long> searches{0}, failures{0}, writes{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w)
    threads.emplace_back([&, w] {
      std::mt19937 r(100 + w);
      EmbeddingId next = w * 100'000;
      while (!stop) {
        for (int i = 0; i < 50; ++i) (void)g.add(next++, r() % 500, random_unit(r, dim));
        for (int i = 0; i < 40; ++i) g.remove(next - 1 - (r() % 50));
        if (r() % 10 == 0) g.remove_person(r() % 500);
        writes += 90;
      }
    });
  for (int t = 0; t < searchers; ++t)
    threads.emplace_back([&, t] {
      std::mt19937 r(200 + t);
      while (!stop) {
        const int a = int(r() % anchors.size());
        auto hits = g.search(anchors[a], 3, mode);
        if (hits.empty() || hits[0].person_id != 1'000'000 + a || std::abs(hits[0].score - 1.f) > 1e-4) ++failures;
        for (size_t i = 1; i < hits.size(); ++i)
          if (hits[i].score > hits[i - 1].score || hits[i].person_id == hits[i - 1].person_id) ++failures;
        const auto emb = g.search_embeddings(anchors[a], 2, mode);
        if (emb.empty() || emb[0].embedding_id != 1'000'000 + a) ++failures;
        ++searches;
      }
    });
  // At least 1.5 s of contention, and on until enough of both kinds of work overlapped (a
  // loaded CI machine may get through fewer in 1.5 s); 30 s at most, so a real stall still
  // shows up as too few writes or searches.
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const auto ran = std::chrono::steady_clock::now() - start;
    const bool enough = (writers == 0 || writes >= 200) && (searchers == 0 || searches >= 20);
    if ((ran >= std::chrono::milliseconds(1500) && enough) || ran >= std::chrono::seconds(30)) break;
  }
  stop = true;
  for (auto& t : threads) t.join();
  return {searches.load(), failures.load(), writes.load()};
}

}  // namespace

TEST(Gallery, KernelsMatchReferenceDotProducts) {
  // Also: a row scored on its own equals the same row scored in a block, to the bit (the
  // int8 path re-scores single rows, the fp32 scan scores blocks; exactness needs both).
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> ud(-1, 1);
  for (size_t dim : {1, 7, 16, 100, 128, 129, 512, 513}) {
    const size_t n = 37;
    std::vector<float> q(dim), rows(n * dim);
    for (auto& v : q) v = ud(rng);
    for (auto& v : rows) v = ud(rng);
    for (auto k : kernels()) {
      std::vector<float> out(n);
      dot_rows(k, q.data(), rows.data(), n, dim, out.data());
      for (size_t i = 0; i < n; ++i) {
        double ref = 0;
        for (size_t j = 0; j < dim; ++j) ref += double(q[j]) * rows[i * dim + j];
        EXPECT_NEAR(out[i], ref, 1e-4 * std::sqrt(double(dim))) << to_string(k) << " dim " << dim << " row " << i;
        float one = 0;
        dot_rows(k, q.data(), rows.data() + i * dim, 1, dim, &one);
        EXPECT_EQ(one, out[i]) << to_string(k) << " dim " << dim << " row " << i << " alone";
      }
    }
  }
}

TEST(Gallery, ExactSearchEqualsBruteForceForEveryKernel) {
  std::mt19937 rng(2);
  for (size_t dim : {128, 100, 512}) {
    Ref ref;
    const size_t n = 9001;  // spans chunks (4096) and blocks (256) with ragged ends
    for (size_t i = 0; i < n; ++i)
      ref.recs.push_back({EmbeddingId(i + 1), PersonId(rng() % 3000), random_unit(rng, dim)});
    for (auto k : kernels()) {
      GalleryOptions opt;
      opt.dim = dim;
      opt.kernel = k;
      Gallery g("test", opt);
      ASSERT_EQ(g.kernel(), k);
      ASSERT_TRUE(g.load(ref.recs));
      ASSERT_EQ(g.size(), n);
      for (int t = 0; t < 20; ++t) {
        // Half of the queries are noisy copies of enrolled vectors (the real use case).
        std::vector<float> q = random_unit(rng, dim);
        if (t % 2) {
          const auto& src = ref.recs[rng() % n].vector;
          for (size_t j = 0; j < dim; ++j) q[j] = 0.3f * q[j] + src[j];
        }
        auto want = ref.persons(q);
        auto got = g.search(q, 5);
        ASSERT_EQ(got.size(), 5u);
        for (size_t r = 0; r < 5; ++r) {
          EXPECT_NEAR(got[r].score, want[r].second, 1e-4) << to_string(k) << " rank " << r;
          // Ids must agree unless two persons are (numerically) tied.
          const bool tie = (r > 0 && std::abs(want[r].second - want[r - 1].second) < 1e-5) ||
                           (r + 1 < want.size() && std::abs(want[r].second - want[r + 1].second) < 1e-5);
          if (!tie) { EXPECT_EQ(got[r].person_id, want[r].first) << to_string(k) << " rank " << r; }
        }
        auto emb = g.search_embeddings(q, 3);
        ASSERT_EQ(emb.size(), 3u);
        EXPECT_NEAR(emb[0].score, want[0].second, 1e-4);
        EXPECT_EQ(emb[0].person_id, got[0].person_id);
        EXPECT_GE(emb[0].score, emb[1].score);
        EXPECT_GE(emb[1].score, emb[2].score);
      }
    }
  }
}

TEST(Gallery, AddReplaceRemoveAndValidation) {
  std::mt19937 rng(3);
  GalleryOptions opt;
  opt.dim = 64;
  Gallery g("e", opt);
  EXPECT_TRUE(g.search(random_unit(rng, 64), 2).empty());
  auto a = random_unit(rng, 64), b = random_unit(rng, 64), c = random_unit(rng, 64);
  // Not normalised on input: the gallery normalises.
  std::vector<float> a3 = a;
  for (auto& v : a3) v *= 3;
  ASSERT_TRUE(g.add(1, 100, a3));
  ASSERT_TRUE(g.add(2, 200, b));
  ASSERT_TRUE(g.add(3, 200, c));
  EXPECT_EQ(g.size(), 3u);
  auto hits = g.search(a, 2);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].person_id, 100);
  EXPECT_NEAR(hits[0].score, 1.0f, 1e-5);
  EXPECT_EQ(hits[1].person_id, 200);

  EXPECT_FALSE(g.add(4, 1, std::vector<float>(63, 1.f)));  // wrong dim
  EXPECT_EQ(g.add(4, 1, std::vector<float>(64, 0.f)).error().code, "VALIDATION_ERROR");
  std::vector<float> nan(64, 1.f);
  nan[3] = std::nanf("");
  EXPECT_FALSE(g.add(4, 1, nan));
  EXPECT_EQ(g.size(), 3u);

  ASSERT_TRUE(g.add(1, 300, b));  // replace id 1: new person and vector
  EXPECT_EQ(g.size(), 3u);
  EXPECT_EQ(g.search(a, 1)[0].person_id == 100, false);
  EXPECT_EQ(g.embeddings_of(200).size(), 2u);
  EXPECT_EQ(g.remove_person(200), 2u);
  EXPECT_EQ(g.size(), 1u);
  EXPECT_FALSE(g.remove(2));
  EXPECT_TRUE(g.remove(1));
  EXPECT_EQ(g.size(), 0u);
  EXPECT_TRUE(g.search(a, 2).empty());

  // load() is all-or-nothing.
  ASSERT_TRUE(g.add(9, 9, a));
  std::vector<GalleryRecord> recs = {{1, 1, a}, {2, 2, std::vector<float>(5, 1.f)}};
  EXPECT_FALSE(g.load(recs));
  EXPECT_EQ(g.size(), 1u);
  EXPECT_TRUE(g.search(std::vector<float>(5, 1.f), 1).empty());  // bad query: no results
}

TEST(Gallery, RemoveKeepsRemainingRowsSearchable) {
  std::mt19937 rng(4);
  GalleryOptions opt;
  opt.dim = 32;
  Gallery g("e", opt);
  std::vector<std::vector<float>> v;
  for (int i = 0; i < 10000; ++i) {
    v.push_back(random_unit(rng, 32));
    ASSERT_TRUE(g.add(i, i, v.back()));
  }
  for (int i = 0; i < 10000; i += 3) ASSERT_TRUE(g.remove(i));
  for (int i = 0; i < 10000; i += 7) {
    auto hits = g.search(v[i], 1);
    ASSERT_EQ(hits.size(), 1u);
    if (i % 3 == 0) {
      EXPECT_NE(hits[0].person_id, i);
    } else {
      EXPECT_EQ(hits[0].person_id, i);
      EXPECT_NEAR(hits[0].score, 1.f, 1e-5);
    }
  }
}

TEST(Gallery, ConcurrentEnrolDeleteWhileSearching) {
  const size_t dim = 128;
  GalleryOptions opt;
  opt.dim = dim;
  Gallery g("e", opt);
  const auto c = stress(g, dim, 2, 2, SearchMode::Auto);
  EXPECT_EQ(c.failures, 0);
  EXPECT_GT(c.searches, 10);
  EXPECT_GT(c.writes, 100);
  // Internal consistency afterwards: every remaining id is findable by its own vector.
  EXPECT_EQ(g.embeddings_of(1'000'000).size(), 1u);
}

TEST(Gallery, HnswRecallAtOneVersusExact) {
  std::mt19937 rng(6);
  const size_t dim = 128, n = 20000;
  GalleryOptions opt;
  opt.dim = dim;
  opt.hnsw_above = 10000;
  opt.hnsw_ef_construction = 100;
  opt.hnsw_ef_search = 64;
  Gallery g("e", opt);
  std::vector<GalleryRecord> recs;
  for (size_t i = 0; i < n; ++i) recs.push_back({EmbeddingId(i), PersonId(i / 2), random_unit(rng, dim)});
  ASSERT_TRUE(g.load(recs));
  ASSERT_TRUE(g.using_hnsw());
  // Probes are noisy copies of enrolled embeddings (cosine ~0.7 to the source), like a new
  // photo of an enrolled person; uniform random probes have no meaningful neighbour.
  int agree = 0;
  const int queries = 500;
  std::normal_distribution<float> nd(0, 1.0f / std::sqrt(float(dim)));
  for (int t = 0; t < queries; ++t) {
    auto q = recs[rng() % n].vector;
    for (auto& v : q) v += nd(rng);
    auto exact = g.search(q, 1, SearchMode::Exact);
    auto approx = g.search(q, 1, SearchMode::Auto);
    ASSERT_FALSE(exact.empty());
    ASSERT_FALSE(approx.empty());
    agree += exact[0].person_id == approx[0].person_id;
  }
  const double recall = double(agree) / queries;
  RecordProperty("recall_at_1", std::to_string(recall));
  EXPECT_GE(recall, 0.95);

  // Deletes and updates reach the HNSW index too.
  const auto& v0 = recs[0].vector;
  EXPECT_EQ(g.search(v0, 1)[0].embedding_id, 0);
  ASSERT_TRUE(g.remove(0));
  EXPECT_NE(g.search(v0, 1)[0].embedding_id, 0);
  ASSERT_TRUE(g.add(0, 77777, v0));
  auto hit = g.search(v0, 1);
  EXPECT_EQ(hit[0].person_id, 77777);
  EXPECT_NEAR(hit[0].score, 1.f, 1e-4);
}

TEST(Gallery, Int8KernelMatchesScalar) {
  if (!int8_search_supported()) GTEST_SKIP() << "no AVX-512 VNNI";
  std::mt19937 rng(8);
  for (size_t dim : {1, 63, 64, 100, 512}) {
    const size_t n = 13;
    std::vector<uint8_t> q(dim);
    std::vector<int8_t> rows(n * dim);
    for (auto& v : q) v = uint8_t(rng());
    for (auto& v : rows) v = int8_t(rng());
    std::vector<int32_t> a(n), b(n);
    dot_rows_u8s8(true, q.data(), rows.data(), n, dim, a.data());
    dot_rows_u8s8(false, q.data(), rows.data(), n, dim, b.data());
    EXPECT_EQ(a, b) << dim;
  }
}

TEST(Gallery, Int8SearchMatchesExact) {
  if (!int8_search_supported()) GTEST_SKIP() << "no AVX-512 VNNI";
  std::mt19937 rng(9);
  const size_t dim = 512, n = 9001;
  GalleryOptions opt;
  opt.dim = dim;
  Gallery g("e", opt);
  ASSERT_TRUE(g.int8_enabled());  // on by default
  std::vector<GalleryRecord> recs;
  for (size_t i = 0; i < n; ++i) recs.push_back({EmbeddingId(i), PersonId(i / 3), random_unit(rng, dim)});
  ASSERT_TRUE(g.load(recs));
  // Exercise the incremental paths too: delete (swap-with-last re-quantises) and replace.
  for (EmbeddingId id = 0; id < 300; id += 3) ASSERT_TRUE(g.remove(id));
  ASSERT_TRUE(g.add(1, 99999, recs[5].vector));
  std::normal_distribution<float> nd(0, 1.0f / std::sqrt(float(dim)));
  const uint64_t rescored_before = g.rows_rescored();
  for (int t = 0; t < 200; ++t) {
    auto q = recs[300 + rng() % (n - 300)].vector;
    for (auto& v : q) v += (t % 2 ? 1.0f : 0.3f) * nd(rng);
    auto exact = g.search(q, 2, SearchMode::ExactFp32);
    auto fast = g.search(q, 2, SearchMode::Int8);
    ASSERT_EQ(fast.size(), 2u);
    for (size_t r = 0; r < 2; ++r) {
      EXPECT_EQ(exact[r].person_id, fast[r].person_id);
      EXPECT_EQ(exact[r].embedding_id, fast[r].embedding_id);
      EXPECT_EQ(exact[r].score, fast[r].score);
    }
    auto e1 = g.search_embeddings(q, 1, SearchMode::Int8);
    ASSERT_EQ(e1.size(), 1u);
    EXPECT_EQ(e1[0].person_id, fast[0].person_id);
  }
  // Well-separated data: the bound prunes all but a handful of rows per query.
  EXPECT_LT(g.rows_rescored() - rescored_before, 200u * 50u);
  auto hit = g.search(recs[5].vector, 2, SearchMode::Int8);
  EXPECT_NEAR(hit[0].score, 1.f, 1e-5);
  // Ids 1 and 5 hold the same vector: equal scores, so the lower person id ranks first.
  EXPECT_EQ(hit[0].person_id, 1);
  EXPECT_EQ(hit[1].person_id, 99999);
  EXPECT_EQ(hit[0].score, hit[1].score);
}

TEST(GallerySet, OneGalleryPerEmbedder) {
  GalleryOptions defaults;
  defaults.hnsw_above = 123;
  GallerySet set(defaults);
  EXPECT_EQ(set.get("fr_feature"), nullptr);
  auto a = set.get_or_create("fr_feature", 512);
  ASSERT_TRUE(a);
  EXPECT_EQ((*a)->dim(), 512u);
  auto again = set.get_or_create("fr_feature", 512);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->get(), a->get());
  auto wrong = set.get_or_create("fr_feature", 128);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, "VALIDATION_ERROR");
  ASSERT_TRUE(set.get_or_create("faceapi_resnet128", 128));
  EXPECT_EQ(set.embedder_ids().size(), 2u);
  EXPECT_TRUE(set.drop("fr_feature"));
  EXPECT_EQ(set.get("fr_feature"), nullptr);
  EXPECT_EQ((*a)->dim(), 512u);  // still usable by whoever holds it
}

TEST(Gallery, SearchesStayCorrectWhileHnswIsBuilt) {
  std::mt19937 rng(10);
  const size_t dim = 64;
  GalleryOptions opt;
  opt.dim = dim;
  opt.hnsw_above = 3000;
  opt.hnsw_ef_construction = 64;
  Gallery g("e", opt);
  std::vector<std::vector<float>> anchors;
  for (int i = 0; i < 20; ++i) {
    anchors.push_back(random_unit(rng, dim));
    ASSERT_TRUE(g.add(1'000'000 + i, 1'000'000 + i, anchors.back()));
  }
  std::atomic<bool> stop{false};
  std::atomic<long> failures{0}, searches{0};
  std::thread reader([&] {
    std::mt19937 r(11);
    while (!stop) {
      const int a = int(r() % anchors.size());
      auto hits = g.search(anchors[a], 1);
      if (hits.empty() || hits[0].person_id != 1'000'000 + a) ++failures;
      ++searches;
    }
  });
  // The add that crosses 3000 builds the index while the reader keeps searching.
  for (int i = 0; i < 4000; ++i) ASSERT_TRUE(g.add(i, i, random_unit(rng, dim)));
  stop = true;
  reader.join();
  EXPECT_TRUE(g.using_hnsw());
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(searches.load(), 0);
}

// ---------------------------------------------------------------------------------------
// Exactness of the bounded int8 search: property tests against a plain brute force.

namespace {

// The gallery's own normalisation (Gallery::normalise_into), so that the brute force scores
// the very floats the gallery stores.
std::vector<float> normalised(const std::vector<float>& in) {
  double ss = 0;
  for (float v : in) ss += double(v) * v;
  const float inv = static_cast<float>(1.0 / std::sqrt(ss));
  std::vector<float> out(in.size());
  for (size_t i = 0; i < in.size(); ++i) out[i] = in[i] * inv;
  return out;
}

// Brute force: every row scored on its own with dot_rows(kernel, one row) (whose per-row
// result does not depend on the rows around it: KernelsMatchReferenceDotProducts), best row
// per person, ties by the documented rules (lower person id, then lower embedding id).
struct Brute {
  SimdKernel kernel;
  size_t dim;
  std::map<EmbeddingId, std::pair<PersonId, std::vector<float>>> rows;  // normalised

  void add(EmbeddingId id, PersonId p, const std::vector<float>& v) { rows[id] = {p, normalised(v)}; }
  std::vector<EmbeddingHit> all(const std::vector<float>& query) const {
    const auto q = normalised(query);
    std::vector<EmbeddingHit> out;
    for (const auto& [id, pv] : rows) {
      float s = 0;
      dot_rows(kernel, q.data(), pv.second.data(), 1, dim, &s);
      out.push_back({id, pv.first, s});
    }
    return out;
  }
  std::vector<EmbeddingHit> embeddings(const std::vector<float>& q, size_t k) const {
    auto out = all(q);
    std::sort(out.begin(), out.end(), [](const EmbeddingHit& a, const EmbeddingHit& b) {
      return a.score != b.score ? a.score > b.score : a.embedding_id < b.embedding_id;
    });
    if (out.size() > k) out.resize(k);
    return out;
  }
  std::vector<PersonHit> persons(const std::vector<float>& q, size_t k) const {
    std::map<PersonId, PersonHit> best;
    for (const auto& h : all(q)) {
      auto [it, fresh] = best.emplace(h.person_id, PersonHit{h.person_id, h.score, h.embedding_id});
      if (!fresh && (h.score > it->second.score || (h.score == it->second.score && h.embedding_id < it->second.embedding_id)))
        it->second = {h.person_id, h.score, h.embedding_id};
    }
    std::vector<PersonHit> out;
    for (const auto& kv : best) out.push_back(kv.second);
    std::sort(out.begin(), out.end(), [](const PersonHit& a, const PersonHit& b) {
      return a.score != b.score ? a.score > b.score : a.person_id < b.person_id;
    });
    if (out.size() > k) out.resize(k);
    return out;
  }
};

// Same persons/rows, same embedding ids, same float scores, same order.
template <class Hit>
::testing::AssertionResult same(const std::vector<Hit>& got, const std::vector<Hit>& want) {
  if (got.size() != want.size())
    return ::testing::AssertionFailure() << "size " << got.size() << " != " << want.size();
  for (size_t r = 0; r < got.size(); ++r)
    if (got[r].person_id != want[r].person_id || got[r].embedding_id != want[r].embedding_id ||
        got[r].score != want[r].score)
      return ::testing::AssertionFailure()
             << "rank " << r << ": got person " << got[r].person_id << " emb " << got[r].embedding_id << " score "
             << got[r].score << ", want person " << want[r].person_id << " emb " << want[r].embedding_id
             << " score " << want[r].score;
  return ::testing::AssertionSuccess();
}

// The int8 path at every size, and with threads > 1 the pool at every size too.
GalleryOptions int8_options(size_t dim, size_t threads, SimdKernel kernel = SimdKernel::Auto) {
  GalleryOptions opt;
  opt.dim = dim;
  opt.kernel = kernel;
  opt.int8_above = 0;
  opt.search_threads = threads;
  opt.parallel_above = 0;
  return opt;
}

std::vector<float> scaled(std::vector<float> v, float f) {
  for (auto& x : v) x *= f;
  return v;
}

std::vector<float> plus_noise(std::mt19937& rng, const std::vector<float>& v, float sigma) {
  std::normal_distribution<float> nd(0, sigma);
  auto out = v;
  for (auto& x : out) x += nd(rng);
  return out;
}

// Random: unit vectors, random persons. Clustered: 8 tight clusters of many persons.
// NearTies: see below. Persons: 8 photos per person around the person's own centre (the
// real use case): the best rows of a query all belong to one person, so the k-th best
// person lies far below the k-th best row.
enum class Shape { Random, Clustered, NearTies, Persons };
const char* name(Shape s) {
  switch (s) {
    case Shape::Random: return "random";
    case Shape::Clustered: return "clustered";
    case Shape::NearTies: return "near-ties";
    default: return "persons";
  }
}

// A gallery and its brute force, filled with `n` rows of a given shape, plus queries.
struct Case {
  Brute brute;
  std::vector<GalleryRecord> recs;
  std::vector<std::vector<float>> queries;
};

Case make_case(std::mt19937& rng, Shape shape, size_t dim, size_t n, bool unit, SimdKernel kernel) {
  Case c{{kernel, dim, {}}, {}, {}};
  std::uniform_real_distribution<float> mag(-3, 3);  // non-unit inputs: 1e-3 .. 1e3 x
  auto input = [&](std::vector<float> v) { return unit ? v : scaled(std::move(v), std::pow(10.0f, mag(rng))); };
  const size_t persons = std::max<size_t>(n / 3, 1);
  std::vector<std::vector<float>> centres;
  for (int i = 0; i < 8; ++i) centres.push_back(random_unit(rng, dim));
  const auto best = random_unit(rng, dim);  // the near-tie target
  std::vector<std::vector<float>> faces;    // Shape::Persons: one centre per person
  for (size_t i = 0; shape == Shape::Persons && i < n / 8 + 1; ++i) faces.push_back(random_unit(rng, dim));
  for (size_t i = 0; i < n; ++i) {
    std::vector<float> v;
    PersonId p = PersonId(rng() % persons);
    switch (shape) {
      case Shape::Persons:
        p = PersonId(i / 8);
        v = plus_noise(rng, faces[i / 8], 0.3f / std::sqrt(float(dim)));
        break;
      case Shape::Random: v = random_unit(rng, dim); break;
      case Shape::Clustered:  // 8 tight clusters: whole clusters sit inside the bound
        v = plus_noise(rng, centres[rng() % centres.size()], 0.05f / std::sqrt(float(dim)));
        break;
      case Shape::NearTies:
        // A third of the rows score within ~1e-4 of the best against `best`, some exactly
        // tie (duplicates, within and across persons), some are spiky (one large value:
        // most int8 values round to 0, the residual carries the rest).
        if (i % 3 == 0) {
          v = plus_noise(rng, best, 1e-2f / std::sqrt(float(dim)));
        } else if (i % 3 == 1 && i % 7 == 1) {
          v = best;
        } else if (i % 11 == 2) {
          v = plus_noise(rng, std::vector<float>(dim, 0.f), 1e-3f);
          v[rng() % dim] = 1;
        } else {
          v = random_unit(rng, dim);
        }
        break;
    }
    v = input(std::move(v));
    const auto id = EmbeddingId(i * 7 + 3);
    c.recs.push_back({id, p, v});
    c.brute.add(id, p, v);
  }
  for (int t = 0; t < 8; ++t) {
    const auto& src = c.recs[rng() % n].vector;
    switch (t % 4) {
      case 0: c.queries.push_back(src); break;  // an enrolled vector: ties with its duplicates
      case 1: c.queries.push_back(plus_noise(rng, normalised(src), 0.5f / std::sqrt(float(dim)))); break;
      case 2: c.queries.push_back(random_unit(rng, dim)); break;
      default: c.queries.push_back(shape == Shape::NearTies ? best : plus_noise(rng, normalised(src), 0.05f)); break;
    }
    if (!unit) c.queries.back() = scaled(c.queries.back(), 37.f);
  }
  return c;
}

}  // namespace

TEST(Gallery, ExactSearchEqualsBruteForceProperty) {
  if (!int8_search_supported()) GTEST_SKIP() << "no AVX-512 VNNI";
  std::mt19937 rng(21);
  int compared = 0;
  for (size_t dim : {128, 512}) {
    for (Shape shape : {Shape::Random, Shape::Clustered, Shape::NearTies, Shape::Persons}) {
      for (bool unit : {true, false}) {
        const size_t n = 2000 + rng() % 5000;  // ragged: several 1024-row units and 256-row blocks
        Case c = make_case(rng, shape, dim, n, unit, best_simd_kernel());
        for (size_t threads : {1, 3}) {
          Gallery g("e", int8_options(dim, threads));
          ASSERT_TRUE(g.load(c.recs));
          for (const auto& q : c.queries) {
            for (size_t k : {size_t(1), size_t(3), size_t(10)}) {
              const std::string what = std::string(name(shape)) + " dim " + std::to_string(dim) +
                                       (unit ? " unit" : " non-unit") + " threads " + std::to_string(threads) +
                                       " k " + std::to_string(k);
              const auto want = c.brute.persons(q, k);
              EXPECT_TRUE(same(g.search(q, k, SearchMode::Exact), want)) << what;
              EXPECT_TRUE(same(g.search(q, k, SearchMode::ExactFp32), want)) << what << " (fp32)";
              EXPECT_TRUE(same(g.search_embeddings(q, k, SearchMode::Exact), c.brute.embeddings(q, k))) << what;
              ++compared;
            }
          }
          // Scores are the cosine similarity (checked in double for the top hit).
          const auto& q = c.queries[1];
          const auto top = g.search(q, 1, SearchMode::Exact);
          const auto qn = normalised(q);
          const auto& rv = c.brute.rows.at(top[0].embedding_id).second;
          double ref = 0;
          for (size_t j = 0; j < dim; ++j) ref += double(qn[j]) * rv[j];
          EXPECT_NEAR(top[0].score, ref, 1e-5);
        }
      }
    }
  }
  EXPECT_EQ(compared, 2 * 4 * 2 * 2 * 8 * 3);
}

TEST(Gallery, ExactSearchNearTiesEveryKernel) {
  if (!int8_search_supported()) GTEST_SKIP() << "no AVX-512 VNNI";
  // Many rows within 1e-4 of the best (all inside the int8 error bound), exact duplicates
  // across and within persons: the int8 path must re-score them all and break ties exactly
  // like the reference, for each fp32 kernel it re-scores with.
  std::mt19937 rng(22);
  for (auto kernel : kernels()) {
    Case c = make_case(rng, Shape::NearTies, 512, 4099, true, kernel);
    Gallery g("e", int8_options(512, 2, kernel));
    ASSERT_TRUE(g.load(c.recs));
    for (const auto& q : c.queries) {
      const auto want = c.brute.persons(q, 5);
      EXPECT_TRUE(same(g.search(q, 5, SearchMode::Exact), want)) << to_string(kernel);
      EXPECT_TRUE(same(g.search(q, 5, SearchMode::ExactFp32), want)) << to_string(kernel);
      EXPECT_TRUE(same(g.search_embeddings(q, 7, SearchMode::Exact), c.brute.embeddings(q, 7))) << to_string(kernel);
    }
    // The near-tie query really has a crowd within 1e-4 of the best.
    const auto all = c.brute.embeddings(c.queries[3], 1000000);
    size_t within = 0;
    for (const auto& h : all) within += h.score >= all[0].score - 1e-4f;
    EXPECT_GT(within, 100u);
  }
}

TEST(Gallery, ExactSearchDegenerateCases) {
  if (!int8_search_supported()) GTEST_SKIP() << "no AVX-512 VNNI";
  std::mt19937 rng(23);
  const size_t dim = 128;
  Gallery g("e", int8_options(dim, 2));
  const auto q = random_unit(rng, dim);
  // Empty gallery, every mode.
  for (auto mode : {SearchMode::Auto, SearchMode::Exact, SearchMode::Int8, SearchMode::ExactFp32}) {
    EXPECT_TRUE(g.search(q, 3, mode).empty());
    EXPECT_TRUE(g.search_embeddings(q, 3, mode).empty());
  }
  // Zero vectors never get in (and a zero query returns nothing).
  EXPECT_FALSE(g.add(1, 1, std::vector<float>(dim, 0.f)));
  ASSERT_TRUE(g.add(1, 1, random_unit(rng, dim)));
  EXPECT_TRUE(g.search(std::vector<float>(dim, 0.f), 1, SearchMode::Exact).empty());
  EXPECT_EQ(g.search(q, 0, SearchMode::Exact).size(), 0u);

  // k larger than the number of persons: every person, in order; one-hot and spiky rows.
  Brute brute{g.kernel(), dim, {}};
  std::vector<GalleryRecord> recs;
  for (int i = 0; i < 40; ++i) {
    std::vector<float> v(dim, 0.f);
    if (i % 4 == 0) {
      v[size_t(i) % dim] = 1;  // one-hot: quantises exactly
    } else if (i % 4 == 1) {
      v = random_unit(rng, dim);
      v[0] = 1e4f;  // spiky
    } else {
      v = random_unit(rng, dim);
    }
    recs.push_back({EmbeddingId(100 + i), PersonId(i % 13), v});
    brute.add(100 + i, i % 13, v);
  }
  ASSERT_TRUE(g.load(recs));
  std::vector<float> onehot(dim, 0.f);
  onehot[0] = 2;
  for (const auto& query : {q, onehot}) {
    const auto want = brute.persons(query, 100);
    ASSERT_EQ(want.size(), 13u);
    EXPECT_TRUE(same(g.search(query, 100, SearchMode::Exact), want));
    EXPECT_TRUE(same(g.search(query, 100, SearchMode::ExactFp32), want));
    EXPECT_TRUE(same(g.search_embeddings(query, 100, SearchMode::Exact), brute.embeddings(query, 100)));
  }
  // All rows identical: every score ties; persons by id, each with its lowest embedding id.
  std::vector<GalleryRecord> same_rows;
  for (int i = 0; i < 3000; ++i) same_rows.push_back({EmbeddingId(5000 - i), PersonId(i % 17), onehot});
  ASSERT_TRUE(g.load(same_rows));
  const auto hits = g.search(onehot, 3, SearchMode::Exact);
  ASSERT_EQ(hits.size(), 3u);
  for (size_t r = 0; r < 3; ++r) {
    EXPECT_EQ(hits[r].person_id, PersonId(r));
    EXPECT_EQ(hits[r].score, 1.f);
  }
  // Person 0 holds rows i = 0, 17, ..., 2992: its lowest embedding id is 5000 - 2992.
  EXPECT_EQ(hits[0].embedding_id, 5000 - 2992);
}

TEST(Gallery, ExactModeUsesInt8ThresholdAndThreads) {
  if (!int8_search_supported()) GTEST_SKIP() << "no AVX-512 VNNI";
  std::mt19937 rng(24);
  GalleryOptions opt;
  opt.dim = 64;
  opt.int8_above = 1000;
  opt.search_threads = 4;
  Gallery g("e", opt);
  EXPECT_EQ(g.search_threads(), 4u);
  g.set_search_threads(2);
  EXPECT_EQ(g.search_threads(), 2u);
  g.set_search_threads(99);
  EXPECT_EQ(g.search_threads(), 4u);
  g.set_search_threads(0);
  EXPECT_EQ(g.search_threads(), 4u);
  for (int i = 0; i < 999; ++i) ASSERT_TRUE(g.add(i, i, random_unit(rng, 64)));
  const auto q = random_unit(rng, 64);
  (void)g.search(q, 1, SearchMode::Exact);
  EXPECT_EQ(g.rows_rescored(), 0u);  // below int8_above: fp32
  ASSERT_TRUE(g.add(999, 999, random_unit(rng, 64)));
  (void)g.search(q, 1, SearchMode::Exact);
  EXPECT_GT(g.rows_rescored(), 0u);  // int8 + re-scoring
  const auto before = g.rows_rescored();
  (void)g.search(q, 1, SearchMode::ExactFp32);
  EXPECT_EQ(g.rows_rescored(), before);

  GalleryOptions off = opt;
  off.int8_index = false;
  Gallery plain("e", off);
  EXPECT_FALSE(plain.int8_enabled());
}

TEST(Gallery, ParallelInt8SearchWithConcurrentWriters) {
  if (!int8_search_supported()) GTEST_SKIP() << "no AVX-512 VNNI";
  std::mt19937 rng(25);
  const size_t dim = 128;
  Gallery g("e", int8_options(dim, 2));
  for (int i = 0; i < 5000; ++i) ASSERT_TRUE(g.add(2'000'000 + i, 2'000'000 + i % 700, random_unit(rng, dim)));
  // One writer; two searchers share the pool (or, while the other holds it, scan alone).
  const auto c = stress(g, dim, 1, 2, SearchMode::Exact);
  EXPECT_EQ(c.failures, 0);
  EXPECT_GT(c.searches, 10);
  EXPECT_GT(c.writes, 100);
  // Quiescent again: the parallel int8 path equals the fp32 reference on what is left.
  for (int t = 0; t < 20; ++t) {
    const auto q = random_unit(rng, dim);
    EXPECT_TRUE(same(g.search(q, 5, SearchMode::Exact), g.search(q, 5, SearchMode::ExactFp32)));
    EXPECT_TRUE(same(g.search_embeddings(q, 5, SearchMode::Exact), g.search_embeddings(q, 5, SearchMode::ExactFp32)));
  }
}

TEST(Gallery, Int8BoundHoldsForAdversarialPairs) {
  if (!int8_search_supported()) GTEST_SKIP() << "no AVX-512 VNNI";
  // The error of the int8 estimate is largest when the query points along the row's
  // quantisation residual (q.r_x = |q||r_x|), or the row along the query's. Those pairs,
  // and random and non-unit ones: the fp32 kernel's score must lie within [lo, hi], and the
  // worst error must come close to the bound (it is not vacuous).
  std::mt19937 rng(26);
  auto residual_dir = [](const std::vector<float>& v) {
    float maxabs = 0;
    for (float x : v) maxabs = std::max(maxabs, std::abs(x));
    const float s = maxabs / 127.0f, inv = 127.0f / maxabs;
    std::vector<float> r(v.size());
    for (size_t j = 0; j < v.size(); ++j) r[j] = v[j] - s * float(std::lrintf(v[j] * inv));
    return normalised(r);
  };
  double worst = 0;
  int checked = 0;
  for (size_t dim : {16, 128, 512, 700}) {
    for (int t = 0; t < 300; ++t) {
      const auto x = random_unit(rng, dim);
      std::vector<float> q;
      std::vector<float> row = x;
      const float w = std::uniform_real_distribution<float>(0, 4)(rng);
      switch (t % 5) {
        case 0: q = random_unit(rng, dim); break;
        case 1: {  // q along x's residual, plus some of x
          const auto r = residual_dir(x);
          q = x;
          for (size_t j = 0; j < dim; ++j) q[j] = q[j] * (1 - w / 4) + w * r[j];
          q = normalised(q);
          break;
        }
        case 2: {  // the row along the query's residual
          q = random_unit(rng, dim);
          const auto r = residual_dir(q);
          for (size_t j = 0; j < dim; ++j) row[j] = q[j] * (1 - w / 4) + w * r[j];
          row = normalised(row);
          break;
        }
        case 3:
          q = residual_dir(x);
          row = residual_dir(q);
          break;
        default:  // not unit: the bound uses the true norms
          q = scaled(random_unit(rng, dim), 3.f);
          row = scaled(x, 0.25f);
          break;
      }
      float s = 0;
      dot_rows(best_simd_kernel(), q.data(), row.data(), 1, dim, &s);
      const auto e = int8_estimate(q, row);
      ASSERT_LE(e.lo, s) << "dim " << dim << " case " << t % 5;
      ASSERT_GE(e.hi, s) << "dim " << dim << " case " << t % 5;
      const double half = (double(e.hi) - e.lo) / 2, mid = (double(e.hi) + e.lo) / 2;
      worst = std::max(worst, std::abs(s - mid) / half);
      ++checked;
    }
  }
  RecordProperty("worst_error_over_bound", std::to_string(worst));
  EXPECT_GT(worst, 0.5) << "the bound is far looser than the worst case found";
  EXPECT_EQ(checked, 1200);
}
