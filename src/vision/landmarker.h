#pragma once
// 68-point landmarker (fr_landmark.onnx) and the reduction to the 5 alignment points.
#include <opencv2/core.hpp>

#include <memory>
#include <vector>

#include "core/result.h"
#include "vision/inference.h"
#include "vision/types.h"

namespace argus::vision {

// What the 68-point model sees: a square of `side` pixels centred on `centre`, turned by `angle`
// radians (the angle of the eye line in the frame: the crop is levelled by it).
struct LandmarkCrop {
  PointF centre;
  float side = 0;
  float angle = 0;
};

// The detection made square (side = box height), centred on the box: the first pass.
LandmarkCrop crop_from_box(const RectF& box);

class Landmarker {
 public:
  virtual ~Landmarker() = default;
  // iBUG-68 points in frame pixels for the face in `crop`.
  virtual Result<std::vector<PointF>> landmarks68(const cv::Mat& bgr, const LandmarkCrop& crop) = 0;
  // iBUG-68 points in frame pixels for the face in `box`.
  Result<std::vector<PointF>> landmarks68(const cv::Mat& bgr, const RectF& box) {
    return landmarks68(bgr, crop_from_box(box));
  }
};

std::unique_ptr<Landmarker> make_fr_landmarker(std::shared_ptr<InferenceBackend> backend);

// Where the first pass puts a face in its crop, on average: the 68 points' centroid relative to
// the crop centre and their RMS radius, in crop sides.
struct CropShape {
  float dx = 0, dy = 0, radius = 0.3f;
};
// Where fr_landmark's first pass (crop_from_box of an UltraFace detection) puts a face: the
// median over the 7701 LFW images (build-vision/argus eval landmarks).
inline constexpr CropShape kFrLandmarkCropShape{0.003f, 0.101f, 0.278f};
// A second-pass crop that places the face found by a first pass as `shape` says, optionally
// levelled by its eye line (fr_landmark is weak on tilted faces).
LandmarkCrop crop_from_landmarks(const std::vector<PointF>& l68, const CropShape& shape, bool level);
// The centroid/radius of `l68` measured in `crop` (the inverse of crop_from_landmarks).
CropShape shape_in_crop(const std::vector<PointF>& l68, const LandmarkCrop& crop);

// Eye centres (mean of 37,38,40,41 / 43,44,46,47), nose tip (30), mouth corners
// (mean of 48,60 / 54,64): the order of arcface_template_112().
std::vector<PointF> five_from_68(const std::vector<PointF>& l68);

}  // namespace argus::vision
