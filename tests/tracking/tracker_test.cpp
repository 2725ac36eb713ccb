#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "tracking/assignment.h"
#include "tracking/kalman.h"
#include "tracking/tracker.h"

using namespace argus;

TEST(Assignment, FindsMinimumCostNotGreedy) {
  // Greedy would take (0,0)=1 and then (1,1)=10; optimum is (0,1)+(1,0) = 2+2.
  std::vector<std::vector<float>> c = {{1, 2}, {2, 10}};
  auto a = solve_assignment(c, 2, 100);
  ASSERT_EQ(a.matches.size(), 2u);
  EXPECT_EQ(a.matches[0], std::make_pair(0, 1));
  EXPECT_EQ(a.matches[1], std::make_pair(1, 0));
}

TEST(Assignment, RectangularAndGated) {
  std::vector<std::vector<float>> c = {{0.1f, 0.9f, 0.5f}};
  auto a = solve_assignment(c, 3, 0.4f);
  ASSERT_EQ(a.matches.size(), 1u);
  EXPECT_EQ(a.matches[0], std::make_pair(0, 0));
  EXPECT_EQ(a.unmatched_cols, (std::vector<int>{1, 2}));
  auto gated = solve_assignment({{0.9f}, {0.8f}}, 1, 0.5f);
  EXPECT_TRUE(gated.matches.empty());
  EXPECT_EQ(gated.unmatched_rows.size(), 2u);
  auto empty = solve_assignment({}, 2, 1.f);
  EXPECT_EQ(empty.unmatched_cols.size(), 2u);
}

TEST(Kalman, LearnsConstantVelocity) {
  KalmanBoxFilter kf(RectF{0, 0, 40, 40});
  for (int i = 1; i <= 20; ++i) {
    kf.predict();
    kf.update(RectF{i * 5.f, 0, 40, 40});
  }
  kf.predict();  // one step ahead without a measurement
  auto b = kf.box();
  EXPECT_NEAR(b.x, 105.f, 2.f);
  EXPECT_NEAR(b.w, 40.f, 1.f);
  EXPECT_LT(kf.gating_distance(RectF{105, 0, 40, 40}), kf.gating_distance(RectF{300, 200, 40, 40}));
}

namespace {
Detection det(float x, float y, float s = 0.9f, std::vector<float> emb = {}, float q = 0.8f) {
  return Detection{RectF{x, y, 50, 60}, s, std::move(emb), q};
}
TrackerConfig quick() {
  TrackerConfig c;
  c.min_hits = 2;
  c.max_lost = 10;
  return c;
}
}  // namespace

TEST(Tracker, StableIdsUnderNoise) {
  Tracker t(quick());
  std::mt19937 rng(7);
  std::normal_distribution<float> noise(0, 2.f);
  std::set<uint64_t> ids_a, ids_b;
  int started = 0;
  for (int f = 0; f < 100; ++f) {
    std::vector<Detection> d = {det(100 + f * 3 + noise(rng), 100 + noise(rng)),
                                det(500 - f * 2 + noise(rng), 300 + noise(rng))};
    auto out = t.update(d, f * 100);
    for (auto& e : out.events) started += e.type == TrackEvent::Type::kStarted;
    if (f >= 1) {
      ids_a.insert(out.detections[0].track_id);
      ids_b.insert(out.detections[1].track_id);
    }
  }
  EXPECT_EQ(started, 2);
  ASSERT_EQ(ids_a.size(), 1u);
  ASSERT_EQ(ids_b.size(), 1u);
  EXPECT_NE(*ids_a.begin(), *ids_b.begin());
  EXPECT_NE(*ids_a.begin(), 0u);
}

