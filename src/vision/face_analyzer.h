#pragma once
// FaceAnalyzer: the one entry point the rest of Argus uses for faces in an image.
//   detect -> 68 landmarks -> 5 points -> similarity alignment -> quality -> embedding
//   (+ liveness / pose when asked). Thread-safe: call analyze() from any number of threads.
#include <opencv2/core.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/parallel.h"
#include "core/result.h"
#include "vision/model_registry.h"
#include "vision/quality.h"
#include "vision/types.h"
#include "vision/vision_config.h"

namespace argus::vision {

// Verdict for one enrolment photo (docs/api.md "image verdict").
struct EnrolCheck {
  bool ok = false;
  // no_face | multiple_faces | too_small | too_blurry | too_dark | too_bright | bad_pose | low_quality
  std::string reason;
  int faces_found = 0;
  std::optional<Face> face;  // the face that would be enrolled (set also when !ok, if any)
};

class FaceAnalyzer {
 public:
  // Loads the registry from config.models_dir and warms it up.
  static Result<std::shared_ptr<FaceAnalyzer>> create(const VisionConfig& config, const RegistryOptions& opts = {});
  FaceAnalyzer(std::shared_ptr<ModelRegistry> registry, VisionConfig config);

  // Options as configured (vision.fusion); start from these and change what a call needs.
  AnalyzeOptions default_options() const;

  std::vector<Face> analyze(const cv::Mat& bgr, const AnalyzeOptions& opts = {}, AnalyzeTrace* trace = nullptr) const;
  // Like analyze() but reports an inference failure of every model in the chain as an Error.
  Result<std::vector<Face>> try_analyze(const cv::Mat& bgr, const AnalyzeOptions& opts = {},
                                        AnalyzeTrace* trace = nullptr) const;

  // Enrolment photo check: exactly one dominant face that passes quality. A second face counts
  // only when its area is at least 40 % of the largest (background faces are tolerated).
  EnrolCheck check_enrol(const cv::Mat& bgr, const AnalyzeOptions& opts) const;
  // With default_options(): the embedding matches what the configured live path produces.
  EnrolCheck check_enrol(const cv::Mat& bgr) const { return check_enrol(bgr, default_options()); }

  // Cosine threshold of the recogniser that made embeddings with this embedder_id (""
  // = the active one; "fusion" = fused embeddings). vision.recognition_threshold > 0 overrides.
  float threshold(const std::string& embedder_id = "") const;
  // Id written to Face::embedder_id by the active recogniser (with fusion off).
  std::string active_embedder_id() const;

  ModelRegistry& registry() { return *registry_; }
  const ModelRegistry& registry() const { return *registry_; }
  const VisionConfig& config() const { return config_; }

 private:
  std::shared_ptr<ModelRegistry> registry_;
  VisionConfig config_;
  QualityThresholds thresholds_;
  std::unique_ptr<ParallelFor> frame_helpers_;  // vision.frame_threads
};

// Fused-embedding id and its match threshold (docs/accuracy.md).
// The id names the weights: fused vectors made with other weights live in another embedding
// space, so enrolments made with the old 0.5/0.5 weights ("fusion:fr-feature+faceapi-resnet128")
// land in a gallery of their own instead of being compared with the new ones.
inline constexpr const char* kFusionEmbedderId = "fusion:fr-feature+faceapi-resnet128:w20-80";
inline constexpr float kFusionThreshold = 0.80f;  // FAR 1e-3 on LFW (0.800 / 0.801 with flip)
// face-api's cosines spread over ~0.6-1.0, fr_feature's over ~-0.2-1.0: weights 0.2/0.8 give
// each a similar say (docs/accuracy.md "Fusion weights"; 0.5/0.5 was fr_feature with a little
// face-api: 99.30 %; 0.2/0.8: 99.35 %, 99.40 % with flip, by `argus eval lfw --fusion`).
inline constexpr FusionWeights kFusionWeights{0.2f, 0.8f};

// Draws boxes, landmarks and scores (for `argus detect --draw`).
void draw_faces(cv::Mat& bgr, const std::vector<Face>& faces);
Json face_to_json(const Face& f, bool with_embedding = false);
Json trace_to_json(const AnalyzeTrace& t);

}  // namespace argus::vision
