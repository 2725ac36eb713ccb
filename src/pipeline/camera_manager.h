#pragma once
// CameraManager: the pipeline's front door for the API layer. Starts/stops one
// CameraSession per camera id over one shared InferencePool, lists stats, serves the latest
// frame (JPEG) per camera for MJPEG live view, and takes pushed JPEGs for websocket cameras.
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>

#include "core/json.h"
#include "core/result.h"
#include "ingest/push_source.h"
#include "pipeline/analysis.h"
#include "pipeline/camera_session.h"
#include "pipeline/scheduler.h"

namespace argus {

struct PipelineConfig {
  int inference_threads = 0;  // 0: one per core
  // Cameras started together get detection slots spread over the period (InferencePool).
  bool spread_slots = true;
  size_t frame_ring = 4;
  double default_fps_limit = 5;
  size_t push_queue = 8;      // pushed JPEGs waiting per websocket camera (oldest dropped)
  int jpeg_quality = 80;      // live view
  // Frames with faces go to the sink twice: boxes as soon as detected (on_frame_preview, a
  // provisional detection_event), then complete. false: complete results only.
  bool preview_boxes = true;
  ReconnectPolicy reconnect;
  TrackerConfig tracker;
  // Reads the "pipeline" section of the config tree (unknown keys ignored here; the
  // config loader validates them).
  static PipelineConfig from_json(const Json& pipeline_section);
};

class CameraManager {
 public:
  // analyzer may be null: cameras then run for live view only. matcher: gallery lookup for
  // the per-track identity vote; called concurrently from pool threads (thread-safe).
  CameraManager(PipelineConfig config, std::shared_ptr<FrameAnalyzer> analyzer, std::shared_ptr<ResultSink> sink,
                IdentityMatcher matcher = nullptr);
  ~CameraManager();  // stops every camera
  CameraManager(const CameraManager&) = delete;
  CameraManager& operator=(const CameraManager&) = delete;

  // Starts (or restarts with the new config) camera config.id. fps_limit <= 0 in config
  // means "every frame"; use default_fps_limit() for the configured default.
  Status start_camera(CameraConfig config);
  // false when the camera is not running.
  bool stop_camera(CameraId id);
  void stop_all();
  bool is_running(CameraId id) const;
  std::optional<SessionState> state(CameraId id) const;
  Json stats(CameraId id) const;  // null when not running
  Json list_stats() const;        // array, by camera id
  std::optional<Frame> latest_frame(CameraId id) const;
  std::optional<std::string> latest_jpeg(CameraId id) const;
  bool set_fps_limit(CameraId id, double fps);
  // Applies config to camera config.id while it keeps running when only its name, fps limit
  // or detection limits changed (CameraSession::reconfigure): true. false when it is not
  // running or its source changed: start_camera() then restarts it.
  bool reconfigure(const CameraConfig& config);

  // Push ingest (websocket cameras, browser webcam): false when the camera is not a running
  // websocket camera. The channel drops the oldest JPEG when the decoder falls behind.
  bool push_jpeg(CameraId id, std::string jpeg);
  std::shared_ptr<PushChannel> push_channel(CameraId id) const;

  // Called from decode threads on every state change (after the session's own bookkeeping).
  void set_state_callback(StateCallback cb);
  // Tests inject sources (fault injection); production leaves the default.
  void set_source_factory(SourceFactory factory);
  double default_fps_limit() const { return cfg_.default_fps_limit; }
  int inference_threads() const { return pool_ ? pool_->threads() : 0; }

 private:
  struct Entry {
    std::unique_ptr<CameraSession> session;
    std::shared_ptr<PushChannel> push;
  };
  PipelineConfig cfg_;
  std::shared_ptr<FrameAnalyzer> analyzer_;
  std::shared_ptr<ResultSink> sink_;
  IdentityMatcher matcher_;
  std::unique_ptr<InferencePool> pool_;
  mutable std::shared_mutex mu_;
  std::map<CameraId, Entry> cameras_;
  StateCallback on_state_;
  SourceFactory factory_;
};

}  // namespace argus
