#include "pipeline/analysis.h"

namespace argus {
namespace {
Json box_json(const RectF& b) { return Json{{"x", b.x}, {"y", b.y}, {"w", b.w}, {"h", b.h}}; }
Json identity_json(const std::optional<IdentityMatch>& m) {
  if (!m) return nullptr;
  return Json{{"person_id", m->person_id}, {"score", m->score}, {"label", m->label}};
}
}  // namespace

Json to_json(const FrameResult& r) {
  Json faces = Json::array();
  for (const auto& f : r.faces) {
    Json j{{"box", box_json(f.face.box)},
           {"score", f.face.score},
           {"quality", f.face.quality},
           {"track_id", f.track_id},
           {"smoothed_box", box_json(f.smoothed_box)},
           {"identity", identity_json(f.identity)}};
    if (f.face.has_landmarks) {
      Json lm = Json::array();
      for (const auto& p : f.face.landmarks) lm.push_back({p.x, p.y});
      j["landmarks"] = lm;
    }
    if (f.face.pose) j["pose"] = {{"yaw", f.face.pose->yaw}, {"pitch", f.face.pose->pitch}, {"roll", f.face.pose->roll}};
    faces.push_back(std::move(j));
  }
  Json out{{"camera_id", r.camera_id},
           {"seq", r.seq},
           {"received_at", r.received_unix_ms},
           {"processed_at", r.processed_unix_ms},
           {"width", r.width},
           {"height", r.height},
           {"faces", faces},
           {"timings_ms", r.timings_ms},
           {"provisional", r.provisional}};
  out["pts_ms"] = r.pts_ms ? Json(*r.pts_ms) : Json(nullptr);
  return out;
}

Json to_json(const TrackEvent& e) {
  return Json{{"type", to_string(e.type)},
              {"track_id", e.track_id},
              {"time", e.time_ms},
              {"first_seen", e.first_seen_ms},
              {"last_seen", e.last_seen_ms},
              {"box", box_json(e.last_box)},
              {"hits", e.hits},
              {"best_quality", e.best_quality},
              {"identity", identity_json(e.identity)},
              {"previous_identity", identity_json(e.previous_identity)}};
}

}  // namespace argus
