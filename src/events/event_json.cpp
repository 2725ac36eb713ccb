#include "events/event_json.h"

#include "core/time.h"

namespace argus::events {

namespace {
Json rect_json(const RectF& b) { return Json{{"x", b.x}, {"y", b.y}, {"width", b.w}, {"height", b.h}}; }
}  // namespace

Json detection_event_data(const FrameResult& r, const std::string& model, const PersonNameFn& person_name) {
  Json dets = Json::array();
  const float w = r.width > 0 ? static_cast<float>(r.width) : 1.f, h = r.height > 0 ? static_cast<float>(r.height) : 1.f;
  for (const auto& f : r.faces) {
    // The smoothed box is steadier to draw; tentative faces (track 0) only have the raw one.
    const RectF& b = f.track_id && f.smoothed_box.area() > 0 ? f.smoothed_box : f.face.box;
    Json d{{"track_id", f.track_id},
           {"bbox", rect_json(b)},
           {"normalized", rect_json(RectF{b.x / w, b.y / h, b.w / w, b.h / h})},
           {"confidence", f.face.score},
           {"quality", f.face.quality}};
    if (f.identity) {
      std::string name = f.identity->label;
      if (name.empty() && person_name) name = person_name(f.identity->person_id);
      d["person"] = {{"id", f.identity->person_id}, {"name", name}, {"similarity", f.identity->score}};
    } else {
      d["person"] = nullptr;
    }
    Json lm = Json::array();
    if (f.face.has_landmarks)
      for (const auto& p : f.face.landmarks) lm.push_back({p.x, p.y});
    d["landmarks"] = lm;
    d["pose"] = f.face.pose ? Json{{"yaw", f.face.pose->yaw}, {"pitch", f.face.pose->pitch}, {"roll", f.face.pose->roll}}
                            : Json(nullptr);
    dets.push_back(std::move(d));
  }
  Json timings = Json::object();
  for (const auto& [k, v] : r.timings_ms) timings[k.ends_with("_ms") ? k : k + "_ms"] = v;
  if (!timings.contains("total_ms") && r.processed_unix_ms && r.received_unix_ms)
    timings["total_ms"] = static_cast<double>(r.processed_unix_ms - r.received_unix_ms);
  return Json{{"camera_id", r.camera_id}, {"frame_seq", r.seq},       {"frame_ts", r.received_unix_ms},
              {"width", r.width},         {"height", r.height},       {"detections", dets},
              {"timings", timings},       {"model", model},           {"processed_at", r.processed_unix_ms},
              {"provisional", r.provisional}};
}

Json sighting_json(const store::SightingRecord& s) {
  Json j{{"id", s.id},
         {"camera_id", s.camera_id},
         {"camera_name", s.camera_name},
         {"track_id", s.track_id},
         {"first_seen", iso8601_ms(s.first_seen)},
         {"last_seen", iso8601_ms(s.last_seen)},
         {"best_confidence", s.best_confidence},
         {"similarity", s.similarity},
         {"frame_count", s.frame_count}};
  j["person_id"] = s.person_id ? Json(*s.person_id) : Json(nullptr);
  j["person_name"] = s.person_id && !s.person_name.empty() ? Json(s.person_name) : Json(nullptr);
  j["snapshot_url"] = s.snapshot_path.empty() ? Json(nullptr)
                                              : Json("/api/v1/detections/" + std::to_string(s.id) + "/snapshot");
  return j;
}

std::string message(const std::string& type, const Json& data) {
  return Json{{"type", type}, {"timestamp", iso8601_ms(now_unix_ms())}, {"data", data}}.dump();
}

}  // namespace argus::events