TEST(Tracker, TentativeUntilMinHits) {
  Tracker t(quick());
  auto o1 = t.update({det(10, 10)}, 0);
  EXPECT_EQ(o1.detections[0].track_id, 0u);
  EXPECT_FALSE(o1.detections[0].confirmed);
  auto o2 = t.update({det(12, 10)}, 100);
  EXPECT_TRUE(o2.detections[0].confirmed);
  EXPECT_EQ(o2.detections[0].track_id, 1u);
  // A one-frame false positive never becomes a track (and never costs an id).
  t.update({det(12, 10), det(600, 400)}, 200);
  auto o4 = t.update({det(14, 10)}, 300);
  EXPECT_EQ(o4.detections[0].track_id, 1u);
  EXPECT_EQ(t.active_tracks(), 1u);
}

TEST(Tracker, CrossingTargetsKeepIdsWithKalman) {
  // Two faces walk through each other with a vertical offset; IoU alone against the last
  // box would swap them, the constant-velocity prediction does not.
  TrackerConfig cfg = quick();
  cfg.appearance_weight = 0;
  Tracker t(cfg);
  uint64_t left_id = 0, right_id = 0;
  for (int f = 0; f < 60; ++f) {
    float xa = 100 + f * 10, xb = 700 - f * 10;
    auto out = t.update({det(xa, 200), det(xb, 230)}, f * 100);
    if (f == 5) {
      left_id = out.detections[0].track_id;
      right_id = out.detections[1].track_id;
      ASSERT_NE(left_id, right_id);
    }
    if (f > 5) {
      EXPECT_EQ(out.detections[0].track_id, left_id) << "frame " << f;
      EXPECT_EQ(out.detections[1].track_id, right_id) << "frame " << f;
    }
  }
}

TEST(Tracker, CrossingTargetsKeepIdsWithAppearance) {
  // Same row, full overlap at the crossing: only appearance can tell them apart.
  Tracker t(quick());
  std::vector<float> ea = {1, 0, 0, 0}, eb = {0, 1, 0, 0};
  uint64_t a_id = 0, b_id = 0;
  for (int f = 0; f < 40; ++f) {
    float xa = 100 + f * 8, xb = 420 - f * 8;
    auto out = t.update({det(xb, 200, 0.9f, eb), det(xa, 200, 0.9f, ea)}, f * 100);
    if (f == 3) {
      b_id = out.detections[0].track_id;
      a_id = out.detections[1].track_id;
    }
    if (f > 3) {
      EXPECT_EQ(out.detections[0].track_id, b_id) << "frame " << f;
      EXPECT_EQ(out.detections[1].track_id, a_id) << "frame " << f;
    }
  }
}

TEST(Tracker, SurvivesOcclusionGapAndEndsAfterMaxLost) {
  Tracker t(quick());
  uint64_t id = 0;
  int ended = 0;
  for (int f = 0; f < 40; ++f) {
    float x = 100 + f * 6;
    bool occluded = f >= 15 && f < 22;  // 7 frames hidden, max_lost is 10
    auto out = t.update(occluded ? std::vector<Detection>{} : std::vector<Detection>{det(x, 100)}, f * 100);
    for (auto& e : out.events) ended += e.type == TrackEvent::Type::kEnded;
    if (f == 5) id = out.detections[0].track_id;
    if (f >= 22) {
      ASSERT_EQ(out.detections[0].track_id, id) << "frame " << f;
    }
  }
  EXPECT_EQ(ended, 0);
  for (int f = 40; f < 52; ++f)
    for (auto& e : t.update({}, f * 100).events) ended += e.type == TrackEvent::Type::kEnded;
  EXPECT_EQ(ended, 1);
  EXPECT_EQ(t.active_tracks(), 0u);
}

TEST(Tracker, LowScoreDetectionsKeepTrackAlive) {
  Tracker t(quick());
  t.update({det(100, 100)}, 0);
  auto o = t.update({det(104, 100)}, 100);
  uint64_t id = o.detections[0].track_id;
  // Score 0.3: below high_score and new_track_score; stage 2 still matches it by IoU.
  auto low = t.update({det(108, 100, 0.3f)}, 200);
  EXPECT_EQ(low.detections[0].track_id, id);
  // A low-score detection far away starts nothing.
  auto far = t.update({det(108, 100), det(900, 900, 0.3f)}, 300);
  EXPECT_EQ(far.detections[1].track_id, 0u);
}

