#pragma once
// Value types of the vision stages: detections, faces, quality verdicts, timings.
#include <array>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/types.h"

namespace argus::vision {

// One detector output. keypoints: 5 points (left eye, right eye, nose, left mouth corner,
// right mouth corner, in image order: "left" = smaller x) when the detector gives them.
struct Detection {
  RectF box;
  float score = 0;
  std::vector<PointF> keypoints;
};

struct Quality {
  float sharpness = 0;   // Laplacian variance of the aligned 112x112 grey face
  float brightness = 0;  // mean grey level of the aligned face, 0..255
  float size = 0;        // shorter side of the detection box, pixels
  float yaw = 0, pitch = 0, roll = 0;  // degrees; from fr_pose when run, else estimated from 5 points
  float score = 0;       // 0..1, all of the above combined
  // Empty when acceptable for enrolment, else the first failed check:
  // too_small | too_blurry | too_dark | too_bright | bad_pose | low_quality
  std::string reason;
};

struct Pose {
  float yaw = 0, pitch = 0, roll = 0;
};

struct Face {
  RectF box;
  float score = 0;
  std::vector<PointF> landmarks5;
  std::vector<PointF> landmarks68;  // empty unless the 68-point landmarker ran
  Quality quality;
  std::vector<float> embedding;     // L2-normalised; empty when not computed
  std::string embedder_id;
  std::optional<float> liveness;    // probability of a live face, when asked for
  std::optional<Pose> pose;         // from fr_pose, when asked for
};

// Milliseconds per stage of one analyze() call, and which model ran each stage.
struct AnalyzeTrace {
  std::map<std::string, double> timings_ms;   // detect, landmarks, align, quality, embed, attributes, total
  std::map<std::string, std::string> models;  // task -> model id that ran
  bool fallback_used = false;                 // a stage's active model failed and the next one ran
  std::vector<std::string> notes;             // why a fallback ran
};

struct AnalyzeOptions {
  bool detect_only = false;       // boxes (+ detector keypoints) only
  bool landmarks = true;          // run the 68-point landmarker (else use detector keypoints)
  bool embed = true;
  bool quality = true;
  bool liveness = false;
  bool pose = false;              // run fr_pose (quality falls back to a 5-point estimate)
  bool flip = false;              // embed the mirrored face too and average (more accurate, 2x cost)
  bool fusion = false;            // concatenate both recognisers' embeddings (see Embedder docs)
  float detection_threshold = -1; // < 0: the configured one
  float min_face_size = -1;       // < 0: the configured one
  int max_faces = 0;              // 0: all; else the largest N
  std::string detector;           // empty: the registry's active detector
  std::string embedder;           // empty: the registry's active recogniser
  // With embed: called once, after landmarks and quality and before any embedding, with every
  // face found (no embeddings yet); one flag per face, true = embed it. Lets the live pipeline
  // leave out faces whose track is already recognised. Empty: embed every face. With a filter,
  // faces left out keep the first landmark pass's points (the second runs for embedded faces).
  std::function<std::vector<bool>(const std::vector<Face>& faces)> embed_filter;
  // Called once right after detection, before landmarks: every face kept (box, score, the
  // detector's keypoints if any; no landmarks, quality or embedding). Lets the live pipeline
  // publish boxes while the rest of the analysis runs. Empty: not called.
  std::function<void(const std::vector<Face>& faces)> on_detected;
};

}  // namespace argus::vision
