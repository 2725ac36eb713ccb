#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "fakes.h"
#include "pipeline/camera_manager.h"
#include "pipeline/video_job.h"
#include "test_util.h"

using namespace argus;
using namespace argus_test;
using namespace std::chrono_literals;

TEST(CameraSession, ReconnectsWithExponentialBackoffAndCountsIt) {
  StateLog log;
  std::atomic<int> attempts{0};
  std::vector<SteadyClock::time_point> attempt_times;
  std::mutex mu;
  SessionDeps deps;
  deps.reconnect = {50, 400};
  deps.on_state = log.callback();
  // Attempts 1-4 fail to open, 5 delivers 20 frames then ends, later ones stream forever.
  deps.factory = [&](const CameraConfig&) -> Result<std::unique_ptr<FrameSource>> {
    int n = ++attempts;
    {
      std::lock_guard lock(mu);
      attempt_times.push_back(SteadyClock::now());
    }
    return std::unique_ptr<FrameSource>(std::make_unique<FakeSource>(5, n == 5 ? 20 : 0, n < 5));
  };
  CameraSession s(CameraConfig{.id = 7, .type = "fake"}, deps);
  s.start();
  ASSERT_TRUE(wait_until([&] { return attempts >= 6 && s.state() == SessionState::kLive; }, 5s));
  std::this_thread::sleep_for(100ms);
  Json st = s.stats();
  auto t0 = SteadyClock::now();
  s.stop();
  EXPECT_LT(SteadyClock::now() - t0, 500ms);  // stop interrupts a blocked read
  EXPECT_EQ(s.state(), SessionState::kStopped);
  // Gaps between attempts: 50, 100, 200, 400 ms (open failures), then reset to 50 after live.
  std::lock_guard lock(mu);
  ASSERT_GE(attempt_times.size(), 6u);
  auto gap = [&](size_t i) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(attempt_times[i] - attempt_times[i - 1]).count();
  };
  EXPECT_NEAR(gap(1), 50, 40);
  EXPECT_NEAR(gap(2), 100, 40);
  EXPECT_NEAR(gap(3), 200, 40);
  EXPECT_NEAR(gap(4), 400, 60);
  EXPECT_LT(gap(5), 20 * 5 + 50 + 120);  // 20 frames, then the reset 50 ms backoff
  EXPECT_EQ(st["reconnections"], 1);
  EXPECT_EQ(st["errors"], 5);
  EXPECT_GE(st["frames_captured"].get<int>(), 21);
  EXPECT_GT(st["downtime_ms"].get<int>(), 20);
  EXPECT_GT(st["bytes_received"].get<int>(), 20000);
  auto states = log.of(7);
  ASSERT_GE(states.size(), 6u);
  EXPECT_EQ(states[0], SessionState::kConnecting);
  EXPECT_EQ(states[1], SessionState::kError);
  EXPECT_EQ(states.back(), SessionState::kStopped);
  EXPECT_NE(std::find(states.begin(), states.end(), SessionState::kLive), states.end());
}