TEST(Tracker, IdentityVoteRecognisesOnceAndRechecksOnBetterQuality) {
  int calls = 0;
  std::vector<float> alice = {1, 0, 0}, bob = {0, 1, 0};
  IdentityMatcher matcher = [&](const std::vector<float>& e) -> std::optional<IdentityMatch> {
    ++calls;
    if (e[0] > 0.9f) return IdentityMatch{7, 0.8f, "alice"};
    if (e[1] > 0.9f) return IdentityMatch{8, 0.9f, "bob"};
    return std::nullopt;
  };
  TrackerConfig cfg = quick();
  cfg.appearance_weight = 0;  // the embedding changes on purpose below
  Tracker t(cfg, matcher);
  std::vector<TrackEvent> events;
  auto run = [&](const std::vector<float>& e, float q, int f) {
    auto out = t.update({det(100 + f, 100, 0.9f, e, q)}, f * 100);
    events.insert(events.end(), out.events.begin(), out.events.end());
    return out;
  };
  run(alice, 0.5f, 0);
  auto o = run(alice, 0.5f, 1);  // confirmed -> first check
  EXPECT_EQ(calls, 1);
  ASSERT_TRUE(o.detections[0].identity);
  EXPECT_EQ(o.detections[0].identity->person_id, 7);
  for (int f = 2; f < 10; ++f) run(alice, 0.5f, f);  // same quality: no more gallery lookups
  EXPECT_EQ(calls, 1);
  // Better face -> re-check; an unknown answer does not take the identity away.
  std::vector<float> blurry = {0.5f, 0.5f, 0};
  o = run(blurry, 0.7f, 10);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(o.detections[0].identity->person_id, 7);
  // Clearly better faces of bob outvote alice: identity_changed.
  run(bob, 0.8f, 11);
  o = run(bob, 0.9f, 12);
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(o.detections[0].identity->person_id, 8);
  // Low-quality faces are never sent to the matcher.
  run(bob, 0.1f, 13);
  EXPECT_EQ(calls, 4);
  std::vector<TrackEvent::Type> types;
  for (auto& e : events) types.push_back(e.type);
  EXPECT_EQ(types, (std::vector<TrackEvent::Type>{TrackEvent::Type::kStarted, TrackEvent::Type::kIdentityAssigned,
                                                  TrackEvent::Type::kIdentityChanged}));
  EXPECT_EQ(events.back().previous_identity->person_id, 7);
  auto flushed = t.flush(2000);
  ASSERT_EQ(flushed.size(), 1u);
  EXPECT_EQ(flushed[0].type, TrackEvent::Type::kEnded);
  EXPECT_EQ(flushed[0].identity->person_id, 8);
  EXPECT_NEAR(flushed[0].best_quality, 0.9f, 1e-6);
  EXPECT_EQ(flushed[0].best_embedding, bob);
}

namespace {
// A gallery the test edits: who is enrolled, and a generation bumped on every change (as
// RecognitionService does).
struct FakeGallery {
  std::map<PersonId, std::vector<float>> people;
  uint64_t generation = 1;
  int calls = 0;
  IdentityMatcher matcher() {
    return IdentityMatcher(
        [this](const std::vector<float>& e) -> std::optional<IdentityMatch> {
          ++calls;
          for (const auto& [pid, v] : people)
            if (cosine_distance(v, e) < 0.1f) return IdentityMatch{pid, 0.8f, "person" + std::to_string(pid)};
          return std::nullopt;
        },
        [this] { return generation; });
  }
};
std::vector<TrackEvent::Type> types_of(const std::vector<TrackEvent>& events) {
  std::vector<TrackEvent::Type> out;
  for (const auto& e : events) out.push_back(e.type);
  return out;
}
}  // namespace

