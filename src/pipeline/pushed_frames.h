#pragma once
// PushedFrames: frames pushed one at a time for a registered camera (POST
// /detections/process-frame; seed 001 §4.2: a pushed frame is a frame of that camera) go
// through a per-camera Tracker into the same ResultSink as the cameras' streams: the live
// cache, WebSocket detection_event, and one sighting per track (attendance follows).
//
// A client may stop pushing at any moment, so there is no "next frame" to end a track: a
// camera with no pushed frame for `idle_close` (pipeline.sighting_close_ms) has its open
// tracks ended (track_ended, sighting closed) by a reaper thread, and a frame arriving after
// such a gap never continues an older track. end_camera() ends them at once (camera deleted
// or stopped). The Tracker object stays, so track ids keep counting up per camera.
//
// Track ids are kTrackIdBase + the tracker's own id: a camera may also run a stream session
// with its own tracker, and the SightingWriter keys open sightings by (camera, track id).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "pipeline/analysis.h"
#include "tracking/tracker.h"

namespace argus {

class PushedFrames {
 public:
  static constexpr uint64_t kTrackIdBase = 1'000'000'000;

  PushedFrames(TrackerConfig tracker, IdentityMatcher matcher, std::shared_ptr<ResultSink> sink,
               std::chrono::milliseconds idle_close);
  ~PushedFrames();  // stop()
  PushedFrames(const PushedFrames&) = delete;
  PushedFrames& operator=(const PushedFrames&) = delete;

  void start();  // the reaper thread
  // Joins the reaper, then ends every open track (their events reach the sink). Frames
  // processed afterwards are not tracked. Idempotent.
  void stop();

  // Tracks one analysed frame of `camera` (frame.received / received_unix_ms: when it
  // arrived; analysis.timings_ms may carry queue_ms and analyze_ms) and hands the result to
  // the sink. Returns each face's track id in analysis order (0: tentative, not yet a track),
  // or nullopt when the frame was not tracked (stopped, or the camera was just ended). Frames
  // of one camera are tracked one at a time; one overtaken by a later frame (several frame
  // workers) is tracked at the later frame's time, so track times never go back.
  std::optional<std::vector<uint64_t>> process(CameraId camera, Frame frame, AnalysisResult analysis);

  // Ends the camera's open tracks now and forgets its tracker (camera deleted or stopped).
  void end_camera(CameraId camera);

  // The camera's last tracked frame (shared pixels, read-only; seq counts this camera's pushed
  // frames), for the live view; nullopt before its first frame or once the camera was ended.
  std::optional<Frame> latest_frame(CameraId camera) const;

 private:
  struct Camera {
    explicit Camera(const TrackerConfig& c, const IdentityMatcher& m) : tracker(c, m) {}
    std::mutex mu;  // serialises this camera's frames, flushes and end
    Tracker tracker;
    uint64_t seq = 0;
    int64_t last_ms = 0;                 // tracker time of the last frame (never decreases)
    SteadyClock::time_point last_frame;  // arrival of the last frame tracked
    bool tracking = false;               // tracks (perhaps tentative) since the last flush
    bool ended = false;                  // end_camera()/stop() ran: no more frames
    // The live view reads the last frame without waiting for a frame being tracked (mu).
    mutable std::mutex latest_mu;
    Frame latest;
  };

  std::shared_ptr<Camera> camera(CameraId id);
  std::shared_ptr<Camera> find(CameraId id) const;
  // Ends cam's tracks (caller holds cam.mu) and hands their events to the sink.
  void flush_locked(CameraId id, Camera& cam);
  // Ends cam's tracks when idle_close passed since its last frame; returns when to look again.
  SteadyClock::time_point reap(CameraId id, Camera& cam, SteadyClock::time_point now);
  void reaper_loop();

  const TrackerConfig tracker_cfg_;
  const IdentityMatcher matcher_;
  const std::shared_ptr<ResultSink> sink_;
  const std::chrono::milliseconds idle_close_;

  mutable std::mutex mu_;  // guards cameras_ and stopping_; never held while a camera's mu is taken
  std::condition_variable cv_;
  std::map<CameraId, std::shared_ptr<Camera>> cameras_;  // bounded by the registered cameras
  bool stopping_ = false;
  std::thread reaper_;  // last: started in start(), joined in stop()
};

}  // namespace argus