// A push camera (WebSocket ingest, the browser webcam) that nobody feeds is idle, not broken:
// "waiting", with no error, downtime or reconnection counted (so no camera_offline alert),
// live as soon as frames come, and waiting again when they stop.
TEST(CameraManager, APushCameraNobodyFeedsWaitsWithoutErrorsAndGoesLiveWhenFramesCome) {
  StateLog log;
  PipelineConfig cfg;
  cfg.reconnect = {50, 200};
  CameraManager mgr(cfg, nullptr, nullptr, nullptr);
  mgr.set_state_callback(log.callback());
  CameraConfig c{.id = 5, .type = "websocket", .detection_enabled = false};
  c.source.stall_timeout_ms = 300;  // a pusher silent this long has stopped
  ASSERT_TRUE(mgr.start_camera(c).ok());
  ASSERT_TRUE(wait_until([&] { return mgr.state(5) == SessionState::kWaiting; }, 3s));
  const int64_t waiting_since = mgr.stats(5)["state_since"];
  std::this_thread::sleep_for(1500ms);  // more than one look for a pusher
  Json st = mgr.stats(5);
  EXPECT_EQ(st["state"], "waiting");
  EXPECT_EQ(st["state_since"], waiting_since);
  EXPECT_EQ(st["errors"], 0);
  EXPECT_EQ(st["reconnections"], 0);
  EXPECT_EQ(st["downtime_ms"], 0);
  EXPECT_EQ(st["connect_attempts"], 1);
  EXPECT_EQ(st["last_error"], "");

  cv::Mat img(90, 120, CV_8UC3, cv::Scalar(0, 255, 0));
  std::vector<uint8_t> buf;
  cv::imencode(".jpg", img, buf);
  const std::string jpeg(buf.begin(), buf.end());
  auto feed_until_live = [&] {
    return wait_until([&] {
      mgr.push_jpeg(5, jpeg);
      return mgr.state(5) == SessionState::kLive;
    }, 3s);
  };
  ASSERT_TRUE(feed_until_live());
  // The pusher stops: waiting again after the stall timeout, still nothing counted as down.
  ASSERT_TRUE(wait_until([&] { return mgr.state(5) == SessionState::kWaiting; }, 3s));
  st = mgr.stats(5);
  EXPECT_EQ(st["errors"], 0);
  EXPECT_EQ(st["reconnections"], 0);
  EXPECT_EQ(st["downtime_ms"], 0);
  EXPECT_EQ(st["avg_fps"], 0.0);
  ASSERT_TRUE(feed_until_live());
  EXPECT_EQ(mgr.stats(5)["reconnections"], 0);
  mgr.stop_camera(5);
  EXPECT_EQ(log.of(5), (std::vector<SessionState>{SessionState::kConnecting, SessionState::kWaiting, SessionState::kLive,
                                                  SessionState::kWaiting, SessionState::kLive, SessionState::kStopped}));
}