TEST(Tracker, ReidentifiesOpenTracksWhenTheGalleryChanges) {
  FakeGallery gallery;
  std::vector<float> alice = {1, 0, 0};
  TrackerConfig cfg = quick();
  cfg.max_identity_checks = 1;  // re-identification is not limited by it
  Tracker t(cfg, gallery.matcher());
  std::vector<TrackEvent> events;
  TrackerOutput o;
  auto run = [&](int f, bool seen = true) {
    std::vector<Detection> d;
    if (seen) d.push_back(det(100 + f, 100, 0.9f, alice, 0.6f));
    o = t.update(d, f * 100);
    events.insert(events.end(), o.events.begin(), o.events.end());
  };
  // Alice walks in before she is enrolled: unknown, checked once, then left alone.
  for (int f = 0; f < 6; ++f) run(f);
  EXPECT_EQ(gallery.calls, 1);
  EXPECT_FALSE(o.detections[0].identity);
  EXPECT_EQ(types_of(events), (std::vector<TrackEvent::Type>{TrackEvent::Type::kStarted}));
  // Frames without a gallery change cost no lookups.
  for (int f = 6; f < 9; ++f) run(f);
  EXPECT_EQ(gallery.calls, 1);

  // The operator enrols her: the very next analysed frame names the open track.
  gallery.people[7] = alice;
  ++gallery.generation;
  run(9);
  ASSERT_TRUE(o.detections[0].identity);
  EXPECT_EQ(o.detections[0].identity->person_id, 7);
  EXPECT_EQ(o.detections[0].identity->label, "person7");
  ASSERT_EQ(o.events.size(), 1u);
  EXPECT_EQ(o.events[0].type, TrackEvent::Type::kIdentityAssigned);
  EXPECT_EQ(o.events[0].identity->person_id, 7);
  EXPECT_FALSE(o.events[0].previous_identity);
  int after_enrol = gallery.calls;
  EXPECT_GT(after_enrol, 1);
  EXPECT_LE(after_enrol, 1 + static_cast<int>(cfg.keep_embeddings));  // the kept best embeddings, once
  run(10);
  EXPECT_EQ(gallery.calls, after_enrol);  // once per generation
  EXPECT_TRUE(o.events.empty());

  // Someone else is enrolled: alice's track is re-checked, keeps her identity, no event.
  gallery.people[8] = {0, 1, 0};
  ++gallery.generation;
  run(11);
  EXPECT_GT(gallery.calls, after_enrol);
  EXPECT_TRUE(o.events.empty());
  EXPECT_EQ(o.detections[0].identity->person_id, 7);

  // She is deleted while out of view (the track is lost, not ended): unknown again.
  run(12, false);
  gallery.people.erase(7);
  ++gallery.generation;
  run(13, false);
  ASSERT_EQ(o.events.size(), 1u);
  EXPECT_EQ(o.events[0].type, TrackEvent::Type::kIdentityChanged);
  EXPECT_FALSE(o.events[0].identity);
  ASSERT_TRUE(o.events[0].previous_identity);
  EXPECT_EQ(o.events[0].previous_identity->person_id, 7);
  run(14);
  EXPECT_FALSE(o.detections[0].identity);
  auto ended = t.flush(2000);
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_FALSE(ended[0].identity);
  EXPECT_EQ(types_of(events), (std::vector<TrackEvent::Type>{TrackEvent::Type::kStarted, TrackEvent::Type::kIdentityAssigned,
                                                             TrackEvent::Type::kIdentityChanged}));
}

