#include "pipeline/video_job.h"

#include "ingest/frame_source.h"

namespace argus {

Result<Json> run_video_job(const std::string& path, FrameAnalyzer& analyzer, ResultSink* sink, const VideoJobOptions& o) {
  SourceOptions so;
  so.realtime = false;
  so.loop = false;
  auto made = make_frame_source("file", path, so);
  if (!made.ok()) return made.error();
  auto& src = *made.value();
  if (auto st = src.open(); !st.ok()) return st.error();
  Tracker tracker(o.tracker, o.matcher);
  const double step_ms = o.sample_fps > 0 ? 1000.0 / o.sample_fps : 0;
  double next_ms = 0;
  uint64_t decoded = 0, analysed = 0, faces = 0, tracks = 0;
  int64_t video_ms = 0;
  bool cancelled = false;
  auto t0 = SteadyClock::now();
  for (;;) {
    if (o.cancel && o.cancel->load()) {
      cancelled = true;
      break;
    }
    if (o.max_frames && decoded >= o.max_frames) break;
    auto frame = src.read();
    if (!frame.ok()) {
      if (frame.error().code == source_error::kEof) break;
      if (decoded == 0) return frame.error();
      break;  // a damaged tail: report what was analysed
    }
    ++decoded;
    // Without pts (rare raw streams) assume 25 fps so sampling still works.
    int64_t pts = frame->pts_ms.value_or(static_cast<int64_t>((decoded - 1) * 40));
    video_ms = std::max(video_ms, pts);
    if (step_ms > 0 && pts + 0.5 < next_ms) continue;
    next_ms = (step_ms > 0 ? std::max(next_ms + step_ms, pts + 0.0) : 0);
    auto a0 = SteadyClock::now();
    AnalysisResult analysis = analyzer.analyze(*frame);
    auto a1 = SteadyClock::now();
    std::vector<Detection> dets;
    for (const auto& f : analysis.faces) dets.push_back(Detection{f.box, f.score, f.embedding, f.quality});
    auto tracked = tracker.update(dets, pts);
    ++analysed;
    faces += analysis.faces.size();
    for (const auto& e : tracked.events) tracks += e.type == TrackEvent::Type::kStarted;
    if (!sink) continue;
    FrameResult r;
    r.camera_id = o.camera_id;
    r.seq = frame->seq;
    r.pts_ms = pts;
    r.received_unix_ms = frame->received_unix_ms;
    r.processed_unix_ms = now_unix_ms();
    r.width = frame->width();
    r.height = frame->height();
    for (size_t i = 0; i < analysis.faces.size(); ++i) {
      const auto& td = tracked.detections[i];
      r.faces.push_back(TrackedFace{std::move(analysis.faces[i]), td.track_id, td.smoothed_box, td.identity});
    }
    r.timings_ms = std::move(analysis.timings_ms);
    r.timings_ms["analyze_ms"] = std::chrono::duration<double, std::milli>(a1 - a0).count();
    r.frame = std::move(frame.value());
    sink->on_frame_result(r);
    for (const auto& e : tracked.events) sink->on_track_event(o.camera_id, e);
  }
  for (const auto& e : tracker.flush(video_ms))
    if (sink) sink->on_track_event(o.camera_id, e);
  double elapsed = std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count();
  return Json{{"frames_decoded", decoded}, {"frames_analyzed", analysed}, {"faces", faces}, {"tracks", tracks},
              {"video_ms", video_ms}, {"elapsed_ms", elapsed}, {"cancelled", cancelled}};
}

}  // namespace argus
