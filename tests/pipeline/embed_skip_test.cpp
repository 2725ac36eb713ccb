// The live path embeds only the faces its tracker still needs (issue 4 §4: a track is
// recognised once and keeps its identity; not re-checked on every frame).
#include <gtest/gtest.h>

#include "fakes.h"
#include "pipeline/camera_manager.h"

using namespace argus;
using namespace argus_test;
using namespace std::chrono_literals;

namespace {

const std::vector<float> kAlice = {1, 0, 0, 0}, kBob = {0, 1, 0, 0};

// Two people standing still. Honours the embed filter like the real analyzer: detection and
// quality first, then embeddings only for the faces the filter picks. Counts what it embeds.
class TwoPeopleAnalyzer : public FrameAnalyzer {
 public:
  AnalysisResult analyze(const Frame& frame) override { return analyze_live(frame, {}); }
  AnalysisResult analyze_live(const Frame&, const AnalysisHooks& hooks) override {
    AnalysisResult r;
    r.faces = {face(RectF{5, 5, 20, 24}), face(RectF{38, 10, 20, 24})};
    if (hooks.detected) {  // boxes and scores only, as the real one reports them
      auto boxes = r.faces;
      for (auto& f : boxes) f.quality = 0;
      hooks.detected(boxes);
    }
    for (auto& f : r.faces) f.quality = 0.7f;
    std::vector<bool> embed(r.faces.size(), true);
    if (hooks.wanted) embed = hooks.wanted(r.faces);  // asked without embeddings, as the real one does
    for (size_t i = 0; i < r.faces.size(); ++i)
      if (embed[i]) {
        r.faces[i].embedding = i == 0 ? kAlice : kBob;
        ++embedded;
      }
    return r;
  }
  std::atomic<int> embedded{0};

 private:
  static FaceObservation face(RectF box) {
    FaceObservation f;
    f.box = box;
    f.score = 0.95f;
    f.quality = 0.7f;
    return f;
  }
};

// Camera 1 on a 200 fps fake source, analysed at up to 50 fps.
bool start_fake_camera(CameraManager& mgr) {
  mgr.set_source_factory([](const CameraConfig&) -> Result<std::unique_ptr<FrameSource>> {
    return std::unique_ptr<FrameSource>(std::make_unique<FakeSource>(5, 0));
  });
  return mgr.start_camera(CameraConfig{.id = 1, .type = "rtsp", .fps_limit = 50}).ok();
}

IdentityMatcher two_people() {
  return [](const std::vector<float>& e) -> std::optional<IdentityMatch> {
    if (e[0] > 0.9f) return IdentityMatch{1, 0.9f, "alice"};
    if (e[1] > 0.9f) return IdentityMatch{2, 0.9f, "bob"};
    return std::nullopt;
  };
}

}  // namespace

TEST(CameraManager, EmbedsOnlyFacesOfUnsettledTracksAndKeepsIdentitiesOnEveryFrame) {
  auto analyzer = std::make_shared<TwoPeopleAnalyzer>();
  auto sink = std::make_shared<RecordingSink>();
  PipelineConfig cfg;
  cfg.inference_threads = 1;
  cfg.tracker.embed_recheck_ms = 60000;  // no periodic refresh within the test
  CameraManager mgr(cfg, analyzer, sink, two_people());
  ASSERT_TRUE(start_fake_camera(mgr));
  ASSERT_TRUE(wait_until([&] { return sink->result_count(1) >= 30; }, 10s));
  Json st = mgr.stats(1);
  mgr.stop_all();

  // Two tracks, each embedded once: on the frame that confirms it (its one identity check).
  // The first faces only start tentative tracks; every later face continues a settled track.
  EXPECT_EQ(analyzer->embedded, 2);
  EXPECT_EQ(st["embeddings_computed"], 2);
  EXPECT_EQ(st["embeddings_computed"].get<int>() + st["embeddings_skipped"].get<int>(), st["faces_detected"].get<int>());
  EXPECT_GE(st["embeddings_skipped"].get<int>(), 2 * 30 - 2);

  std::lock_guard lock(sink->mu);
  ASSERT_GE(sink->results.size(), 30u);
  // From the second frame on (tracks confirmed) both faces carry their names on every frame,
  // embedded or not: the live view, detection_event and sightings show them throughout.
  for (size_t i = 1; i < sink->results.size(); ++i) {
    const auto& faces = sink->results[i].faces;
    ASSERT_EQ(faces.size(), 2u);
    for (size_t k = 0; k < 2; ++k) {
      ASSERT_TRUE(faces[k].identity) << "frame " << i << " face " << k;
      EXPECT_EQ(faces[k].identity->person_id, static_cast<PersonId>(k + 1));
      EXPECT_EQ(faces[k].track_id, k + 1);
    }
    EXPECT_EQ(to_json(sink->results[i])["faces"][1]["identity"]["label"], "bob");
  }
  // Announced once per track, not per frame.
  std::vector<TrackEvent::Type> types;
  for (auto& [c, e] : sink->events) types.push_back(e.type);
  EXPECT_EQ(std::count(types.begin(), types.end(), TrackEvent::Type::kIdentityAssigned), 2);
  EXPECT_EQ(std::count(types.begin(), types.end(), TrackEvent::Type::kStarted), 2);
}

