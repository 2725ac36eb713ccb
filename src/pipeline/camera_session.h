#pragma once
// One camera: a decode thread that (re)connects its FrameSource with exponential backoff,
// keeps the latest frame for the live view, offers frames to the InferencePool, and - on a
// pool thread - runs the FrameAnalyzer and this camera's Tracker and hands results to the
// ResultSink. States: connecting -> live -> error -> (backoff) connecting ... -> stopped.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/json.h"
#include "ingest/frame_source.h"
#include "pipeline/analysis.h"
#include "pipeline/scheduler.h"
#include "tracking/tracker.h"

namespace argus {

// kWaiting: the source has nobody sending (a push camera nobody feeds, source_error::kNoPeer):
// idle rather than down, so it counts no error, downtime or reconnection and raises no
// camera_offline alert (camera_idle only where the camera sets idle_alert_ms).
enum class SessionState { kConnecting, kLive, kError, kStopped, kWaiting };
const char* to_string(SessionState state);

struct CameraConfig {
  CameraId id = 0;
  std::string name;
  std::string type;  // rtsp, http_mjpeg, usb, websocket, socket, file
  std::string url;
  SourceOptions source;
  double fps_limit = 5;   // analysed frames per second; <= 0: every frame the pool can take
  bool detection_enabled = true;
  DetectionLimits limits;  // the camera's detection settings, per analysis
  size_t frame_ring = 4;  // decoded frames waiting for analysis; oldest dropped
  // A push camera waiting this long for frames raises camera_idle (AlertMonitor); 0: never.
  // Only reported in stats() for the monitor: waiting is normal for a browser webcam, so
  // whether it is worth an alert is the camera's own setting (settings.idle_alert_s).
  int64_t idle_alert_ms = 0;
};

struct ReconnectPolicy {
  int base_ms = 1000;  // 1, 2, 4, ... seconds
  int max_ms = 60000;
};

using StateCallback = std::function<void(CameraId, SessionState, const std::string& detail)>;
using SourceFactory = std::function<Result<std::unique_ptr<FrameSource>>(const CameraConfig&)>;

struct SessionDeps {
  InferencePool* pool = nullptr;              // null or no analyzer: live view only
  std::shared_ptr<FrameAnalyzer> analyzer;
  std::shared_ptr<ResultSink> sink;
  IdentityMatcher matcher;                    // may be empty
  TrackerConfig tracker;
  ReconnectPolicy reconnect;
  bool preview_boxes = true;                  // ResultSink::on_frame_preview after detection
  StateCallback on_state;                     // called from the decode thread
  SourceFactory factory;                      // empty: make_frame_source
};

class CameraSession {
 public:
  CameraSession(CameraConfig config, SessionDeps deps);
  ~CameraSession();  // stop()
  CameraSession(const CameraSession&) = delete;
  CameraSession& operator=(const CameraSession&) = delete;

  void start();
  // Interrupts the source, joins the decode thread, waits for an in-flight analysis, ends
  // open tracks (kEnded to the sink). Idempotent.
  void stop();

  SessionState state() const { return state_.load(); }
  // Takes what can change while the camera runs (name, fps limit, detection limits) when
  // `next` reads from the same source with the same analysis on or off, and returns true; an
  // edit of a camera's name or thresholds does not drop its stream and open tracks. false:
  // nothing changed, the caller restarts the session.
  bool reconfigure(const CameraConfig& next);
  Json stats() const;
  std::optional<Frame> latest_frame() const;
  // JPEG of the latest frame, re-encoded only when a newer frame arrived. nullopt: no frame.
  std::optional<std::string> latest_jpeg(int quality = 80) const;
  void set_fps_limit(double fps);

 private:
  void run();
  void set_state(SessionState s, const std::string& detail);
  bool sleep_backoff(int ms);  // false when stopping
  void process(Frame&& frame);  // pool thread

  CameraConfig cfg_;  // name and limits as started: the live ones are name_, limits_, idle_alert_ms_
  SessionDeps deps_;
  std::shared_ptr<InferencePool::Lane> lane_;
  std::unique_ptr<Tracker> tracker_;  // touched only by the lane's (serial) processing

  std::atomic<SessionState> state_{SessionState::kStopped};
  std::atomic<double> fps_limit_;  // cfg_.fps_limit, changeable while running
  std::atomic<bool> stopping_{false};
  std::mutex src_mu_;             // guards current_ against stop()'s interrupt
  FrameSource* current_ = nullptr;
  std::mutex wait_mu_;
  std::condition_variable wait_cv_;

  mutable std::mutex mu_;  // stats, latest frame, name_, limits_ and idle_alert_ms_
  std::string name_;
  DetectionLimits limits_;
  int64_t idle_alert_ms_ = 0;
  struct Counters {
    uint64_t captured = 0, processed = 0, analyze_errors = 0, faces = 0;
    uint64_t embeddings_computed = 0, embeddings_skipped = 0;
    uint64_t reconnections = 0, errors = 0, connect_attempts = 0;
    uint64_t bytes = 0;
    std::string last_error, source;
    int64_t state_since_unix_ms = 0, started_unix_ms = 0, last_frame_unix_ms = 0;
    bool ever_live = false;
    SteadyClock::time_point down_since{};  // set while not live after having been live
    SteadyClock::duration downtime{};
    double fps = 0, processed_fps = 0, kbps = 0;
    double avg_latency_ms = 0, max_latency_ms = 0, avg_analyze_ms = 0;
    // 1-second windows for the rates
    SteadyClock::time_point win_start{}, pwin_start{};
    uint64_t win_frames = 0, win_bytes = 0, pwin_frames = 0;
    int width = 0, height = 0;
  } c_;
  Frame latest_;
  mutable std::string jpeg_cache_;
  mutable uint64_t jpeg_seq_ = 0;
  mutable int jpeg_quality_ = 0;
  std::thread thread_;  // last: started in start(), joined in stop()
};

}  // namespace argus
