// YuNet (ShiqiYu/libfacedetection.train onnx/, the 2023 models; Apache-2.0), pulled from the
// model catalogue. OpenCV 4.6's cv::FaceDetectorYN expects the older YuNet outputs and cannot
// run these files, so the decoding is ours. Input 1x3xHxW, BGR, raw 0..255 (no normalisation).
// Outputs per stride s in {8, 16, 32}, one row per cell (r, c) of the (H/s) x (W/s) grid,
// row-major, anchor-free:
//   cls, obj  sigmoid already applied in the graph; score = sqrt(cls * obj)
//   bbox      cx = (c + b0) * s, cy = (r + b1) * s, w = exp(b2) * s, h = exp(b3) * s
//   kps       5 points ((c + k[2i]) * s, (r + k[2i+1]) * s): eyes, nose tip, mouth corners,
//             image-left first (the order of Detection::keypoints)
// The frame (or tile) is letterboxed into the input (top-left, black padding) so faces keep
// their shape; small faces come from tiles, as for UltraFace (TiledDetector, detector.h).
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "vision/detector.h"
#include "vision/nms.h"

namespace argus::vision {
namespace {

constexpr float kModelMinFace = 12.f;  // smallest face (px in the model input) found reliably
constexpr float kNmsIou = 0.3f;
constexpr int kStrides[] = {8, 16, 32};

class YuNetDetector final : public TiledDetector {
 public:
  YuNetDetector(std::shared_ptr<InferenceBackend> b, cv::Size input)
      : TiledDetector(input, kModelMinFace, kNmsIou), backend_(std::move(b)) {}

 private:
  Status detect_tile(const cv::Mat& bgr, const Tile& t, Tensor& in, float threshold,
                     std::vector<Detection>& dets) override {
    const int W = in_.width, H = in_.height;
    float scale = std::min(float(W) / t.rect.width, float(H) / t.rect.height);
    int w = std::clamp(int(std::lround(t.rect.width * scale)), 1, W);
    int h = std::clamp(int(std::lround(t.rect.height * scale)), 1, H);
    cv::Mat canvas(H, W, CV_8UC3, cv::Scalar::all(0)), resized, canvas_f;
    cv::resize(bgr(t.rect), resized, cv::Size(w, h), 0, 0, cv::INTER_LINEAR);
    resized.copyTo(canvas(cv::Rect(0, 0, w, h)));
    canvas.convertTo(canvas_f, CV_32F);
    // NCHW: cv::split writes the three planes straight into the input tensor.
    const size_t plane = size_t(W) * H;
    std::vector<cv::Mat> planes;
    for (int c = 0; c < 3; ++c) planes.emplace_back(H, W, CV_32F, in.data.data() + c * plane);
    cv::split(canvas_f, planes);
    auto out = backend_->run(in);
    if (!out) return out.error();
    if (out->size() != 12) return Error::make("MODEL_ERROR", "yunet: expected 12 outputs");
    for (int k = 0; k < 3; ++k) {
      Status st = decode(*out, k, t, scale, threshold, bgr.size(), dets);
      if (!st) return st.error();
    }
    return {};
  }

  // Appends the detections of stride level k (outputs 4k..4k+3: cls, obj, bbox, kps).
  Status decode(const std::vector<Tensor>& out, int k, const Tile& t, float scale, float threshold, cv::Size frame,
                std::vector<Detection>& dets) const {
    const int s = kStrides[k], cols = in_.width / s, rows = in_.height / s;
    const size_t n = size_t(rows) * cols;
    const Tensor &cls = out[4 * k], &obj = out[4 * k + 1], &bbox = out[4 * k + 2], &kps = out[4 * k + 3];
    if (cls.size() != n || obj.size() != n || bbox.size() != 4 * n || kps.size() != 10 * n)
      return Error::make("MODEL_ERROR", "yunet: output size does not match the input size " +
                                            std::to_string(in_.width) + "x" + std::to_string(in_.height));
    auto to_frame = [&](float px, float py) { return PointF{px / scale + t.rect.x, py / scale + t.rect.y}; };
    for (size_t i = 0; i < n; ++i) {
      float score = std::sqrt(std::clamp(cls.data[i], 0.f, 1.f) * std::clamp(obj.data[i], 0.f, 1.f));
      if (score < threshold) continue;
      const float c = float(i % size_t(cols)), r = float(i / size_t(cols));
      const float* b = bbox.data.data() + 4 * i;
      float cx = (c + b[0]) * s, cy = (r + b[1]) * s;
      float bw = std::exp(std::min(b[2], 10.f)) * s, bh = std::exp(std::min(b[3], 10.f)) * s;
      PointF tl = to_frame(cx - bw / 2, cy - bh / 2), br = to_frame(cx + bw / 2, cy + bh / 2);
      tl.x = std::max(0.f, tl.x); tl.y = std::max(0.f, tl.y);
      br.x = std::min(float(frame.width), br.x); br.y = std::min(float(frame.height), br.y);
      if (br.x <= tl.x || br.y <= tl.y) continue;
      Detection d{RectF{tl.x, tl.y, br.x - tl.x, br.y - tl.y}, score, {}};
      const float* kp = kps.data.data() + 10 * i;
      for (int p = 0; p < 5; ++p) d.keypoints.push_back(to_frame((c + kp[2 * p]) * s, (r + kp[2 * p + 1]) * s));
      dets.push_back(std::move(d));
    }
    return {};
  }

  std::shared_ptr<InferenceBackend> backend_;
};

}  // namespace

std::unique_ptr<Detector> make_yunet_detector(std::shared_ptr<InferenceBackend> backend, cv::Size input) {
  return std::make_unique<YuNetDetector>(std::move(backend), input);
}

}  // namespace argus::vision
