#pragma once
// Offline analysis of a video file at full decode speed (uploads, "analyse this clip" jobs):
// the same FrameAnalyzer, Tracker and ResultSink as live cameras, on the caller's thread.
// Times in results and track events are video time (pts, ms from the start of the file),
// because wall-clock time means nothing for a recording.
#include <atomic>
#include <string>

#include "core/json.h"
#include "core/result.h"
#include "pipeline/analysis.h"
#include "tracking/tracker.h"

namespace argus {

struct VideoJobOptions {
  CameraId camera_id = 0;  // copied into results (0: not a camera)
  double sample_fps = 5;   // analysed frames per second of video; <= 0: every frame
  TrackerConfig tracker;
  IdentityMatcher matcher;                 // may be empty
  const std::atomic<bool>* cancel = nullptr;  // checked per frame
  uint64_t max_frames = 0;                 // decoded frames at most; 0: whole file
};

// Summary: {frames_decoded, frames_analyzed, faces, tracks, video_ms, elapsed_ms, cancelled}.
Result<Json> run_video_job(const std::string& path, FrameAnalyzer& analyzer, ResultSink* sink,
                           const VideoJobOptions& options = {});

}  // namespace argus
