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
  AnalysisResult analyze(const Frame& frame) override { return analyze_filtered(frame, nullptr); }
  AnalysisResult analyze_filtered(const Frame&, const EmbedFilter& wanted) override {
    AnalysisResult r;
    r.faces = {face(RectF{5, 5, 20, 24}), face(RectF{38, 10, 20, 24})};
    std::vector<bool> embed(r.faces.size(), true);
    if (wanted) embed = wanted(r.faces);  // asked without embeddings, as the real one does
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
  // FixedFaceAnalyzer keeps FrameAnalyzer's default analyze_filtered: nothing is skipped.
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

TEST(CameraManager, FramesStillNeedingEmbeddingsArePreviewedFirst) {
  auto analyzer = std::make_shared<TwoPeopleAnalyzer>();
  auto sink = std::make_shared<RecordingSink>();
  PipelineConfig cfg;
  cfg.inference_threads = 1;
  cfg.tracker.embed_recheck_ms = 100;  // settled tracks are re-embedded now and then
  CameraManager mgr(cfg, analyzer, sink, two_people());
  ASSERT_TRUE(start_fake_camera(mgr));
  ASSERT_TRUE(wait_until([&] { return sink->result_count(1) >= 40; }, 10s));
  Json st = mgr.stats(1);
  mgr.stop_all();

  std::lock_guard lock(sink->mu);
  // One preview per frame that computed embeddings (the confirming frame and each refresh),
  // none for the frames whose faces all continued settled tracks.
  ASSERT_GE(sink->previews.size(), 2u);
  EXPECT_LT(sink->previews.size(), sink->results.size());
  int computed = st["embeddings_computed"].get<int>();
  EXPECT_LE(sink->previews.size(), static_cast<size_t>(computed));
  // Each preview comes just before the complete result of the same frame.
  for (size_t i = 0; i < sink->order.size(); ++i) {
    if (!sink->order[i].second) continue;
    ASSERT_LT(i + 1, sink->order.size()) << "preview of frame " << sink->order[i].first << " never completed";
    EXPECT_EQ(sink->order[i + 1], std::make_pair(sink->order[i].first, false));
  }
  // The confirming frame: the tracks were tentative, so the preview has boxes without ids,
  // and its complete result names both.
  const FrameResult& first = sink->previews.front();
  EXPECT_TRUE(first.provisional);
  ASSERT_EQ(first.faces.size(), 2u);
  EXPECT_EQ(first.faces[0].track_id, 0u);
  EXPECT_FALSE(first.faces[0].identity);
  EXPECT_EQ(first.faces[1].face.box.x, 38);
  EXPECT_TRUE(first.faces[0].face.embedding.empty());
  auto complete = std::find_if(sink->results.begin(), sink->results.end(), [&](const FrameResult& r) { return r.seq == first.seq; });
  ASSERT_NE(complete, sink->results.end());
  EXPECT_FALSE(complete->provisional);
  EXPECT_EQ(complete->faces[0].track_id, 1u);
  ASSERT_TRUE(complete->faces[1].identity);
  EXPECT_EQ(complete->faces[1].identity->label, "bob");
  // A refresh of settled tracks: the preview already carries their ids and names.
  const FrameResult& refresh = sink->previews.back();
  ASSERT_EQ(refresh.faces.size(), 2u);
  for (size_t k = 0; k < 2; ++k) {
    EXPECT_EQ(refresh.faces[k].track_id, k + 1);
    ASSERT_TRUE(refresh.faces[k].identity);
    EXPECT_EQ(refresh.faces[k].identity->person_id, static_cast<PersonId>(k + 1));
  }
  EXPECT_EQ(to_json(refresh)["faces"].size(), 2u);
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
