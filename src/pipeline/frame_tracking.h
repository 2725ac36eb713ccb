#pragma once
// One analysed frame through a camera's Tracker, into the FrameResult and TrackEvents its
// ResultSink gets. Shared by CameraSession (frames of a stream) and PushedFrames (frames
// pushed to POST /detections/process-frame), so that a camera's live results, WebSocket
// events and sightings look the same whichever way its frames arrive.
#include <vector>

#include "pipeline/analysis.h"
#include "tracking/tracker.h"

namespace argus {

// The tracker's view of analysed faces (box, score, embedding, quality), in the same order.
std::vector<Detection> detections_of(const std::vector<FaceObservation>& faces);

struct TrackedFrame {
  FrameResult result;              // faces in the analyser's order, with their track ids
  std::vector<TrackEvent> events;  // track lifecycle events of this update
};

// Runs `tracker` over the analysed faces at `time_ms` (wall clock: what sightings store) and
// fills the result from `frame`. timings_ms: the analyser's stages plus track_ms; callers
// add their own queue/analyze/total figures. processed_unix_ms is set after tracking.
TrackedFrame track_frame(CameraId camera, Frame frame, AnalysisResult analysis, Tracker& tracker, int64_t time_ms);

// The frame as known right after detection (`faces`: boxes and scores): the tracker's preview
// ids and identities, provisional = true, processed_unix_ms = now. Timings: queue_ms
// (receive -> `analysis_start`) and total_ms (receive -> now).
FrameResult preview_frame(CameraId camera, const Frame& frame, const std::vector<FaceObservation>& faces,
                          const Tracker& tracker, SteadyClock::time_point analysis_start);

// The frame result first, then the track events: a track's first frame is aggregated (best
// snapshot, counts) before its track_started is written.
void deliver(ResultSink& sink, const TrackedFrame& tracked);

}  // namespace argus
