// UltraFace RFB-320 (fr_detect.onnx): fixed 320x240 input with box decoding inside the graph.
// On a whole 1080p frame it finds faces from ~60 px only, so the frame is also cut into
// overlapping tiles (nms.h plan_tiles) and the detections merged by NMS across tiles.
// ultraface-ms (below) runs the same network at any input size instead (fr_detect_any.onnx).
// The same tiled decoder runs the other fixed-size UltraFace exports (RFB-640: 640x480 input, pulled
// from the model catalogue): same tensors, normalised boxes, only the input size differs.
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

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

// UltraFace's anchors (Linzaer's config for every input size): per stride, square priors of
// these sizes in input pixels, centred on each cell of a ceil(size / stride) grid.
constexpr int kStrides[4] = {8, 16, 32, 64};
const std::vector<float> kMinBoxes[4] = {{10, 16, 24}, {32, 48}, {64, 96}, {128, 192, 256}};
constexpr float kCenterVariance = 0.1f, kSizeVariance = 0.2f;
// A finer level is there for the faces the coarser one (3.5x coarser, faces from kModelMinFace
// = 12 px) is too coarse for: up to ~42 px here, so boxes above this size (px in the finer
// level's input) belong to the coarser level. A big box from a finer level is usually a body
// part or a cut face: at 200 px (the largest anchors) torsos came through as faces (score
// 0.69-0.94 on face-api's sample6.jpg). The tiled detector's finer tiles stop at a third of a
// 240 px tile, the same 80 px.
constexpr float kFinerLevelMaxFace = 80.f;

// Multi-scale UltraFace over fr_detect_any.onnx (scripts/convert_ultraface_any.py): the same
// network at any input size, so instead of 13 tiles of 320x240 a 1080p frame takes two whole
// passes, 320x184 (320x180 padded) for large faces and 960x544 (960x540 padded) for faces
// down to min_face_size. The levels
// follow plan_tiles' scale steps (each finer level at most 3.5x finer).
class UltraFaceMultiScaleDetector final : public Detector {
 public:
  explicit UltraFaceMultiScaleDetector(std::shared_ptr<InferenceBackend> b) : backend_(std::move(b)) {}

  int passes_for(cv::Size frame, const DetectOptions& o) const override { return int(levels(frame, o).size()); }

  Result<std::vector<Detection>> detect(const cv::Mat& bgr, const DetectOptions& o) override {
    const auto plan = levels(bgr.size(), o);
    std::vector<std::vector<Detection>> per_level(plan.size());
    std::vector<Status> st(plan.size());
    auto pass = [&](size_t k) { st[k] = detect_level(bgr, plan[k], o.threshold, /*drop_large=*/k > 0, per_level[k]); };
    // The passes are independent: with frame helpers they run side by side, finest first
    // (the longest) so the caller does not wait for it after the coarse one.
    if (o.parallel) o.parallel->run(plan.size(), [&](size_t i) { pass(plan.size() - 1 - i); });
    else for (size_t k = 0; k < plan.size(); ++k) pass(k);
    std::vector<Detection> all;
    for (size_t k = 0; k < plan.size(); ++k) {
      if (!st[k]) return st[k].error();
      all.insert(all.end(), per_level[k].begin(), per_level[k].end());
    }
    all = nms(std::move(all), kNmsIou);
    std::erase_if(all, [&](const Detection& d) { return std::max(d.box.w, d.box.h) < o.min_face_size * 0.75f; });
    return all;
  }

  struct Level {
    cv::Size resized;  // the frame at this level's scale
    cv::Size padded;   // the network input: resized padded up to multiples of 8
  };
  // Coarsest first: the whole frame squeezed into 320x240's scale, then finer levels until
  // faces of min_face_size reach kModelMinFace pixels. Any input size works (each stride-2
  // convolution maps n to ceil(n / 2), as the priors assume); multiples of 8 keep it tidy.
  static std::vector<Level> levels(cv::Size frame, const DetectOptions& o) {
    std::vector<Level> out;
    if (frame.width <= 0 || frame.height <= 0) return out;
    const double whole = std::max({1.0, frame.width / 320.0, frame.height / 240.0});
    const double need = o.tiling ? std::max(1.0, double(o.min_face_size) / kModelMinFace) : whole;
    auto at = [&](double scale) {
      cv::Size r(std::max(8, int(std::lround(frame.width / scale))), std::max(8, int(std::lround(frame.height / scale))));
      return Level{r, cv::Size((r.width + 7) / 8 * 8, (r.height + 7) / 8 * 8)};
    };
    double scale = whole;
    out.push_back(at(scale));
    while (scale > need * 1.05) {
      scale = std::max(need, scale / 3.5);
      out.push_back(at(scale));
    }
    return out;
  }

