#include "vision/alignment.h"

#include <opencv2/imgproc.hpp>

namespace argus::vision {

cv::Mat umeyama_similarity(const std::vector<PointF>& src, const std::vector<PointF>& dst) {
  const size_t n = std::min(src.size(), dst.size());
  cv::Mat M = cv::Mat::eye(2, 3, CV_64F);
  if (n < 2) return M;
  double msx = 0, msy = 0, mdx = 0, mdy = 0;
  for (size_t i = 0; i < n; ++i) {
    msx += src[i].x; msy += src[i].y; mdx += dst[i].x; mdy += dst[i].y;
  }
  msx /= n; msy /= n; mdx /= n; mdy /= n;
  // Covariance (dst x src^T) / n and source variance.
  double c00 = 0, c01 = 0, c10 = 0, c11 = 0, var_s = 0;
  for (size_t i = 0; i < n; ++i) {
    double sx = src[i].x - msx, sy = src[i].y - msy, dx = dst[i].x - mdx, dy = dst[i].y - mdy;
    c00 += dx * sx; c01 += dx * sy; c10 += dy * sx; c11 += dy * sy;
    var_s += sx * sx + sy * sy;
  }
  c00 /= n; c01 /= n; c10 /= n; c11 /= n; var_s /= n;
  if (var_s <= 0) return M;
  cv::Matx22d cov(c00, c01, c10, c11);
  cv::Mat w, u, vt;
  cv::SVD::compute(cv::Mat(cov), w, u, vt);
  cv::Matx22d U(u), Vt(vt);
  double d = cv::determinant(U) * cv::determinant(Vt) < 0 ? -1.0 : 1.0;  // no reflections
  cv::Matx22d S(1, 0, 0, d);
  cv::Matx22d R = U * S * Vt;
  double scale = (w.at<double>(0) + d * w.at<double>(1)) / var_s;
  double tx = mdx - scale * (R(0, 0) * msx + R(0, 1) * msy);
  double ty = mdy - scale * (R(1, 0) * msx + R(1, 1) * msy);
  M.at<double>(0, 0) = scale * R(0, 0); M.at<double>(0, 1) = scale * R(0, 1); M.at<double>(0, 2) = tx;
  M.at<double>(1, 0) = scale * R(1, 0); M.at<double>(1, 1) = scale * R(1, 1); M.at<double>(1, 2) = ty;
  return M;
}

const std::array<PointF, 5>& arcface_template_112() {
  static const std::array<PointF, 5> t{{{38.2946f, 51.6963f},
                                        {73.5318f, 51.5014f},
                                        {56.0252f, 71.7366f},
                                        {41.5493f, 92.3655f},
                                        {70.7299f, 92.2041f}}};
  return t;
}

std::array<PointF, 5> dlib_chip_template(int size, float padding) {
  // Eye centres (mean of iBUG 36-41 / 42-47), nose tip (30), mouth corners (48, 54) of dlib's
  // mean_face_shape (dlib/image_transforms/interpolation.h), in unit-square coordinates.
  static const std::array<PointF, 5> unit{{{0.225492f, 0.215990f},
                                           {0.754761f, 0.215990f},
                                           {0.490127f, 0.515625f},
                                           {0.254149f, 0.780233f},
                                           {0.726104f, 0.780233f}}};
  std::array<PointF, 5> out{};
  for (size_t i = 0; i < 5; ++i) {
    out[i].x = (padding + unit[i].x) / (2 * padding + 1) * size;
    out[i].y = (padding + unit[i].y) / (2 * padding + 1) * size;
  }
  return out;
}

cv::Mat warp_face(const cv::Mat& bgr, const std::vector<PointF>& landmarks5, const std::array<PointF, 5>& tmpl,
                  int size) {
  std::vector<PointF> dst(tmpl.begin(), tmpl.end());
  cv::Mat M = umeyama_similarity(landmarks5, dst);
  cv::Mat out;
  cv::warpAffine(bgr, out, M, cv::Size(size, size), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(0, 0, 0));
  return out;
}

}  // namespace argus::vision
