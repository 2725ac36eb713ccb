#include "vision/vision_config.h"

#include "vision/inference.h"

namespace argus::vision {

Result<VisionConfig> VisionConfig::from_json(const Json& tree) {
  const Json& v = tree.contains("vision") && tree["vision"].is_object() ? tree["vision"] : tree;
  VisionConfig c;
  try {
    auto get = [&](const char* key, auto& out) {
      if (v.contains(key) && !v[key].is_null()) out = v[key].get<std::decay_t<decltype(out)>>();
    };
    get("models_dir", c.models_dir);
    get("device", c.device);
    get("intra_op_threads", c.intra_op_threads);
    get("frame_threads", c.frame_threads);
    get("detector", c.detector);
    get("recognizer", c.recognizer);
    get("fusion", c.fusion);
    get("detection_threshold", c.detection_threshold);
    get("recognition_threshold", c.recognition_threshold);
    get("match_margin", c.match_margin);
    get("min_face_size", c.min_face_size);
    get("min_quality", c.min_quality);
    get("min_sharpness", c.min_sharpness);
    get("min_brightness", c.min_brightness);
    get("max_brightness", c.max_brightness);
    get("max_yaw_deg", c.max_yaw_deg);
  } catch (const std::exception& e) {
    return Error::make("VALIDATION_ERROR", std::string("vision config: ") + e.what());
  }
  if (c.device != "cpu" && !cuda_device_index(c.device))
    return Error::make("VALIDATION_ERROR", "vision.device must be auto, cpu or cuda:N");
  if (c.intra_op_threads < 0) c.intra_op_threads = 1;
  if (c.frame_threads < -1 || c.frame_threads > 64)
    return Error::make("VALIDATION_ERROR", "vision.frame_threads must be -1 (one per core but one), 0 or 1..64");
  return c;
}

}  // namespace argus::vision
