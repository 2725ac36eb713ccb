#pragma once
// LiveRuntime: runs the cameras inside `argus serve`. Composition only - it builds the
// CameraManager with its sinks (LiveCache, WebSocket hub, SightingWriter), follows camera
// changes made through the API (CameraService::on_change), mirrors session states into the
// store and to WebSocket clients, exports per-camera metrics, raises system alerts (a thread
// of its own feeds AlertMonitor) and registers the live routes.
//
// Lifetime: construct after add_core_routes (it adds routes), start() once the HTTP server
// listens, stop() after the HTTP server stopped (streams and sockets are gone by then);
// destroy after the server (serve.cpp declares it first).
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "api/app.h"
#include "api/routes_live.h"
#include "core/config.h"
#include "events/alert_monitor.h"
#include "events/fanout_sink.h"
#include "events/live_cache.h"
#include "events/sighting_writer.h"
#include "events/ws_hub.h"
#include "pipeline/camera_manager.h"
#include "pipeline/live_frames.h"
#include "pipeline/pushed_frames.h"

namespace argus::cli {

struct LiveDeps {
  const Config& config;
  api::ApiApp& app;
  std::string blob_dir;                             // <data>/blobs
  std::shared_ptr<FrameAnalyzer> analyzer;          // null: live view only, no detections
  IdentityMatcher matcher;                          // may be empty
  std::function<std::string(int64_t)> person_name;  // may be empty
  std::string model;                                // shown in detection_event.data.model
};

class LiveRuntime {
 public:
  explicit LiveRuntime(LiveDeps deps);
  ~LiveRuntime();
  LiveRuntime(const LiveRuntime&) = delete;
  LiveRuntime& operator=(const LiveRuntime&) = delete;

  // Starts the writer and hub threads and every active camera.
  void start();
  // Stops cameras (their open tracks end and are written), the hub and the writer.
  void stop();
  // pipeline.ws_client_queue, for HttpServer::ws_queue_limit.
  size_t ws_client_queue() const { return ws_client_queue_; }
  CameraManager& manager() { return *manager_; }
  // Tracks frames pushed to process-frame for registered cameras into the same sinks
  // (FrameService::set_live_feed); stopped with the cameras.
  std::shared_ptr<PushedFrames> pushed_frames() { return pushed_; }

 private:
  void on_camera_change(int64_t id, const std::string& what);
  // restart false (an edit): a running camera whose source is unchanged takes the new name,
  // fps limit and detection limits without dropping its stream (CameraManager::reconfigure).
  void start_camera(int64_t id, bool restart = true);
  void stop_camera(int64_t id);
  void on_state(CameraId id, SessionState s, const std::string& detail);
  Json camera_stats(int64_t id) const;
  Json performance() const;
  // Housekeeping thread: AlertMonitor::update every 2 s, and the history's retention
  // (services/retention.h) at the first pass and hourly after.
  void watch_alerts();
  void apply_retention();

  LiveDeps deps_;
  api::AppContext& ctx_;
  size_t ws_client_queue_ = 256;
  std::atomic<bool> stopping_{false};
  std::mutex change_mu_;  // serialises start/stop of one camera against another request
  std::mutex metrics_mu_;
  std::set<int64_t> metric_cameras_;  // cameras whose gauges are registered

  std::unique_ptr<events::LiveCache> cache_;
  std::unique_ptr<events::WsHub> hub_;
  std::shared_ptr<events::SightingWriter> writer_;
  std::shared_ptr<events::LiveSink> live_sink_;
  std::unique_ptr<CameraManager> manager_;  // after the sinks: destroyed (cameras stopped) first
  std::shared_ptr<PushedFrames> pushed_;    // likewise
  std::unique_ptr<LiveFrames> frames_;      // reads manager_ and pushed_: destroyed before them
  std::unique_ptr<events::AlertMonitor> alerts_;
  std::unique_ptr<api::LiveContext> routes_ctx_;

  std::mutex alert_mu_;
  std::condition_variable alert_cv_;
  bool alert_stop_ = false;
  std::thread alert_thread_;  // last: started in start(), joined in stop()
};

}  // namespace argus::cli
