#include "events/fanout_sink.h"

#include <spdlog/spdlog.h>

#include "core/time.h"
#include "obs/metrics.h"

namespace argus::events {

namespace {
void count_error(const char* what) {
  obs::Registry::global().counter("argus_sink_errors_total", "Exceptions thrown by result sinks", {{"stage", what}}).inc();
}
}  // namespace

template <class Call>
void FanoutSink::each(const char* stage, Call&& call) {
  for (auto& s : sinks_) {
    try {
      call(*s);
    } catch (const std::exception& e) {
      count_error(stage);
      spdlog::warn("result sink: {}", e.what());
    }
  }
}

void FanoutSink::on_frame_result(const FrameResult& result) {
  each("frame", [&](ResultSink& s) { s.on_frame_result(result); });
}

void FanoutSink::on_frame_preview(const FrameResult& preview) {
  each("preview", [&](ResultSink& s) { s.on_frame_preview(preview); });
}

void FanoutSink::on_track_event(CameraId camera_id, const TrackEvent& event) {
  each("track", [&](ResultSink& s) { s.on_track_event(camera_id, event); });
}

void LiveSink::on_frame_result(const FrameResult& result) {
  Json data = detection_event_data(result, model_, person_name_);
  hub_.publish_detection(result.camera_id, Json(data));
  cache_.put(result.camera_id, std::move(data), now_unix_ms());
}

void LiveSink::on_frame_preview(const FrameResult& preview) {
  hub_.publish_detection(preview.camera_id, detection_event_data(preview, model_, person_name_));
}

}  // namespace argus::events
