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

}  // namespace

TEST(Gallery, KernelsMatchReferenceDotProducts) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> ud(-1, 1);
  for (size_t dim : {1, 7, 16, 100, 128, 512, 513}) {
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
  std::mt19937 rng(5);
  const size_t dim = 128;
  GalleryOptions opt;
  opt.dim = dim;
  Gallery g("e", opt);
  // Anchors are never touched by the writers: every search for one must find it.
  std::vector<std::vector<float>> anchors;
  for (int i = 0; i < 50; ++i) {
    anchors.push_back(random_unit(rng, dim));
    ASSERT_TRUE(g.add(1'000'000 + i, 1'000'000 + i, anchors.back()));
  }
  std::atomic<bool> stop{false};
  std::atomic<long> searches{0}, failures{0}, writes{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < 2; ++w)
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
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&, t] {
      std::mt19937 r(200 + t);
      while (!stop) {
        const int a = int(r() % anchors.size());
        auto hits = g.search(anchors[a], 3);
        if (hits.empty() || hits[0].person_id != 1'000'000 + a || std::abs(hits[0].score - 1.f) > 1e-4) ++failures;
        for (size_t i = 1; i < hits.size(); ++i)
          if (hits[i].score > hits[i - 1].score || hits[i].person_id == hits[i - 1].person_id) ++failures;
        ++searches;
      }
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(searches.load(), 10);
  EXPECT_GT(writes.load(), 100);
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
  opt.int8_index = true;
  Gallery g("e", opt);
  std::vector<GalleryRecord> recs;
  for (size_t i = 0; i < n; ++i) recs.push_back({EmbeddingId(i), PersonId(i / 3), random_unit(rng, dim)});
  ASSERT_TRUE(g.load(recs));
  // Exercise the incremental paths too: delete (swap-with-last re-quantises) and replace.
  for (EmbeddingId id = 0; id < 300; id += 3) ASSERT_TRUE(g.remove(id));
  ASSERT_TRUE(g.add(1, 99999, recs[5].vector));
  std::normal_distribution<float> nd(0, 1.0f / std::sqrt(float(dim)));
  int same = 0;
  for (int t = 0; t < 200; ++t) {
    auto q = recs[300 + rng() % (n - 300)].vector;
    for (auto& v : q) v += (t % 2 ? 1.0f : 0.3f) * nd(rng);
    auto exact = g.search(q, 2, SearchMode::Exact);
    auto fast = g.search(q, 2, SearchMode::Int8);
    ASSERT_EQ(fast.size(), 2u);
    same += exact[0].person_id == fast[0].person_id;
    EXPECT_NEAR(exact[0].score, fast[0].score, 1e-5);
    auto e1 = g.search_embeddings(q, 1, SearchMode::Int8);
    ASSERT_EQ(e1.size(), 1u);
    EXPECT_EQ(e1[0].person_id, fast[0].person_id);
  }
  EXPECT_EQ(same, 200);
  auto hit = g.search(recs[5].vector, 2, SearchMode::Int8);
  EXPECT_NEAR(hit[0].score, 1.f, 1e-5);
  EXPECT_TRUE(hit[0].person_id == 99999 || hit[0].person_id == 1);  // id 1 and 5 hold the same vector
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
