#pragma once
// Typed view of the "vision" section of the configuration tree.
#include <string>

#include "core/json.h"
#include "core/result.h"

namespace argus::vision {

struct VisionConfig {
  std::string models_dir = "./models";
  std::string device = "auto";   // auto | cpu | cuda:N
  int intra_op_threads = 1;
  // Helper threads that share one frame's work with the thread analysing it: the detector's
  // passes or tiles, each face's landmarks and quality, the embeddings. -1: one per core but
  // one, 0: none. With spread detection slots (pipeline.spread_slots) a frame mostly finds the
  // other cores free: at 2 cameras on 2 cores the complete result's p95 went 67 -> 47 ms, at
  // 4 cameras 126 -> 84 ms, at the same CPU per frame (docs/benchmarks.md, Pipeline section
  // 11). Called tile_threads while only tiles were shared (the config loader maps the old name).
  int frame_threads = -1;
  std::string detector = "auto";
  std::string recognizer = "auto";
  bool fusion = false;
  float detection_threshold = 0.6f;
  float recognition_threshold = 0.0f;  // 0: the recogniser's calibrated threshold
  float match_margin = 0.05f;
  float min_face_size = 24;
  float min_quality = 0.3f;
  float min_sharpness = 15.0f;
  float min_brightness = 40.0f;
  float max_brightness = 220.0f;
  float max_yaw_deg = 45.0f;

  // Accepts the whole config tree (reads "vision") or the section itself.
  static Result<VisionConfig> from_json(const Json& tree);
};

}  // namespace argus::vision
