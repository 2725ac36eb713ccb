#pragma once
// The JSON shapes the live side speaks (docs/api.md "WebSocket" and "sighting").
#include <functional>
#include <string>

#include "core/json.h"
#include "pipeline/analysis.h"
#include "store/records.h"

namespace argus::events {

using PersonNameFn = std::function<std::string(int64_t person_id)>;

// detection_event.data: {camera_id, frame_seq, frame_ts (epoch ms), width, height,
// detections:[{track_id, bbox, normalized, confidence, quality, person|null, landmarks, pose}],
// timings:{..., total_ms}, model}. person_name may be empty (the match label is used then).
Json detection_event_data(const FrameResult& r, const std::string& model, const PersonNameFn& person_name);

// docs/api.md sighting; snapshot_url is null when no snapshot was saved.
Json sighting_json(const store::SightingRecord& s);

// {"type": type, "timestamp": ISO-8601 now, "data": data}, serialised.
std::string message(const std::string& type, const Json& data);

}  // namespace argus::events
