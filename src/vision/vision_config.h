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
  // Helper threads that run one frame's detector tiles beside the thread analysing it; -1: one
  // per core but one, 0: none. Off by default: on 2 cores one helper cut one camera's latency
  // p95 85 -> 62 ms but gained nothing at 2 cameras and lost the 4th camera's throughput
  // (docs/benchmarks.md, Pipeline section 7). For a box with cores to spare. Tiled detectors
  // only (ultraface-ort, blazeface-ort, pulled fixed-size ones): the default multi-scale
  // detector runs 2 whole-frame passes and ignores it.
  int tile_threads = 0;
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