TEST(Tracker, NoReidentificationWithoutGeneration) {
  // A plain lookup (no generation) keeps the old behaviour: checked once, never re-voted.
  int calls = 0;
  bool known = false;
  IdentityMatcher matcher = [&](const std::vector<float>&) -> std::optional<IdentityMatch> {
    ++calls;
    return known ? std::optional<IdentityMatch>(IdentityMatch{7, 0.8f, "alice"}) : std::nullopt;
  };
  EXPECT_EQ(matcher.generation(), 0u);
  Tracker t(quick(), matcher);
  for (int f = 0; f < 3; ++f) t.update({det(100 + f, 100, 0.9f, {1, 0, 0}, 0.6f)}, f * 100);
  known = true;
  auto o = t.update({det(104, 100, 0.9f, {1, 0, 0}, 0.6f)}, 400);
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(o.detections[0].identity);
  EXPECT_FALSE(IdentityMatcher());
  EXPECT_FALSE(IdentityMatcher(nullptr));
}

// Embedding skipping: what the live pipeline asks the tracker before it embeds a frame's faces.
namespace {
IdentityMatcher alice_matcher(int* calls) {
  return [calls](const std::vector<float>& e) -> std::optional<IdentityMatch> {
    ++*calls;
    if (e[0] > 0.9f) return IdentityMatch{7, 0.8f, "alice"};
    return std::nullopt;
  };
}
const std::vector<float> kAlice = {1, 0, 0}, kStranger = {0, 0, 1};
TrackerConfig rechecking_every(int64_t ms) {
  TrackerConfig c = quick();
  c.embed_recheck_ms = ms;
  return c;
}

// Plays the analyzer in front of its own tracker: asks which faces need an embedding, gives
// only those one, and counts how many it computed (and, with alice_matcher, the lookups).
struct SkippingAnalyzer {
  explicit SkippingAnalyzer(TrackerConfig cfg = quick()) : tracker(cfg, alice_matcher(&calls)) {}
  SkippingAnalyzer(TrackerConfig cfg, IdentityMatcher matcher) : tracker(cfg, std::move(matcher)) {}
  SkippingAnalyzer(const SkippingAnalyzer&) = delete;  // the matcher points at `calls`

  TrackerOutput run(std::vector<Detection> dets, const std::vector<std::vector<float>>& embeddings, int64_t time_ms) {
    wanted = tracker.wants_embeddings(dets, time_ms);
    for (size_t i = 0; i < dets.size(); ++i)
      if (wanted[i]) {
        dets[i].embedding = embeddings[i];
        ++embedded;
      }
    return tracker.update(dets, time_ms);
  }
  // Alice alone at x = 100 + step, 200 ms per step (5 analysed frames per second).
  TrackerOutput alice(int step, float quality = 0.6f) { return run({det(100.f + step, 100, 0.9f, {}, quality)}, {kAlice}, step * 200); }
  TrackerOutput alice_walks(int steps, float quality = 0.6f) {
    TrackerOutput o;
    for (int f = 0; f < steps; ++f) o = alice(f, quality);
    return o;
  }

  int calls = 0;  // before tracker: its matcher holds a pointer to it
  Tracker tracker;
  int embedded = 0;
  std::vector<bool> wanted;
};
}  // namespace

TEST(TrackerEmbeddings, SettledIdentifiedTrackStopsAskingAndKeepsItsIdentity) {
  SkippingAnalyzer a(rechecking_every(2000));
  // 5 analysed frames per second for 1.6 s: born (tentative), confirmed + recognised, then
  // settled.
  for (int f = 0; f < 8; ++f) {
    auto o = a.alice(f);
    if (f >= 1) {
      ASSERT_TRUE(o.detections[0].identity) << "frame " << f;
      EXPECT_EQ(o.detections[0].identity->person_id, 7);
      EXPECT_EQ(o.detections[0].track_id, 1u);
    }
    EXPECT_EQ(a.wanted[0], f == 1) << "frame " << f;  // the face that confirms the track
  }
  EXPECT_EQ(a.embedded, 1);
  EXPECT_EQ(a.calls, 1);
  EXPECT_EQ(a.tracker.active_tracks(), 1u);
}

