#include "services/live_camera_config.h"

namespace argus::services {

CameraConfig live_camera_config(const store::CameraRecord& cam, std::string url, double default_fps_limit) {
  CameraConfig c;
  c.id = cam.id;
  c.name = cam.name;
  c.type = cam.camera_type;
  c.url = std::move(url);
  const Json det = cam.detection.is_object() ? cam.detection : Json::object();
  const Json set = cam.settings.is_object() ? cam.settings : Json::object();
  c.fps_limit = det.contains("fps_limit") && det["fps_limit"].is_number() ? det["fps_limit"].get<double>() : default_fps_limit;
  c.detection_enabled = !det.contains("enabled") || !det["enabled"].is_boolean() || det["enabled"].get<bool>();
  // The camera's own detection settings (CameraService validated their ranges).
  if (det.contains("confidence_threshold") && det["confidence_threshold"].is_number())
    c.limits.min_confidence = det["confidence_threshold"].get<float>();
  if (det.contains("min_face_size") && det["min_face_size"].is_number())
    c.limits.min_face_size = det["min_face_size"].get<float>();
  if (det.contains("max_faces_per_frame") && det["max_faces_per_frame"].is_number_integer())
    c.limits.max_faces = det["max_faces_per_frame"].get<int>();
  if (c.type == "file") {
    // A file camera behaves like a live one: paced in real time, looping unless told not to.
    c.source.realtime = true;
    c.source.loop = !set.contains("loop") || !set["loop"].is_boolean() || set["loop"].get<bool>();
  }
  if (c.type == "usb") {
    // A USB device is the one source whose format we choose: ask for the record's size and
    // rate (0: the driver's default). V4L2 drivers answer with the nearest they support.
    if (cam.width > 0 && cam.height > 0) c.source.video_size = std::to_string(cam.width) + "x" + std::to_string(cam.height);
    if (cam.fps > 0) c.source.framerate = std::to_string(cam.fps);
  }
  if (set.contains("rtsp_transport") && set["rtsp_transport"].is_string()) c.source.rtsp_transport = set["rtsp_transport"];
  // Only a push camera waits for frames (CameraSession kWaiting); the others go offline.
  if (c.type == "websocket" && set.contains("idle_alert_s") && set["idle_alert_s"].is_number_integer())
    c.idle_alert_ms = set["idle_alert_s"].get<int64_t>() * 1000;
  return c;
}

}  // namespace argus::services
