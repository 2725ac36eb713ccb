// fr_landmark: the detection made square (side = box height, centred), 64x64 grey, x/256;
// output 68 (x, y) in crop-normalised units.
#include <opencv2/imgproc.hpp>

#include "vision/landmarker.h"

namespace argus::vision {
namespace {

constexpr int kS = 64;

class FrLandmarker final : public Landmarker {
 public:
  explicit FrLandmarker(std::shared_ptr<InferenceBackend> b) : backend_(std::move(b)) {}

  Result<std::vector<PointF>> landmarks68(const cv::Mat& bgr, const RectF& box) override {
    float side = box.h;
    float cx = box.x + box.w / 2, cy = box.y + box.h / 2;
    float x0 = cx - side / 2, y0 = cy - side / 2;
    // Crop by an affine map so crops that leave the frame are padded instead of clipped.
    float s = kS / side;
    cv::Mat M = (cv::Mat_<double>(2, 3) << s, 0, -x0 * s, 0, s, -y0 * s);
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
    for (int i = 0; i < 68; ++i) pts[i] = PointF{x0 + o.data[2 * i] * side, y0 + o.data[2 * i + 1] * side};
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

}  // namespace

std::unique_ptr<Landmarker> make_fr_landmarker(std::shared_ptr<InferenceBackend> backend) {
  return std::make_unique<FrLandmarker>(std::move(backend));
}

std::vector<PointF> five_from_68(const std::vector<PointF>& p) {
  if (p.size() < 68) return {};
  return {mean_of(p, {37, 38, 40, 41}), mean_of(p, {43, 44, 46, 47}), p[30], mean_of(p, {48, 60}),
          mean_of(p, {54, 64})};
}

}  // namespace argus::vision