TEST(TrackerEmbeddings, AsksAgainAfterTheRecheckIntervalAndForABetterFace) {
  SkippingAnalyzer a(rechecking_every(1000));
  a.alice_walks(4);
  EXPECT_EQ(a.embedded, 1);  // frame 1, which confirmed the track (last embedding at 200 ms)
  // Not better by recheck_quality_gain (0.05): still skipped.
  a.alice(4, 0.63f);
  EXPECT_FALSE(a.wanted[0]);
  // Clearly better: embedded and re-checked by the matcher.
  auto o = a.alice(5, 0.75f);
  EXPECT_TRUE(a.wanted[0]);
  EXPECT_EQ(a.calls, 2);
  EXPECT_EQ(o.detections[0].identity->person_id, 7);
  a.run({det(106, 100, 0.9f, {}, 0.6f)}, {kAlice}, 1800);
  EXPECT_FALSE(a.wanted[0]);
  // A second after the last embedding: refreshed (appearance), but no new vote for a worse face.
  o = a.run({det(107, 100, 0.9f, {}, 0.6f)}, {kAlice}, 2000);
  EXPECT_TRUE(a.wanted[0]);
  EXPECT_EQ(a.calls, 2);
  EXPECT_EQ(o.detections[0].identity->person_id, 7);
  a.run({det(108, 100, 0.9f, {}, 0.6f)}, {kAlice}, 2200);
  EXPECT_FALSE(a.wanted[0]);
  EXPECT_EQ(a.embedded, 3);
}

TEST(TrackerEmbeddings, NewFacesAmbiguousPairsAndReturningTracksAreEmbedded) {
  SkippingAnalyzer a;
  a.alice_walks(4);
  EXPECT_EQ(a.embedded, 1);  // alice's first face only started a tentative track
  // A newcomer far away starts a tentative track (min_hits 2): not embedded yet ...
  a.run({det(104, 100, 0.9f, {}, 0.6f), det(400, 100, 0.9f, {}, 0.6f)}, {kAlice, kStranger}, 800);
  EXPECT_EQ(a.wanted, (std::vector<bool>{false, false}));
  // ... its second face confirms the track and is embedded and checked.
  auto o = a.run({det(105, 100, 0.9f, {}, 0.6f), det(401, 100, 0.9f, {}, 0.6f)}, {kAlice, kStranger}, 1000);
  EXPECT_EQ(a.wanted, (std::vector<bool>{false, true}));
  EXPECT_EQ(a.calls, 2);
  EXPECT_NE(o.detections[1].track_id, 0u);
  a.run({det(106, 100, 0.9f, {}, 0.6f), det(402, 100, 0.9f, {}, 0.6f)}, {kAlice, kStranger}, 1200);
  EXPECT_EQ(a.wanted, (std::vector<bool>{false, false}));  // both settled (one known, one unknown)
  // Two faces overlapping alice's box: appearance may decide, so both are embedded.
  o = a.run({det(107, 100, 0.9f, {}, 0.6f), det(115, 105, 0.9f, {}, 0.6f), det(403, 100, 0.9f, {}, 0.6f)},
                 {kAlice, kStranger, kStranger}, 1400);
  EXPECT_EQ(a.wanted, (std::vector<bool>{true, true, false}));
  EXPECT_EQ(o.detections[0].identity->person_id, 7);
  // Alice unseen for two frames (lost), then back: embedded to confirm it is her.
  a.run({det(404, 100, 0.9f, {}, 0.6f)}, {kStranger}, 1600);
  a.run({det(405, 100, 0.9f, {}, 0.6f)}, {kStranger}, 1800);
  o = a.run({det(108, 100, 0.9f, {}, 0.6f), det(406, 100, 0.9f, {}, 0.6f)}, {kAlice, kStranger}, 2000);
  EXPECT_EQ(a.wanted, (std::vector<bool>{true, false}));
  ASSERT_TRUE(o.detections[0].identity);
  EXPECT_EQ(o.detections[0].identity->person_id, 7);
  EXPECT_FALSE(o.detections[1].identity);
  EXPECT_NE(o.detections[0].track_id, o.detections[1].track_id);
}

