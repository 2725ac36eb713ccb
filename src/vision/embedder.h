#pragma once
// Face recognisers: an aligned face in, an L2-normalised embedding out; compare two embeddings
// by their dot product (cosine similarity). One implementation per file:
//   fr_feature_embedder.cpp  MobileFaceNet 512-d on the ArcFace 112x112 crop
//   faceapi_embedder.cpp     face-api / dlib ResNet 128-d on a dlib-style 150x150 chip
#include <opencv2/core.hpp>

#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "vision/inference.h"
#include "vision/types.h"

namespace argus::vision {

class Embedder {
 public:
  virtual ~Embedder() = default;
  // landmarks5 in frame pixels (order of arcface_template_112()). flip: also embed the mirrored
  // face and average (slightly more accurate, two forward passes).
  virtual Result<std::vector<float>> embed(const cv::Mat& bgr, const std::vector<PointF>& landmarks5, bool flip) = 0;
  // Several faces of one frame; the same embeddings as embed() one by one. Recognisers whose
  // model takes a batch run them in as few calls as the backend allows.
  virtual Result<std::vector<std::vector<float>>> embed_batch(const cv::Mat& bgr,
                                                              const std::vector<std::vector<PointF>>& landmarks5,
                                                              bool flip) {
    std::vector<std::vector<float>> out;
    out.reserve(landmarks5.size());
    for (const auto& l5 : landmarks5) {
      auto e = embed(bgr, l5, flip);
      if (!e) return e.error();
      out.push_back(std::move(*e));
    }
    return out;
  }
  virtual int dim() const = 0;
  // Cosine similarity at which two faces are called the same person (LFW-calibrated,
  // docs/accuracy.md).
  virtual float threshold() const = 0;
};

std::unique_ptr<Embedder> make_fr_feature_embedder(std::shared_ptr<InferenceBackend> backend);
std::unique_ptr<Embedder> make_faceapi_embedder(std::shared_ptr<InferenceBackend> backend);

void l2_normalize(std::vector<float>& v);
float cosine(const std::vector<float>& a, const std::vector<float>& b);  // dot of normalised vectors

// Match thresholds (cosine): the similarity that lets through 0.1 % of LFW's impostor pairs
// (`argus eval lfw --json` threshold_at_far_1e-3: 0.349 and 0.916), not LFW's accuracy-optimal
// 0.269 / 0.907. Matching is open-set, one face against every enrolled person: at the
// accuracy-optimal threshold about 1 in 100-200 strangers scores above it per enrolled
// person, so with a gallery of a few dozen people strangers got names (docs/accuracy.md).
inline constexpr float kFrFeatureThreshold = 0.35f;
inline constexpr float kFaceApiThreshold = 0.92f;

// Fusion of two recognisers as one embedding for the gallery: concatenate sqrt(w_i) * e_i, so
// that the dot product of two fused vectors is the weighted sum of the two cosines (weights
// adding up to 1 keep the fused vector unit length). Weights and threshold in use:
// kFusionWeights / kFusionThreshold (face_analyzer.h).
struct FusionWeights {
  float w_fr = 0.5f, w_faceapi = 0.5f;
};
std::vector<float> fuse_embeddings(const std::vector<float>& fr, const std::vector<float>& faceapi,
                                   const FusionWeights& w);

}  // namespace argus::vision