TEST(CameraManager, AnalysesTracksAndReportsPerCamera) {
  auto analyzer = std::make_shared<FixedFaceAnalyzer>(2);
  auto sink = std::make_shared<RecordingSink>();
  PipelineConfig cfg;
  cfg.inference_threads = 2;
  cfg.reconnect = {50, 200};
  IdentityMatcher matcher = [](const std::vector<float>&) { return std::optional<IdentityMatch>(IdentityMatch{42, 0.9f, "alice"}); };
  CameraManager mgr(cfg, analyzer, sink, matcher);
  mgr.set_source_factory([](const CameraConfig& c) -> Result<std::unique_ptr<FrameSource>> {
    if (c.type == "websocket") return make_frame_source(c.type, c.url, c.source);
    return std::unique_ptr<FrameSource>(std::make_unique<FakeSource>(10, 0));
  });
  ASSERT_TRUE(mgr.start_camera(CameraConfig{.id = 1, .type = "rtsp", .fps_limit = 20}).ok());
  ASSERT_TRUE(mgr.start_camera(CameraConfig{.id = 2, .type = "rtsp", .fps_limit = 5}).ok());
  ASSERT_TRUE(mgr.start_camera(CameraConfig{.id = 3, .type = "websocket", .detection_enabled = false}).ok());
  EXPECT_FALSE(mgr.start_camera(CameraConfig{.id = 4}).ok());
  ASSERT_TRUE(wait_until([&] { return sink->result_count(1) >= 20 && sink->result_count(2) >= 5; }, 5s));
  // websocket camera: pushed JPEGs become frames and the live view, no analysis.
  EXPECT_FALSE(mgr.push_jpeg(1, "x"));
  cv::Mat img(90, 120, CV_8UC3, cv::Scalar(0, 0, 255));
  std::vector<uint8_t> jpeg;
  cv::imencode(".jpg", img, jpeg);
  EXPECT_TRUE(mgr.push_jpeg(3, std::string(jpeg.begin(), jpeg.end())));
  ASSERT_TRUE(wait_until([&] { return mgr.latest_frame(3).has_value(); }, 2s));
  EXPECT_EQ(mgr.latest_frame(3)->width(), 120);
  EXPECT_EQ(mgr.state(3), SessionState::kLive);

  auto live = mgr.latest_jpeg(1);
  ASSERT_TRUE(live);
  cv::Mat decoded = cv::imdecode(std::vector<uint8_t>(live->begin(), live->end()), cv::IMREAD_COLOR);
  EXPECT_EQ(decoded.cols, 64);

  Json all = mgr.list_stats();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0]["camera_id"], 1);
  EXPECT_EQ(all[0]["state"], "live");
  EXPECT_GT(all[0]["frames_processed"].get<int>(), 0);
  EXPECT_GT(all[0]["frames_captured"].get<int>(), all[0]["frames_processed"].get<int>() - 1);
  EXPECT_EQ(all[2]["frames_processed"], 0);
  EXPECT_EQ(all[2]["push_received"], 1);
  // camera 2 is sampled at 5 fps, camera 1 at 20 fps from the same 100 fps source.
  double r1 = static_cast<double>(sink->result_count(1)), r2 = static_cast<double>(sink->result_count(2));
  EXPECT_GT(r1 / std::max(r2, 1.0), 2.0);

  EXPECT_TRUE(mgr.stop_camera(1));
  EXPECT_FALSE(mgr.stop_camera(1));
  EXPECT_FALSE(mgr.is_running(1));
  mgr.stop_all();
  std::lock_guard lock(sink->mu);
  // Per camera with analysis: one track, started once, identity once, ended once at stop.
  for (CameraId cam : {1, 2}) {
    std::vector<TrackEvent::Type> types;
    for (auto& [c, e] : sink->events)
      if (c == cam) types.push_back(e.type);
    EXPECT_EQ(types, (std::vector<TrackEvent::Type>{TrackEvent::Type::kStarted, TrackEvent::Type::kIdentityAssigned,
                                                    TrackEvent::Type::kEnded}))
        << "camera " << cam;
  }
  const auto& r = sink->results.back();
  ASSERT_EQ(r.faces.size(), 1u);
  EXPECT_EQ(r.faces[0].track_id, 1u);
  ASSERT_TRUE(r.faces[0].identity);
  EXPECT_EQ(r.faces[0].identity->person_id, 42);
  EXPECT_TRUE(r.timings_ms.count("analyze_ms"));
  EXPECT_TRUE(r.timings_ms.count("detect_ms"));
  Json j = to_json(r);
  EXPECT_EQ(j["faces"][0]["identity"]["label"], "alice");
  EXPECT_EQ(j["width"], 64);
}

namespace {
// Records the limits each analysis was given.
class LimitsRecordingAnalyzer : public FixedFaceAnalyzer {
 public:
  AnalysisResult analyze_live(const Frame& frame, const AnalysisHooks& hooks) override {
    {
      std::lock_guard lock(mu);
      seen.push_back(hooks.limits);
    }
    return analyze(frame);
  }
  DetectionLimits last() {
    std::lock_guard lock(mu);
    return seen.empty() ? DetectionLimits{} : seen.back();
  }
  std::mutex mu;
  std::vector<DetectionLimits> seen;
};
}  // namespace