TEST(TrackerEmbeddings, ALostNeighbourOverlappingLessDoesNotForceAnEmbedding) {
  SkippingAnalyzer a;
  // Alice walks; a stranger stands close beside her (boxes overlap, IoU ~0.43), so while both
  // are tracked each face has two candidate tracks and both are embedded.
  TrackerOutput o;
  for (int f = 0; f < 4; ++f)
    o = a.run({det(100.f + f, 100, 0.9f, {}, 0.6f), det(120, 100, 0.9f, {}, 0.6f)}, {kAlice, kStranger}, f * 200);
  EXPECT_EQ(a.wanted, (std::vector<bool>{true, true}));
  const uint64_t alice = o.detections[0].track_id, stranger = o.detections[1].track_id;
  ASSERT_NE(alice, 0u);
  ASSERT_NE(stranger, 0u);
  // He steps out of view. The first frame without him his track is still a tracked one that
  // could take her face: embedded.
  o = a.run({det(104, 100, 0.9f, {}, 0.6f)}, {kAlice}, 800);
  EXPECT_TRUE(a.wanted[0]);
  // Now his track is lost and lingers where he stood, over her face but less than her own
  // track: her face is hers by IoU whatever its embedding says, so it is not embedded ...
  int before = a.embedded;
  auto p = a.tracker.preview({det(105, 100, 0.9f, {}, 0.6f)});
  o = a.run({det(105, 100, 0.9f, {}, 0.6f)}, {kAlice}, 1000);
  EXPECT_FALSE(a.wanted[0]);
  EXPECT_EQ(a.embedded, before);
  EXPECT_EQ(o.detections[0].track_id, alice);
  ASSERT_TRUE(o.detections[0].identity);
  EXPECT_EQ(o.detections[0].identity->person_id, 7);
  // ... and the preview names her as update() did.
  EXPECT_EQ(p[0].track_id, alice);
  ASSERT_TRUE(p[0].identity);
  EXPECT_EQ(p[0].identity->person_id, 7);
  EXPECT_EQ(a.tracker.active_tracks(), 2u);  // his track lost, not taken over
  // She leaves and he comes back where he stood: her track's only face, but his lost track
  // overlaps it more, so appearance decides (embedded) and it is his track again.
  o = a.run({det(119, 100, 0.9f, {}, 0.6f)}, {kStranger}, 1200);
  EXPECT_TRUE(a.wanted[0]);
  EXPECT_EQ(o.detections[0].track_id, stranger);
  EXPECT_FALSE(o.detections[0].identity);
}

TEST(TrackerEmbeddings, UnidentifiedTrackKeepsAskingUntilItHasVoted) {
  SkippingAnalyzer a;
  // Faces below min_quality (0.3) are never looked up: once the confirmed track has an
  // embedding nothing would vote, so they are skipped ...
  a.alice_walks(4, 0.2f);
  EXPECT_EQ(a.embedded, 1);
  EXPECT_EQ(a.calls, 0);
  // ... until a face good enough for its first vote arrives.
  auto o = a.alice(4, 0.4f);
  EXPECT_TRUE(a.wanted[0]);
  EXPECT_EQ(a.calls, 1);
  EXPECT_EQ(o.detections[0].identity->person_id, 7);
}

TEST(TrackerEmbeddings, GalleryChangeRenamesASkippedTrackFromItsKeptEmbeddings) {
  FakeGallery gallery;
  SkippingAnalyzer a(rechecking_every(60000), gallery.matcher());
  TrackerOutput o = a.alice_walks(5);
  EXPECT_FALSE(o.detections[0].identity);  // settled unknown, no embeddings since frame 1
  EXPECT_EQ(a.embedded, 1);
  // Enrolled while in view: re-identified over the kept embeddings, no new embedding needed.
  gallery.people[7] = kAlice;
  ++gallery.generation;
  o = a.alice(5);
  EXPECT_FALSE(a.wanted[0]);
  ASSERT_TRUE(o.detections[0].identity);
  EXPECT_EQ(o.detections[0].identity->person_id, 7);
  ASSERT_EQ(o.events.size(), 1u);
  EXPECT_EQ(o.events[0].type, TrackEvent::Type::kIdentityAssigned);
  o = a.alice(6);
  EXPECT_EQ(o.detections[0].identity->person_id, 7);
  EXPECT_EQ(a.embedded, 1);
}

