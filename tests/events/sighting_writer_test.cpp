// SightingWriter from synthetic frame results and TrackEvents, against a real SQLite store.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <mutex>

#include "core/time.h"
#include "events/sighting_writer.h"
#include "test_util.h"

using namespace argus;

namespace {

FrameResult frame_with_face(CameraId cam, uint64_t track, float score, float quality, int64_t t) {
  FrameResult r;
  r.camera_id = cam;
  r.received_unix_ms = t;
  r.width = 160;
  r.height = 120;
  r.frame.bgr = cv::Mat(120, 160, CV_8UC3, cv::Scalar(40, 120, 200));
  TrackedFace f;
  f.track_id = track;
  f.face.box = RectF{40, 30, 40, 50};
  f.face.score = score;
  f.face.quality = quality;
  r.faces.push_back(f);
  return r;
}

TrackEvent event(TrackEvent::Type type, uint64_t track, int64_t first, int64_t last, std::optional<IdentityMatch> who = {}) {
  TrackEvent e;
  e.type = type;
  e.track_id = track;
  e.time_ms = last;
  e.first_seen_ms = first;
  e.last_seen_ms = last;
  e.hits = 2;
  e.identity = who;
  return e;
}

store::PersonRecord add_person(store::Store& store, const std::string& name) {
  store::PersonRecord p;
  p.name = name;
  return store.create_person(p);
}

}  // namespace

TEST(SightingWriter, OneSightingPerTrackWithBestFiguresSnapshotAndAttendance) {
  argus_test::TempDir dir;
  auto store = store::open_sqlite_store(dir.path() + "/argus.db");
  auto p = add_person(*store, "Ada");

  events::SightingWriterConfig cfg;
  cfg.blob_dir = dir.path() + "/blobs";
  events::SightingWriter w(*store, cfg, [] { return 120; });  // UTC+2
  std::mutex mu;
  std::vector<std::string> seen;
  w.set_on_written([&](CameraId, const std::string& ev, const store::SightingRecord& rec) {
    std::lock_guard lock(mu);
    seen.push_back(ev);
    EXPECT_GT(rec.id, 0);
  });
  w.start();

  const int64_t t0 = 1'700'000'000'000;  // 2023-11-14T22:13:20Z: 00:13 the next day at UTC+2
  w.on_frame_result(frame_with_face(3, 7, 0.80f, 0.5f, t0));
  w.on_track_event(3, event(TrackEvent::Type::kStarted, 7, t0, t0));
  w.on_frame_result(frame_with_face(3, 7, 0.95f, 0.9f, t0 + 200));
  w.on_frame_result(frame_with_face(3, 7, 0.70f, 0.2f, t0 + 400));
  IdentityMatch ada{p.id, 0.81f, "Ada"};
  w.on_track_event(3, event(TrackEvent::Type::kIdentityAssigned, 7, t0, t0 + 400, ada));
  w.on_frame_result(frame_with_face(3, 7, 0.60f, 0.1f, t0 + 600));
  w.on_track_event(3, event(TrackEvent::Type::kEnded, 7, t0, t0 + 600, ada));
  // A second, never identified track on another camera.
  w.on_frame_result(frame_with_face(4, 1, 0.66f, 0.5f, t0 + 100));
  w.on_track_event(4, event(TrackEvent::Type::kStarted, 1, t0 + 100, t0 + 100));
  w.on_track_event(4, event(TrackEvent::Type::kEnded, 1, t0 + 100, t0 + 100));
  ASSERT_TRUE(w.flush());
  EXPECT_EQ(w.dropped(), 0u);
  EXPECT_EQ(w.failed(), 0u);

  auto all = store->list_sightings({1, 20}, {});
  ASSERT_EQ(all.total, 2);
  store::SightingFilter f;
  f.camera_id = 3;
  auto mine = store->list_sightings({1, 20}, f);
  ASSERT_EQ(mine.items.size(), 1u);
  const auto& s = mine.items[0];
  EXPECT_EQ(s.track_id, 7);
  ASSERT_TRUE(s.person_id);
  EXPECT_EQ(*s.person_id, p.id);
  EXPECT_EQ(s.person_name, "Ada");
  EXPECT_EQ(s.first_seen, t0);
  EXPECT_EQ(s.last_seen, t0 + 600);
  EXPECT_NEAR(s.best_confidence, 0.95, 1e-6);
  EXPECT_NEAR(s.similarity, 0.81, 1e-6);
  EXPECT_EQ(s.frame_count, 4);
  ASSERT_FALSE(s.snapshot_path.empty());
  EXPECT_TRUE(std::filesystem::exists(cfg.blob_dir + "/" + s.snapshot_path));

  f = {};
  f.unknown_only = true;
  EXPECT_EQ(store->list_sightings({1, 20}, f).total, 1);

  auto att = store->attendance(std::nullopt, std::nullopt, p.id);
  ASSERT_EQ(att.size(), 1u);
  EXPECT_EQ(att[0].date, "2023-11-15");  // local date at UTC+2
  EXPECT_EQ(att[0].camera_ids, std::vector<int64_t>{3});
  EXPECT_EQ(att[0].last_seen, t0 + 600);
  ASSERT_TRUE(store->person(p.id)->last_seen);

  std::lock_guard lock(mu);
  EXPECT_EQ(seen, (std::vector<std::string>{"track_started", "identity_assigned", "track_ended", "track_started", "track_ended"}));
  w.stop();
}

