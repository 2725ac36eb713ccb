#include "vision/attributes.h"

#include <opencv2/imgproc.hpp>

#include <cmath>
#include <numeric>

namespace argus::vision {
namespace {

// Crop `box` scaled by `scale` about its centre, padded with black where it leaves the frame.
cv::Mat crop_scaled(const cv::Mat& bgr, const RectF& box, float scale, int out_size) {
  float cx = box.x + box.w / 2, cy = box.y + box.h / 2;
  float w = box.w * scale, h = box.h * scale;
  float sx = out_size / w, sy = out_size / h;
  cv::Mat M = (cv::Mat_<double>(2, 3) << sx, 0, -(cx - w / 2) * sx, 0, sy, -(cy - h / 2) * sy);
  cv::Mat out;
  cv::warpAffine(bgr, out, M, cv::Size(out_size, out_size), cv::INTER_LINEAR, cv::BORDER_CONSTANT);
  return out;
}

std::vector<float> softmax(const float* p, size_t n) {
  std::vector<float> out(p, p + n);
  float mx = *std::max_element(out.begin(), out.end());
  double sum = 0;
  for (float& v : out) { v = std::exp(v - mx); sum += v; }
  for (float& v : out) v = float(v / sum);
  return out;
}

}  // namespace

Result<float> LivenessModel::live_probability(const cv::Mat& bgr, const RectF& box) const {
  cv::Mat face = crop_scaled(bgr, box, 2.7f, 128);
  Tensor in;
  in.shape = {1, 3, 128, 128};
  in.data.resize(3 * 128 * 128);
  for (int y = 0; y < 128; ++y)
    for (int x = 0; x < 128; ++x)
      for (int c = 0; c < 3; ++c)  // RGB planes, raw 0..255
        in.data[size_t(2 - c) * 128 * 128 + size_t(y) * 128 + x] = face.at<cv::Vec3b>(y, x)[c];
  auto out = backend_->run(in);
  if (!out) return out.error();
  if ((*out)[0].size() < 3) return Error::make("INFERENCE_ERROR", "fr_liveness: unexpected output");
  return softmax((*out)[0].data.data(), 3)[0];
}

Result<Pose> PoseModel::estimate(const cv::Mat& bgr, const RectF& box) const {
  cv::Mat face = crop_scaled(bgr, box, 1.5f, 224);  // a quarter of the box added on each side
  static constexpr float mean[3] = {0.485f, 0.456f, 0.406f}, stdv[3] = {0.229f, 0.224f, 0.225f};
  Tensor in;
  in.shape = {1, 3, 224, 224};
  in.data.resize(3 * 224 * 224);
  for (int y = 0; y < 224; ++y)
    for (int x = 0; x < 224; ++x) {
      const cv::Vec3b& px = face.at<cv::Vec3b>(y, x);
      for (int c = 0; c < 3; ++c)
        in.data[size_t(c) * 224 * 224 + size_t(y) * 224 + x] = (px[2 - c] / 255.f - mean[c]) / stdv[c];
    }
  auto out = backend_->run(in);
  if (!out) return out.error();
  if (out->size() < 3) return Error::make("INFERENCE_ERROR", "fr_pose: unexpected outputs");
  auto angle = [](const Tensor& t) {
    auto p = softmax(t.data.data(), t.size());
    double e = 0;
    for (size_t i = 0; i < p.size(); ++i) e += p[i] * double(i);
    return float(e * 3 - 99);  // 66 bins of 3 degrees from -99
  };
  return Pose{angle((*out)[0]), angle((*out)[1]), angle((*out)[2])};
}

}  // namespace argus::vision
