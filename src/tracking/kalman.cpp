#include "tracking/kalman.h"

#include <algorithm>

namespace argus {
namespace {
// Standard deviations relative to height, as in DeepSORT.
constexpr float kStdPos = 1.f / 20, kStdVel = 1.f / 160;

cv::Matx<float, 8, 8> transition() {
  auto f = cv::Matx<float, 8, 8>::eye();
  for (int i = 0; i < 4; ++i) f(i, i + 4) = 1.f;  // one step = one analysed frame
  return f;
}
cv::Matx<float, 4, 8> observation() {
  cv::Matx<float, 4, 8> h = cv::Matx<float, 4, 8>::zeros();
  for (int i = 0; i < 4; ++i) h(i, i) = 1.f;
  return h;
}
}  // namespace

KalmanBoxFilter::Vec4 KalmanBoxFilter::measure(const RectF& b) {
  float h = std::max(b.h, 1e-3f);
  return Vec4(b.x + b.w / 2, b.y + b.h / 2, b.w / h, h);
}

KalmanBoxFilter::KalmanBoxFilter(const RectF& box) {
  Vec4 z = measure(box);
  x_ = Vec8::zeros();
  for (int i = 0; i < 4; ++i) x_(i) = z(i);
  float h = z(3);
  float std[8] = {2 * kStdPos * h, 2 * kStdPos * h, 1e-2f, 2 * kStdPos * h,
                  10 * kStdVel * h, 10 * kStdVel * h, 1e-5f, 10 * kStdVel * h};
  p_ = Mat8::zeros();
  for (int i = 0; i < 8; ++i) p_(i, i) = std[i] * std[i];
}

void KalmanBoxFilter::predict() {
  float h = std::max(x_(3), 1e-3f);
  float std[8] = {kStdPos * h, kStdPos * h, 1e-2f, kStdPos * h, kStdVel * h, kStdVel * h, 1e-5f, kStdVel * h};
  Mat8 q = Mat8::zeros();
  for (int i = 0; i < 8; ++i) q(i, i) = std[i] * std[i];
  static const Mat8 f = transition();
  x_ = f * x_;
  p_ = f * p_ * f.t() + q;
}

void KalmanBoxFilter::update(const RectF& box) {
  static const cv::Matx<float, 4, 8> hm = observation();
  float h = std::max(x_(3), 1e-3f);
  float std[4] = {kStdPos * h, kStdPos * h, 1e-1f, kStdPos * h};
  cv::Matx<float, 4, 4> r = cv::Matx<float, 4, 4>::zeros();
  for (int i = 0; i < 4; ++i) r(i, i) = std[i] * std[i];
  cv::Matx<float, 4, 4> s = hm * p_ * hm.t() + r;
  cv::Matx<float, 8, 4> k = p_ * hm.t() * s.inv(cv::DECOMP_CHOLESKY);
  Vec4 innovation = measure(box) - hm * x_;
  x_ = x_ + k * innovation;
  p_ = (Mat8::eye() - k * hm) * p_;
}

float KalmanBoxFilter::gating_distance(const RectF& box) const {
  static const cv::Matx<float, 4, 8> hm = observation();
  float h = std::max(x_(3), 1e-3f);
  float std[4] = {kStdPos * h, kStdPos * h, 1e-1f, kStdPos * h};
  cv::Matx<float, 4, 4> s = hm * p_ * hm.t();
  for (int i = 0; i < 4; ++i) s(i, i) += std[i] * std[i];
  Vec4 d = measure(box) - hm * x_;
  return (d.t() * s.inv(cv::DECOMP_CHOLESKY) * d)(0, 0);
}

RectF KalmanBoxFilter::box() const {
  float h = std::max(x_(3), 0.f);
  float w = x_(2) * h;
  return RectF{x_(0) - w / 2, x_(1) - h / 2, w, h};
}

}  // namespace argus
