#include "pipeline/frame_tracking.h"

namespace argus {

std::vector<Detection> detections_of(const std::vector<FaceObservation>& faces) {
  std::vector<Detection> dets;
  dets.reserve(faces.size());
  for (const auto& f : faces) dets.push_back(Detection{f.box, f.score, f.embedding, f.quality});
  return dets;
}

namespace {
// The frame's identity and size, stamped now: what a result and a preview share.
FrameResult result_for(CameraId camera, const Frame& frame) {
  FrameResult r;
  r.camera_id = camera;
  r.seq = frame.seq;
  r.pts_ms = frame.pts_ms;
  r.received_unix_ms = frame.received_unix_ms;
  r.processed_unix_ms = now_unix_ms();
  r.width = frame.width();
  r.height = frame.height();
  return r;
}

double ms_between(SteadyClock::time_point a, SteadyClock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}
}  // namespace

TrackedFrame track_frame(CameraId camera, Frame frame, AnalysisResult analysis, Tracker& tracker, int64_t time_ms) {
  auto start = SteadyClock::now();
  auto tracked = tracker.update(detections_of(analysis.faces), time_ms);
  auto done = SteadyClock::now();

  TrackedFrame out;
  out.result = result_for(camera, frame);
  FrameResult& r = out.result;
  r.faces.reserve(analysis.faces.size());
  for (size_t i = 0; i < analysis.faces.size(); ++i) {
    const auto& td = tracked.detections[i];
    r.faces.push_back(TrackedFace{std::move(analysis.faces[i]), td.track_id, td.smoothed_box, td.identity});
  }
  r.timings_ms = std::move(analysis.timings_ms);
  r.timings_ms["track_ms"] = ms_between(start, done);
  r.frame = std::move(frame);
  out.events = std::move(tracked.events);
  return out;
}

FrameResult preview_frame(CameraId camera, const Frame& frame, const std::vector<FaceObservation>& faces,
                          const Tracker& tracker, SteadyClock::time_point analysis_start) {
  auto preview = tracker.preview(detections_of(faces));
  FrameResult r = result_for(camera, frame);
  r.faces.reserve(faces.size());
  for (size_t i = 0; i < faces.size(); ++i)
    r.faces.push_back(TrackedFace{faces[i], preview[i].track_id, preview[i].smoothed_box, preview[i].identity});
  r.timings_ms["queue_ms"] = ms_between(frame.received, analysis_start);
  r.timings_ms["total_ms"] = ms_between(frame.received, SteadyClock::now());
  r.frame = frame;
  r.provisional = true;
  return r;
}

void deliver(ResultSink& sink, const TrackedFrame& tracked) {
  sink.on_frame_result(tracked.result);
  for (const auto& e : tracked.events) sink.on_track_event(tracked.result.camera_id, e);
}

}  // namespace argus