TEST(TrackerEmbeddings, FirstFaceIsEmbeddedWhenItConfirmsTheTrackAtOnce) {
  TrackerConfig cfg = quick();
  cfg.min_hits = 1;  // born confirmed: the first face is voted on
  SkippingAnalyzer a(cfg);
  auto o = a.run({det(100, 100, 0.9f, {}, 0.6f), det(300, 100, 0.65f, {}, 0.6f)}, {kAlice, kStranger}, 0);
  EXPECT_EQ(a.wanted, (std::vector<bool>{true, false}));  // the weak one cannot start a track
  EXPECT_EQ(a.calls, 1);
  EXPECT_EQ(o.detections[0].identity->person_id, 7);
  EXPECT_EQ(o.detections[1].track_id, 0u);
}

TEST(TrackerEmbeddings, ZeroIntervalEmbedsEveryFace) {
  SkippingAnalyzer a(rechecking_every(0));
  a.alice_walks(6);
  EXPECT_EQ(a.embedded, 6);
  EXPECT_EQ(a.calls, 1);  // the vote itself is unchanged
}

TEST(TrackerEmbeddings, PreviewNamesFacesOfSettledTracksAndLeavesTheRestOpen) {
  SkippingAnalyzer a;
  a.alice_walks(4);  // track 1, alice, settled
  // Alice continues her track; a newcomer far away has no track yet.
  std::vector<Detection> dets{det(104, 100, 0.9f, {}, 0.6f), det(400, 100, 0.9f, {}, 0.6f)};
  auto p = a.tracker.preview(dets);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].track_id, 1u);
  ASSERT_TRUE(p[0].identity);
  EXPECT_EQ(p[0].identity->person_id, 7);
  EXPECT_EQ(p[1].track_id, 0u);
  EXPECT_FALSE(p[1].identity);
  // The skipped face is certain: update() says the same.
  auto o = a.run(dets, {kAlice, kStranger}, 800);
  EXPECT_FALSE(a.wanted[0]);
  EXPECT_EQ(o.detections[0].track_id, p[0].track_id);
  EXPECT_EQ(o.detections[0].identity->person_id, 7);
  // The newcomer's second face confirms its track in update(): the preview cannot know its id
  // yet (tentative), so it stays open there; it is the face that gets the embedding.
  dets = {det(105, 100, 0.9f, {}, 0.6f), det(401, 100, 0.9f, {}, 0.6f)};
  p = a.tracker.preview(dets);
  EXPECT_EQ(p[1].track_id, 0u);
  o = a.run(dets, {kAlice, kStranger}, 1000);
  EXPECT_TRUE(a.wanted[1]);
  uint64_t newcomer = o.detections[1].track_id;
  EXPECT_NE(newcomer, 0u);
  // Two faces overlapping alice's box: either may be her, so neither is named in advance.
  p = a.tracker.preview({det(106, 100, 0.9f, {}, 0.6f), det(114, 105, 0.9f, {}, 0.6f)});
  EXPECT_EQ(p[0].track_id, 0u);
  EXPECT_EQ(p[1].track_id, 0u);
  EXPECT_FALSE(p[0].identity);
  // Asking changed nothing: the next frame still continues both tracks.
  o = a.run({det(106, 100, 0.9f, {}, 0.6f), det(402, 100, 0.9f, {}, 0.6f)}, {kAlice, kStranger}, 1200);
  EXPECT_EQ(o.detections[0].track_id, 1u);
  EXPECT_EQ(o.detections[1].track_id, newcomer);
  EXPECT_EQ(a.tracker.active_tracks(), 2u);
}
