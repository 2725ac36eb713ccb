#pragma once
// Face alignment: a least-squares similarity transform (Umeyama 1991) from detected landmarks
// to a template, then a warp. Not cv::estimateAffinePartial2D: its RANSAC drops points and
// costs accuracy (docs/accuracy.md).
#include <opencv2/core.hpp>

#include <array>
#include <vector>

#include "core/types.h"

namespace argus::vision {

// 2x3 matrix M (CV_64F) minimising sum |M*src_i - dst_i|^2 over rotation+uniform scale+translation.
cv::Mat umeyama_similarity(const std::vector<PointF>& src, const std::vector<PointF>& dst);

// ArcFace 112x112 template for 5 points (eyes, nose, mouth corners).
const std::array<PointF, 5>& arcface_template_112();
// dlib's 150x150 chip (padding 0.25) for the same 5 points, from dlib's mean face shape.
std::array<PointF, 5> dlib_chip_template(int size = 150, float padding = 0.25f);

cv::Mat warp_face(const cv::Mat& bgr, const std::vector<PointF>& landmarks5, const std::array<PointF, 5>& tmpl,
                  int size);
inline cv::Mat align_arcface(const cv::Mat& bgr, const std::vector<PointF>& landmarks5) {
  return warp_face(bgr, landmarks5, arcface_template_112(), 112);
}

}  // namespace argus::vision