// A camera's detection settings reach every analysis, and an edit of them (or of its name or
// fps limit) applies to the running session: the source is not reopened, the session not
// restarted. A changed source still needs the restart (reconfigure says false).
TEST(CameraManager, DetectionLimitsReachTheAnalyzerAndAnEditKeepsTheStream) {
  auto analyzer = std::make_shared<LimitsRecordingAnalyzer>();
  auto sink = std::make_shared<RecordingSink>();
  PipelineConfig cfg;
  cfg.inference_threads = 1;
  CameraManager mgr(cfg, analyzer, sink, {});
  std::atomic<int> opened{0};
  mgr.set_source_factory([&](const CameraConfig&) -> Result<std::unique_ptr<FrameSource>> {
    ++opened;
    return std::unique_ptr<FrameSource>(std::make_unique<FakeSource>(5, 0));
  });
  CameraConfig c{.id = 1, .name = "door", .type = "rtsp", .url = "rtsp://cam/a", .fps_limit = 50};
  c.limits = {0.8f, 40.f, 3};
  ASSERT_TRUE(mgr.start_camera(c).ok());
  ASSERT_TRUE(wait_until([&] { return sink->result_count(1) >= 5; }, 5s));
  EXPECT_EQ(analyzer->last(), (DetectionLimits{0.8f, 40.f, 3}));
  Json before = mgr.stats(1);

  CameraConfig edited = c;
  edited.name = "front door";
  edited.limits = {0.5f, 96.f, 1};
  edited.fps_limit = 20;
  ASSERT_TRUE(mgr.reconfigure(edited));
  size_t at_edit = sink->result_count(1);
  ASSERT_TRUE(wait_until([&] { return sink->result_count(1) >= at_edit + 5 && analyzer->last() == edited.limits; }, 5s));
  Json after = mgr.stats(1);
  EXPECT_EQ(opened, 1) << "the source was reopened";
  EXPECT_EQ(after["name"], "front door");
  EXPECT_EQ(after["fps_limit"], 20.0);
  EXPECT_EQ(after["started_at"], before["started_at"]);
  EXPECT_GE(after["frames_processed"].get<int>(), before["frames_processed"].get<int>());

  CameraConfig moved = edited;
  moved.url = "rtsp://cam/b";
  EXPECT_FALSE(mgr.reconfigure(moved));
  CameraConfig analysis_off = edited;
  analysis_off.detection_enabled = false;
  EXPECT_FALSE(mgr.reconfigure(analysis_off));
  EXPECT_FALSE(mgr.reconfigure(CameraConfig{.id = 2, .type = "rtsp"})) << "not running";
  mgr.stop_all();
  EXPECT_EQ(opened, 1);
}

TEST(CameraManager, ReidentifiesOpenTracksWithinASecondOfAGalleryChange) {
  // The gallery as RecognitionService exposes it: a lookup and a generation counter, both
  // read from pool threads while the "API" thread (this test) edits the gallery.
  std::atomic<bool> enrolled{false};
  std::atomic<uint64_t> generation{1};
  std::atomic<int> lookups{0};
  IdentityMatcher matcher(
      [&](const std::vector<float>&) -> std::optional<IdentityMatch> {
        ++lookups;
        if (!enrolled) return std::nullopt;
        return IdentityMatch{42, 0.9f, "alice"};
      },
      [&] { return generation.load(); });
  auto sink = std::make_shared<RecordingSink>();
  PipelineConfig cfg;
  cfg.inference_threads = 1;
  CameraManager mgr(cfg, std::make_shared<FixedFaceAnalyzer>(), sink, matcher);
  mgr.set_source_factory([](const CameraConfig&) -> Result<std::unique_ptr<FrameSource>> {
    return std::unique_ptr<FrameSource>(std::make_unique<FakeSource>(20, 0));
  });
  ASSERT_TRUE(mgr.start_camera(CameraConfig{.id = 1, .type = "rtsp", .fps_limit = 10}).ok());
  auto latest_identity = [&]() -> std::optional<std::optional<PersonId>> {
    std::lock_guard lock(sink->mu);
    if (sink->results.empty() || sink->results.back().faces.empty() || !sink->results.back().faces[0].track_id) return std::nullopt;
    const auto& id = sink->results.back().faces[0].identity;
    return id ? std::optional<PersonId>(id->person_id) : std::optional<PersonId>();
  };
  auto has_event = [&](TrackEvent::Type type) {
    std::lock_guard lock(sink->mu);
    return std::any_of(sink->events.begin(), sink->events.end(), [&](const auto& e) { return e.second.type == type; });
  };
  // A confirmed track, checked once: unknown.
  ASSERT_TRUE(wait_until([&] { auto id = latest_identity(); return id && !*id && lookups > 0; }, 5s));
  int before = lookups;
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(lookups, before);  // no lookups while nothing changes

  // Enrolment: the live results carry the name within about a second.
  enrolled = true;
  ++generation;
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(wait_until([&] { auto id = latest_identity(); return id && *id == PersonId{42}; }, 1500ms));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1000ms);
  EXPECT_TRUE(has_event(TrackEvent::Type::kIdentityAssigned));

  // Deletion: back to unknown, announced as an identity change.
  enrolled = false;
  ++generation;
  ASSERT_TRUE(wait_until([&] { auto id = latest_identity(); return id && !*id; }, 1500ms));
  EXPECT_TRUE(has_event(TrackEvent::Type::kIdentityChanged));
  mgr.stop_all();
  std::lock_guard lock(sink->mu);
  std::vector<TrackEvent::Type> types;
  for (auto& [c, e] : sink->events) types.push_back(e.type);
  EXPECT_EQ(types, (std::vector<TrackEvent::Type>{TrackEvent::Type::kStarted, TrackEvent::Type::kIdentityAssigned,
                                                  TrackEvent::Type::kIdentityChanged, TrackEvent::Type::kEnded}));
  EXPECT_FALSE(sink->events.back().second.identity);
}