TEST(CameraManager, AnalyzerWithoutEmbedFilterEmbedsEveryFace) {
  // FixedFaceAnalyzer keeps FrameAnalyzer's default analyze_live: nothing is skipped.
  auto sink = std::make_shared<RecordingSink>();
  PipelineConfig cfg;
  cfg.inference_threads = 1;
  CameraManager mgr(cfg, std::make_shared<FixedFaceAnalyzer>(), sink, two_people());
  ASSERT_TRUE(start_fake_camera(mgr));
  ASSERT_TRUE(wait_until([&] { return sink->result_count(1) >= 10; }, 10s));
  Json st = mgr.stats(1);
  mgr.stop_all();
  EXPECT_EQ(st["embeddings_skipped"], 0);
  EXPECT_EQ(st["embeddings_computed"], st["faces_detected"]);
}

TEST(CameraManager, EveryFrameWithFacesIsPreviewedBeforeItsLandmarksAndEmbeddings) {
  auto analyzer = std::make_shared<TwoPeopleAnalyzer>();
  auto sink = std::make_shared<RecordingSink>();
  PipelineConfig cfg;
  cfg.inference_threads = 1;
  cfg.tracker.embed_recheck_ms = 60000;
  CameraManager mgr(cfg, analyzer, sink, two_people());
  ASSERT_TRUE(start_fake_camera(mgr));
  ASSERT_TRUE(wait_until([&] { return sink->result_count(1) >= 20; }, 10s));
  mgr.stop_all();

  std::lock_guard lock(sink->mu);
  // Each frame: its preview, then its complete result.
  ASSERT_GE(sink->order.size(), 40u);
  ASSERT_EQ(sink->order.size() % 2, 0u);
  for (size_t i = 0; i + 1 < sink->order.size(); i += 2) {
    EXPECT_TRUE(sink->order[i].second) << i;
    EXPECT_EQ(sink->order[i + 1], std::make_pair(sink->order[i].first, false)) << i;
  }
  ASSERT_EQ(sink->previews.size(), sink->results.size());
  for (const auto& p : sink->previews) {
    EXPECT_TRUE(p.provisional);
    ASSERT_EQ(p.faces.size(), 2u);
    EXPECT_EQ(p.faces[1].face.box.x, 38);
    EXPECT_TRUE(p.faces[0].face.embedding.empty());
    EXPECT_TRUE(p.timings_ms.count("total_ms"));
  }
  for (const auto& r : sink->results) EXPECT_FALSE(r.provisional);
  // Frames 1 and 2: the tracks are not confirmed yet, so the previews carry no ids or names;
  // frame 2's complete result confirms and names both.
  for (size_t f = 0; f < 2; ++f)
    for (size_t k = 0; k < 2; ++k) {
      EXPECT_EQ(sink->previews[f].faces[k].track_id, 0u) << f;
      EXPECT_FALSE(sink->previews[f].faces[k].identity) << f;
    }
  EXPECT_EQ(sink->results[1].faces[0].track_id, 1u);
  ASSERT_TRUE(sink->results[1].faces[1].identity);
  EXPECT_EQ(sink->results[1].faces[1].identity->label, "bob");
  // From frame 3 on the previews already carry the settled tracks' ids and names.
  for (size_t f = 2; f < sink->previews.size(); ++f)
    for (size_t k = 0; k < 2; ++k) {
      EXPECT_EQ(sink->previews[f].faces[k].track_id, k + 1) << f;
      ASSERT_TRUE(sink->previews[f].faces[k].identity) << f;
      EXPECT_EQ(sink->previews[f].faces[k].identity->person_id, static_cast<PersonId>(k + 1));
    }
  EXPECT_TRUE(to_json(sink->previews.back())["provisional"].get<bool>());
}

TEST(CameraManager, PreviewsCanBeTurnedOff) {
  auto sink = std::make_shared<RecordingSink>();
  PipelineConfig cfg = PipelineConfig::from_json(Json{{"inference_threads", 1}, {"preview_boxes", false}});
  ASSERT_FALSE(cfg.preview_boxes);
  cfg.tracker.embed_recheck_ms = 100;
  auto analyzer = std::make_shared<TwoPeopleAnalyzer>();
  CameraManager mgr(cfg, analyzer, sink, two_people());
  ASSERT_TRUE(start_fake_camera(mgr));
  ASSERT_TRUE(wait_until([&] { return sink->result_count(1) >= 20; }, 10s));
  mgr.stop_all();
  EXPECT_GE(analyzer->embedded, 2);  // frames needed embeddings ...
  std::lock_guard lock(sink->mu);
  EXPECT_TRUE(sink->previews.empty());  // ... and went out once, complete
}