TEST(SightingWriter, FullQueueDropsOldestAndCountsThem) {
  argus_test::TempDir dir;
  auto store = store::open_sqlite_store(dir.path() + "/argus.db");
  events::SightingWriterConfig cfg;
  cfg.queue = 2;
  events::SightingWriter w(*store, cfg);
  // Not started: nothing drains, so 5 events into a queue of 2 drop the 3 oldest.
  for (uint64_t t = 1; t <= 5; ++t) w.on_track_event(1, event(TrackEvent::Type::kStarted, t, 1000, 1000));
  EXPECT_EQ(w.dropped(), 3u);
  w.start();
  ASSERT_TRUE(w.flush());
  EXPECT_EQ(store->list_sightings({1, 20}, {}).total, 2);
  // A track whose start was dropped still gets its sighting from the end event.
  w.on_track_event(1, event(TrackEvent::Type::kEnded, 1, 1000, 1500));
  ASSERT_TRUE(w.flush());
  EXPECT_EQ(store->list_sightings({1, 20}, {}).total, 3);
}

TEST(SightingWriter, LongTracksAreRefreshedBetweenEvents) {
  argus_test::TempDir dir;
  auto store = store::open_sqlite_store(dir.path() + "/argus.db");
  events::SightingWriterConfig cfg;
  cfg.refresh_ms = 100;
  events::SightingWriter w(*store, cfg);
  std::vector<std::string> seen;
  std::mutex mu;
  w.set_on_written([&](CameraId, const std::string& ev, const store::SightingRecord&) {
    std::lock_guard lock(mu);
    seen.push_back(ev);
  });
  w.start();
  const int64_t t0 = 1'700'000'000'000;
  w.on_frame_result(frame_with_face(1, 5, 0.9f, 0.5f, t0));  // before the start: no refresh
  w.on_track_event(1, event(TrackEvent::Type::kStarted, 5, t0, t0));
  w.on_frame_result(frame_with_face(1, 5, 0.9f, 0.5f, t0 + 50));
  w.on_frame_result(frame_with_face(1, 5, 0.9f, 0.5f, t0 + 150));  // >= 100 ms after the start
  ASSERT_TRUE(w.flush());
  auto rows = store->list_sightings({1, 5}, {});
  ASSERT_EQ(rows.items.size(), 1u);
  EXPECT_EQ(rows.items[0].first_seen, t0);
  EXPECT_EQ(rows.items[0].last_seen, t0 + 150);
  EXPECT_EQ(rows.items[0].frame_count, 3);
  std::lock_guard lock(mu);
  EXPECT_EQ(seen, (std::vector<std::string>{"track_started", "track_updated"}));
}

