#pragma once
// 68-point landmarker (fr_landmark.onnx) and the reduction to the 5 alignment points.
#include <opencv2/core.hpp>

#include <memory>
#include <vector>

#include "core/result.h"
#include "vision/inference.h"
#include "vision/types.h"

namespace argus::vision {

class Landmarker {
 public:
  virtual ~Landmarker() = default;
  // iBUG-68 points in frame pixels for the face in `box`.
  virtual Result<std::vector<PointF>> landmarks68(const cv::Mat& bgr, const RectF& box) = 0;
};

std::unique_ptr<Landmarker> make_fr_landmarker(std::shared_ptr<InferenceBackend> backend);

// Eye centres (mean of 37,38,40,41 / 43,44,46,47), nose tip (30), mouth corners
// (mean of 48,60 / 54,64): the order of arcface_template_112().
std::vector<PointF> five_from_68(const std::vector<PointF>& l68);

}  // namespace argus::vision
