#pragma once
// Optional per-face attributes, run only when asked for (AnalyzeOptions::liveness / pose).
#include <opencv2/core.hpp>

#include <memory>

#include "core/result.h"
#include "vision/inference.h"
#include "vision/types.h"

namespace argus::vision {

// fr_liveness (MiniFASNet-style): probability that the face is live (not a photo/screen).
// Untested against real spoofs (no spoof data here): treat as advisory.
class LivenessModel {
 public:
  explicit LivenessModel(std::shared_ptr<InferenceBackend> b) : backend_(std::move(b)) {}
  Result<float> live_probability(const cv::Mat& bgr, const RectF& box) const;

 private:
  std::shared_ptr<InferenceBackend> backend_;
};

// fr_pose (HopeNet on ShuffleNetV2): yaw, pitch, roll in degrees.
class PoseModel {
 public:
  explicit PoseModel(std::shared_ptr<InferenceBackend> b) : backend_(std::move(b)) {}
  Result<Pose> estimate(const cv::Mat& bgr, const RectF& box) const;

 private:
  std::shared_ptr<InferenceBackend> backend_;
};

}  // namespace argus::vision
