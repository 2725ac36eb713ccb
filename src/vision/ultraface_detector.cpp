// UltraFace RFB-320 (fr_detect.onnx): fixed 320x240 input with box decoding inside the graph.
// On a whole 1080p frame it finds faces from ~60 px only, so the frame is also cut into
// overlapping tiles (nms.h plan_tiles) and the detections merged by NMS across tiles.
#include <opencv2/imgproc.hpp>

#include "vision/detector.h"
#include "vision/nms.h"

namespace argus::vision {
namespace {

constexpr int kW = 320, kH = 240;
constexpr float kModelMinFace = 12.f;  // smallest face (px in the model input) found reliably
constexpr float kNmsIou = 0.4f;

class UltraFaceDetector final : public Detector {
 public:
  explicit UltraFaceDetector(std::shared_ptr<InferenceBackend> b) : backend_(std::move(b)) {}

  int passes_for(cv::Size frame, const DetectOptions& o) const override {
    return o.tiling ? int(plan_tiles(frame, {kW, kH}, o.min_face_size, kModelMinFace).size()) : 1;
  }

  Result<std::vector<Detection>> detect(const cv::Mat& bgr, const DetectOptions& o) override {
    std::vector<Tile> tiles = o.tiling ? plan_tiles(bgr.size(), {kW, kH}, o.min_face_size, kModelMinFace)
                                       : std::vector<Tile>{{cv::Rect(0, 0, bgr.cols, bgr.rows), true}};
    std::vector<Detection> all;
    Tensor in;
    in.shape = {1, 3, kH, kW};
    in.data.resize(3 * kW * kH);
    cv::Mat resized, rgb;
    for (const Tile& t : tiles) {
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
      std::vector<Detection> dets;
      for (size_t i = 0; i < n; ++i) {
        float s = scores.data[2 * i + 1];
        if (s < o.threshold) continue;
        float x1 = boxes.data[4 * i] * t.rect.width + t.rect.x, y1 = boxes.data[4 * i + 1] * t.rect.height + t.rect.y;
        float x2 = boxes.data[4 * i + 2] * t.rect.width + t.rect.x, y2 = boxes.data[4 * i + 3] * t.rect.height + t.rect.y;
        x1 = std::max(0.f, x1); y1 = std::max(0.f, y1);
        x2 = std::min(float(bgr.cols), x2); y2 = std::min(float(bgr.rows), y2);
        if (x2 <= x1 || y2 <= y1) continue;
        Detection d{RectF{x1, y1, x2 - x1, y2 - y1}, s, {}};
        if (!t.whole_frame && (touches_inner_edge(d.box, t.rect, bgr.size()) ||
                                std::max(d.box.w, d.box.h) > t.max_face))
          continue;
        dets.push_back(d);
      }
      dets = nms(std::move(dets), kNmsIou);
      all.insert(all.end(), dets.begin(), dets.end());
    }
    if (tiles.size() > 1) all = nms(std::move(all), kNmsIou);
    // Faces smaller than asked for are noise at that size.
    std::erase_if(all, [&](const Detection& d) { return std::max(d.box.w, d.box.h) < o.min_face_size * 0.75f; });
    return all;
  }

 private:
  std::shared_ptr<InferenceBackend> backend_;
};

}  // namespace

std::unique_ptr<Detector> make_ultraface_detector(std::shared_ptr<InferenceBackend> backend) {
  return std::make_unique<UltraFaceDetector>(std::move(backend));
}

}  // namespace argus::vision
