#pragma once
// The ResultSink CameraManager gets: LiveSink (LiveCache + WebSocket detection_event) and
// the SightingWriter, each shielded from the other's exceptions.
#include <memory>
#include <string>
#include <vector>

#include "events/event_json.h"
#include "events/live_cache.h"
#include "events/ws_hub.h"
#include "pipeline/analysis.h"

namespace argus::events {

class FanoutSink final : public ResultSink {
 public:
  explicit FanoutSink(std::vector<std::shared_ptr<ResultSink>> sinks) : sinks_(std::move(sinks)) {}
  void on_frame_result(const FrameResult& result) override;
  void on_frame_preview(const FrameResult& preview) override;
  void on_track_event(CameraId camera_id, const TrackEvent& event) override;

 private:
  // Calls every sink; an exception is counted under `stage` and logged, the next sink still runs.
  template <class Call>
  void each(const char* stage, Call&& call);
  std::vector<std::shared_ptr<ResultSink>> sinks_;
};

// Per analysed frame: the detection_event JSON goes to the LiveCache and to subscribers.
// A preview (boxes right after detection) goes to subscribers only, as a detection_event
// with "provisional": true; the complete one for the same frame_seq follows, and only that
// one is cached.
class LiveSink final : public ResultSink {
 public:
  LiveSink(LiveCache& cache, WsHub& hub, std::string model, PersonNameFn person_name)
      : cache_(cache), hub_(hub), model_(std::move(model)), person_name_(std::move(person_name)) {}
  void on_frame_result(const FrameResult& result) override;
  void on_frame_preview(const FrameResult& preview) override;

 private:
  LiveCache& cache_;
  WsHub& hub_;
  std::string model_;
  PersonNameFn person_name_;
};

}  // namespace argus::events