// Re-identification end to end on the pipeline side: a Tracker whose matcher reports the
// gallery generation feeds the writer; the person is enrolled while their track is open, then
// deleted while it is still open. The one sighting gets the person, then falls back to unknown,
// and no write fails on the way (a refresh between the store's delete and the re-vote
// included).
TEST(SightingWriter, TrackReidentifiedAfterEnrolmentAndDeletion) {
  argus_test::TempDir dir;
  auto store = store::open_sqlite_store(dir.path() + "/argus.db");
  auto p = add_person(*store, "Ada");

  std::mutex gallery_mu;
  std::optional<PersonId> enrolled;  // the gallery: who the embedding {1,0,0} belongs to
  std::atomic<uint64_t> generation{1};
  IdentityMatcher matcher(
      [&](const std::vector<float>&) -> std::optional<IdentityMatch> {
        std::lock_guard lock(gallery_mu);
        if (!enrolled) return std::nullopt;
        return IdentityMatch{*enrolled, 0.7f, "Ada"};
      },
      [&] { return generation.load(); });
  TrackerConfig tcfg;
  tcfg.min_hits = 2;
  Tracker tracker(tcfg, matcher);

  events::SightingWriterConfig cfg;
  cfg.blob_dir = dir.path() + "/blobs";
  cfg.refresh_ms = 100;
  events::SightingWriter w(*store, cfg);
  std::mutex mu;
  std::vector<std::string> written;
  w.set_on_written([&](CameraId, const std::string& ev, const store::SightingRecord&) {
    std::lock_guard lock(mu);
    written.push_back(ev);
  });
  w.start();

  const int64_t t0 = 1'700'000'000'000;
  int64_t t = t0;
  auto frame = [&] {
    t += 200;
    Detection d{RectF{40, 30, 40, 50}, 0.9f, {1, 0, 0}, 0.8f};
    auto out = tracker.update({d}, t);
    FrameResult r = frame_with_face(5, out.detections[0].track_id, 0.9f, 0.8f, t);
    r.faces[0].identity = out.detections[0].identity;
    w.on_frame_result(r);
    for (const auto& e : out.events) w.on_track_event(5, e);
    return out;
  };
  auto sighting = [&] {
    EXPECT_TRUE(w.flush());
    auto rows = store->list_sightings({1, 20}, {});
    EXPECT_EQ(rows.total, 1);
    return rows.items.empty() ? store::SightingRecord{} : rows.items[0];
  };

  for (int i = 0; i < 4; ++i) frame();  // an unknown visitor
  EXPECT_FALSE(sighting().person_id);

  {  // enrolled while in view
    std::lock_guard lock(gallery_mu);
    enrolled = p.id;
  }
  ++generation;
  auto out = frame();
  ASSERT_TRUE(out.detections[0].identity);
  EXPECT_EQ(out.detections[0].identity->person_id, p.id);
  auto s = sighting();
  ASSERT_TRUE(s.person_id);
  EXPECT_EQ(*s.person_id, p.id);
  EXPECT_EQ(s.person_name, "Ada");
  EXPECT_NEAR(s.similarity, 0.7, 1e-6);

  // Deleted while in view: the store first (its rows turn unknown), then the gallery.
  ASSERT_TRUE(store->delete_person(p.id));
  frame();  // a periodic refresh still carrying the deleted person
  {
    std::lock_guard lock(gallery_mu);
    enrolled.reset();
  }
  ++generation;
  out = frame();
  EXPECT_FALSE(out.detections[0].identity);
  for (int i = 0; i < 3; ++i) frame();
  s = sighting();
  EXPECT_FALSE(s.person_id);
  for (const auto& e : tracker.flush(t + 100)) w.on_track_event(5, e);
  EXPECT_FALSE(sighting().person_id);
  EXPECT_EQ(w.failed(), 0u);
  EXPECT_EQ(w.dropped(), 0u);
  std::lock_guard lock(mu);
  EXPECT_EQ(std::count(written.begin(), written.end(), "identity_assigned"), 1);
  EXPECT_EQ(std::count(written.begin(), written.end(), "identity_changed"), 1);
  EXPECT_EQ(written.back(), "track_ended");
}
