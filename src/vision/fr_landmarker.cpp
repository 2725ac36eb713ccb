// fr_landmark: the detection made square (side = box height, centred), 64x64 grey, x/256;
// output 68 (x, y) in crop-normalised units.
#include <opencv2/imgproc.hpp>

#include <cmath>

#include "vision/landmarker.h"

namespace argus::vision {
namespace {

constexpr int kS = 64;

class FrLandmarker final : public Landmarker {
 public:
  explicit FrLandmarker(std::shared_ptr<InferenceBackend> b) : backend_(std::move(b)) {}

  Result<std::vector<PointF>> landmarks68(const cv::Mat& bgr, const LandmarkCrop& c) override {
    if (!(c.side > 0)) return Error::make("INVALID_ARGUMENT", "fr_landmark: empty crop");
    // Crop by an affine map (frame -> crop: scale, turn by -angle, centre) so crops that leave
    // the frame are padded instead of clipped: u = s * R(-a) * (p - centre) + kS / 2.
    const double s = kS / c.side, ca = std::cos(c.angle), sa = std::sin(c.angle);
    cv::Mat M = (cv::Mat_<double>(2, 3) << s * ca, s * sa, kS / 2.0 - s * (ca * c.centre.x + sa * c.centre.y),
                 -s * sa, s * ca, kS / 2.0 - s * (-sa * c.centre.x + ca * c.centre.y));
    cv::Mat grey, crop;
    cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
    cv::warpAffine(grey, crop, M, cv::Size(kS, kS), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(0));
    Tensor in;
    in.shape = {1, 1, kS, kS};
    in.data.resize(kS * kS);
    for (int y = 0; y < kS; ++y)
      for (int x = 0; x < kS; ++x) in.data[size_t(y) * kS + x] = crop.at<uint8_t>(y, x) / 256.f;
    auto out = backend_->run(in);
    if (!out) return out.error();
    const Tensor& o = (*out)[0];
    if (o.size() < 136) return Error::make("INFERENCE_ERROR", "fr_landmark: unexpected output size");
    std::vector<PointF> pts(68);
    for (int i = 0; i < 68; ++i) {  // back to the frame: p = centre + R(a) * (o - 0.5) * side
      const double u = (o.data[2 * i] - 0.5) * c.side, v = (o.data[2 * i + 1] - 0.5) * c.side;
      pts[i] = PointF{float(c.centre.x + ca * u - sa * v), float(c.centre.y + sa * u + ca * v)};
    }
    return pts;
  }

 private:
  std::shared_ptr<InferenceBackend> backend_;
};

PointF mean_of(const std::vector<PointF>& p, std::initializer_list<int> idx) {
  PointF m{0, 0};
  for (int i : idx) { m.x += p[i].x; m.y += p[i].y; }
  m.x /= float(idx.size()); m.y /= float(idx.size());
  return m;
}

struct Spread {
  PointF centroid;
  float radius = 0;
};
Spread spread_of(const std::vector<PointF>& p) {
  Spread s;
  for (const auto& q : p) { s.centroid.x += q.x; s.centroid.y += q.y; }
  s.centroid.x /= float(p.size());
  s.centroid.y /= float(p.size());
  double r2 = 0;
  for (const auto& q : p) {
    const double dx = q.x - s.centroid.x, dy = q.y - s.centroid.y;
    r2 += dx * dx + dy * dy;
  }
  s.radius = float(std::sqrt(r2 / double(p.size())));
  return s;
}

}  // namespace

LandmarkCrop crop_from_box(const RectF& box) {
  return LandmarkCrop{PointF{box.x + box.w / 2, box.y + box.h / 2}, box.h, 0.f};
}

LandmarkCrop crop_from_landmarks(const std::vector<PointF>& l68, const CropShape& shape, bool level) {
  if (l68.size() < 68 || !(shape.radius > 0)) return {};
  const Spread s = spread_of(l68);
  float angle = 0;
  if (level) {
    PointF l = mean_of(l68, {36, 37, 38, 39, 40, 41}), r = mean_of(l68, {42, 43, 44, 45, 46, 47});
    angle = std::atan2(r.y - l.y, r.x - l.x);
  }
  const float side = s.radius / shape.radius, ca = std::cos(angle), sa = std::sin(angle);
  const float ox = shape.dx * side, oy = shape.dy * side;  // centroid - centre, in crop axes
  return LandmarkCrop{PointF{s.centroid.x - (ca * ox - sa * oy), s.centroid.y - (sa * ox + ca * oy)}, side, angle};
}

CropShape shape_in_crop(const std::vector<PointF>& l68, const LandmarkCrop& c) {
  if (l68.size() < 68 || !(c.side > 0)) return {};
  const Spread s = spread_of(l68);
  const float ca = std::cos(c.angle), sa = std::sin(c.angle);
  const float gx = s.centroid.x - c.centre.x, gy = s.centroid.y - c.centre.y;
  return CropShape{(ca * gx + sa * gy) / c.side, (-sa * gx + ca * gy) / c.side, s.radius / c.side};
}

std::unique_ptr<Landmarker> make_fr_landmarker(std::shared_ptr<InferenceBackend> backend) {
  return std::make_unique<FrLandmarker>(std::move(backend));
}

std::vector<PointF> five_from_68(const std::vector<PointF>& p) {
  if (p.size() < 68) return {};
  return {mean_of(p, {37, 38, 40, 41}), mean_of(p, {43, 44, 46, 47}), p[30], mean_of(p, {48, 60}),
          mean_of(p, {54, 64})};
}

}  // namespace argus::vision
