// UltraFace RFB-320 (fr_detect.onnx): fixed 320x240 input with box decoding inside the graph.
// On a whole 1080p frame it finds faces from ~60 px only, so the frame is also cut into
// overlapping tiles (nms.h plan_tiles) and the detections merged by NMS across tiles.
// The same decoder runs the other fixed-size UltraFace exports (RFB-640: 640x480 input, pulled
// from the model catalogue): same tensors, normalised boxes, only the input size differs.
#include <opencv2/imgproc.hpp>

#include "vision/detector.h"
#include "vision/nms.h"

namespace argus::vision {
namespace {

constexpr float kModelMinFace = 12.f;  // smallest face (px in the model input) found reliably
constexpr float kNmsIou = 0.4f;

class UltraFaceDetector final : public TiledDetector {
 public:
  UltraFaceDetector(std::shared_ptr<InferenceBackend> b, cv::Size input)
      : TiledDetector(input, kModelMinFace, kNmsIou), backend_(std::move(b)) {}

 private:
  Status detect_tile(const cv::Mat& bgr, const Tile& t, Tensor& in, float threshold,
                     std::vector<Detection>& dets) override {
    const int kW = in_.width, kH = in_.height;
    cv::Mat resized, rgb;
    cv::resize(bgr(t.rect), resized, cv::Size(kW, kH), 0, 0, cv::INTER_LINEAR);
    cv::cvtColor(resized, rgb, cv::COLOR_BGR2RGB);
    // NCHW, (x - 127) / 128
    for (int y = 0; y < kH; ++y) {
      const uint8_t* row = rgb.ptr<uint8_t>(y);
      for (int x = 0; x < kW; ++x)
        for (int c = 0; c < 3; ++c) in.data[size_t(c) * kW * kH + size_t(y) * kW + x] = (row[3 * x + c] - 127.f) / 128.f;
    }
    auto out = backend_->run(in);
    if (!out) return out.error();
    const Tensor& scores = (*out)[0];
    const Tensor& boxes = (*out)[1];
    const size_t n = scores.size() / 2;
    for (size_t i = 0; i < n; ++i) {
      float s = scores.data[2 * i + 1];
      if (s < threshold) continue;
      float x1 = boxes.data[4 * i] * t.rect.width + t.rect.x, y1 = boxes.data[4 * i + 1] * t.rect.height + t.rect.y;
      float x2 = boxes.data[4 * i + 2] * t.rect.width + t.rect.x, y2 = boxes.data[4 * i + 3] * t.rect.height + t.rect.y;
      x1 = std::max(0.f, x1); y1 = std::max(0.f, y1);
      x2 = std::min(float(bgr.cols), x2); y2 = std::min(float(bgr.rows), y2);
      if (x2 <= x1 || y2 <= y1) continue;
      dets.push_back(Detection{RectF{x1, y1, x2 - x1, y2 - y1}, s, {}});
    }
    return {};
  }

  std::shared_ptr<InferenceBackend> backend_;
};

}  // namespace

std::unique_ptr<Detector> make_ultraface_detector(std::shared_ptr<InferenceBackend> backend) {
  return make_ultraface_detector(std::move(backend), cv::Size(320, 240));
}

std::unique_ptr<Detector> make_ultraface_detector(std::shared_ptr<InferenceBackend> backend, cv::Size input) {
  return std::make_unique<UltraFaceDetector>(std::move(backend), input);
}

}  // namespace argus::vision