TEST(PipelineConfig, ReadsPipelineSection) {
  auto c = PipelineConfig::from_json(Json{{"inference_threads", 3}, {"frame_ring", 6}, {"default_fps_limit", 2.5},
                                          {"reconnect_base_ms", 10}, {"tracker", {{"max_lost", 5}}}});
  EXPECT_EQ(c.inference_threads, 3);
  EXPECT_EQ(c.frame_ring, 6u);
  EXPECT_DOUBLE_EQ(c.default_fps_limit, 2.5);
  EXPECT_EQ(c.reconnect.base_ms, 10);
  EXPECT_EQ(c.reconnect.max_ms, 60000);
  EXPECT_EQ(c.tracker.max_lost, 5);
}

TEST(VideoJob, AnalysesAFileAtFullSpeedSampledByPts) {
  TempDir dir;
  std::string clip = dir.path() + "/job.mp4";
  ASSERT_EQ(std::system(("ffmpeg -v error -y -f lavfi -i testsrc=size=160x120:rate=25 -t 4 -c:v libx264 -preset ultrafast "
                         "-pix_fmt yuv420p " + clip + " < /dev/null").c_str()), 0);
  FixedFaceAnalyzer analyzer;
  RecordingSink sink;
  VideoJobOptions o;
  o.camera_id = 3;
  o.sample_fps = 5;
  auto summary = run_video_job(clip, analyzer, &sink, o);
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_EQ((*summary)["frames_decoded"], 100);
  EXPECT_NEAR((*summary)["frames_analyzed"].get<int>(), 20, 1);  // 4 s at 5 fps
  EXPECT_EQ((*summary)["tracks"], 1);
  EXPECT_LT((*summary)["elapsed_ms"].get<double>(), 4000);  // faster than real time
  ASSERT_FALSE(sink.results.empty());
  EXPECT_EQ(sink.results.back().camera_id, 3);
  EXPECT_GE(*sink.results.back().pts_ms, 3600);
  ASSERT_EQ(sink.events.size(), 2u);  // started, ended (video time)
  EXPECT_EQ(sink.events.back().second.type, TrackEvent::Type::kEnded);
  EXPECT_GE(sink.events.back().second.last_seen_ms, 3600);
  EXPECT_FALSE(run_video_job(dir.path() + "/missing.mp4", analyzer, nullptr).ok());
  std::atomic<bool> cancel{true};
  o.cancel = &cancel;
  auto cancelled = run_video_job(clip, analyzer, nullptr, o);
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ(cancelled.value()["cancelled"], true);
}