 private:
  // One whole-frame pass: the frame resized by `level` (its size padded up to a multiple of 8
  // on the right and bottom, so the resize keeps the exact scale and INTER_AREA its fast
  // integer path where there is one).
  Status detect_level(const cv::Mat& bgr, const Level& level, float threshold, bool drop_large,
                      std::vector<Detection>& dets) {
    const cv::Size in_size = level.padded;
    const int W = in_size.width, H = in_size.height;
    cv::Mat resized, padded;
    cv::resize(bgr, resized, level.resized, 0, 0, cv::INTER_AREA);
    cv::copyMakeBorder(resized, padded, 0, H - resized.rows, 0, W - resized.cols, cv::BORDER_CONSTANT,
                       cv::Scalar(127, 127, 127));
    // NCHW RGB, (x - 127) / 128
    cv::Mat blob = cv::dnn::blobFromImage(padded, 1.0 / 128, cv::Size(), cv::Scalar(127, 127, 127), true, false);
    Tensor in;
    in.shape = {1, 3, H, W};
    in.data.assign(blob.ptr<float>(), blob.ptr<float>() + size_t(3) * W * H);
    auto out = backend_->run(in);
    if (!out) return out.error();
    const Tensor& scores = (*out)[0];
    const Tensor& loc = (*out)[1];
    // Normalised input coordinates -> frame pixels.
    const float sx = float(W) * bgr.cols / level.resized.width, sy = float(H) * bgr.rows / level.resized.height;
    size_t i = 0;
    bool shape_ok = true;
    for_each_prior(in_size, [&](float pcx, float pcy, float pw, float ph) {
      if (4 * i + 3 >= loc.size() || 2 * i + 1 >= scores.size()) { shape_ok = false; return; }
      const float s = scores.data[2 * i + 1];
      const float* l = &loc.data[4 * i];
      ++i;
      if (s < threshold) return;
      const float cx = l[0] * kCenterVariance * pw + pcx, cy = l[1] * kCenterVariance * ph + pcy;
      const float w = std::exp(l[2] * kSizeVariance) * pw, h = std::exp(l[3] * kSizeVariance) * ph;
      if (drop_large && std::max(w * W, h * H) > kFinerLevelMaxFace) return;
      float x1 = std::max(0.f, (cx - w / 2) * sx), y1 = std::max(0.f, (cy - h / 2) * sy);
      float x2 = std::min(float(bgr.cols), (cx + w / 2) * sx), y2 = std::min(float(bgr.rows), (cy + h / 2) * sy);
      if (x2 > x1 && y2 > y1) dets.push_back(Detection{RectF{x1, y1, x2 - x1, y2 - y1}, s, {}});
    });
    if (!shape_ok || 4 * i != loc.size())
      return Error::make("INFERENCE_ERROR", "ultraface: " + std::to_string(loc.size() / 4) + " outputs for " +
                                                std::to_string(i) + " priors at " + std::to_string(W) + "x" +
                                                std::to_string(H));
    return {};
  }

  // Priors in the network's output order: level, row, column, anchor; normalised, clipped.
  template <class Fn>
  static void for_each_prior(cv::Size in, Fn&& fn) {
    for (int k = 0; k < 4; ++k) {
      const int fw = (in.width + kStrides[k] - 1) / kStrides[k], fh = (in.height + kStrides[k] - 1) / kStrides[k];
      const float scale_w = float(in.width) / kStrides[k], scale_h = float(in.height) / kStrides[k];
      for (int j = 0; j < fh; ++j)
        for (int i = 0; i < fw; ++i)
          for (float box : kMinBoxes[k])
            fn(std::clamp((i + 0.5f) / scale_w, 0.f, 1.f), std::clamp((j + 0.5f) / scale_h, 0.f, 1.f),
               std::clamp(box / in.width, 0.f, 1.f), std::clamp(box / in.height, 0.f, 1.f));
    }
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

std::unique_ptr<Detector> make_ultraface_multiscale_detector(std::shared_ptr<InferenceBackend> backend) {
  return std::make_unique<UltraFaceMultiScaleDetector>(std::move(backend));
}

std::vector<cv::Size> ultraface_multiscale_levels(cv::Size frame, const DetectOptions& opts) {
  std::vector<cv::Size> sizes;
  for (const auto& l : UltraFaceMultiScaleDetector::levels(frame, opts)) sizes.push_back(l.padded);
  return sizes;
}

}  // namespace argus::vision
