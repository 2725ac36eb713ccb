// MediaPipe BlazeFace back-256 (keijiro's ONNX export): NHWC 256x256 RGB in [-1, 1]. The frame
// (or tile) is letterboxed into the square so faces keep their shape. Gives 6 keypoints, of
// which eyes, nose and mouth centre become the 5 alignment points (mouth corners estimated).
#include <opencv2/imgproc.hpp>

#include <cmath>

#include "vision/detector.h"
#include "vision/nms.h"

namespace argus::vision {
namespace {

constexpr int kS = 256;
constexpr float kModelMinFace = 16.f;
constexpr float kNmsIou = 0.3f;

struct Anchor { float cx, cy; };

std::vector<Anchor> make_anchors(int cells, int per_cell) {
  std::vector<Anchor> a;
  for (int y = 0; y < cells; ++y)
    for (int x = 0; x < cells; ++x)
      for (int k = 0; k < per_cell; ++k) a.push_back({(x + 0.5f) / cells, (y + 0.5f) / cells});
  return a;
}

class BlazeFaceDetector final : public Detector {
 public:
  explicit BlazeFaceDetector(std::shared_ptr<InferenceBackend> b)
      : backend_(std::move(b)), anchors16_(make_anchors(16, 2)), anchors8_(make_anchors(8, 6)) {}

  int passes_for(cv::Size frame, const DetectOptions& o) const override {
    return o.tiling ? int(plan_tiles(frame, {kS, kS}, o.min_face_size, kModelMinFace).size()) : 1;
  }

  Result<std::vector<Detection>> detect(const cv::Mat& bgr, const DetectOptions& o) override {
    std::vector<Tile> tiles = o.tiling ? plan_tiles(bgr.size(), {kS, kS}, o.min_face_size, kModelMinFace)
                                       : std::vector<Tile>{{cv::Rect(0, 0, bgr.cols, bgr.rows), true}};
    std::vector<Detection> all;
    Tensor in;
    in.shape = {1, kS, kS, 3};
    in.data.resize(size_t(3) * kS * kS);
    for (const Tile& t : tiles) {
      // Letterbox: scale the longer side to 256, pad the rest (bottom/right) with black.
      float scale = float(kS) / std::max(t.rect.width, t.rect.height);
      int w = std::max(1, int(std::lround(t.rect.width * scale))), h = std::max(1, int(std::lround(t.rect.height * scale)));
      cv::Mat canvas(kS, kS, CV_8UC3, cv::Scalar(0, 0, 0)), resized;
      cv::resize(bgr(t.rect), resized, cv::Size(w, h), 0, 0, cv::INTER_LINEAR);
      resized.copyTo(canvas(cv::Rect(0, 0, w, h)));
      for (int y = 0; y < kS; ++y) {
        const uint8_t* row = canvas.ptr<uint8_t>(y);
        float* dst = in.data.data() + size_t(y) * kS * 3;
        for (int x = 0; x < kS; ++x) {
          dst[3 * x + 0] = row[3 * x + 2] / 127.5f - 1.f;
          dst[3 * x + 1] = row[3 * x + 1] / 127.5f - 1.f;
          dst[3 * x + 2] = row[3 * x + 0] / 127.5f - 1.f;
        }
      }
      auto out = backend_->run(in);
      if (!out) return out.error();
      std::vector<Detection> dets;
      decode((*out)[0], (*out)[1], anchors16_, t, scale, o.threshold, bgr.size(), dets);
      decode((*out)[2], (*out)[3], anchors8_, t, scale, o.threshold, bgr.size(), dets);
      dets = weighted_nms(std::move(dets), kNmsIou);
      all.insert(all.end(), dets.begin(), dets.end());
    }
    if (tiles.size() > 1) all = weighted_nms(std::move(all), kNmsIou);
    std::erase_if(all, [&](const Detection& d) { return std::max(d.box.w, d.box.h) < o.min_face_size * 0.75f; });
    return all;
  }

 private:
  static void decode(const Tensor& scores, const Tensor& regs, const std::vector<Anchor>& anchors, const Tile& t,
                     float scale, float threshold, cv::Size frame, std::vector<Detection>& out) {
    const size_t n = std::min(anchors.size(), scores.size());
    for (size_t i = 0; i < n; ++i) {
      float raw = std::clamp(scores.data[i], -80.f, 80.f);
      float s = 1.f / (1.f + std::exp(-raw));
      if (s < threshold) continue;
      const float* r = regs.data.data() + i * 16;
      float cx = anchors[i].cx * kS + r[0], cy = anchors[i].cy * kS + r[1];
      float w = r[2], h = r[3];
      auto to_frame = [&](float px, float py) { return PointF{px / scale + t.rect.x, py / scale + t.rect.y}; };
      PointF tl = to_frame(cx - w / 2, cy - h / 2);
      Detection d;
      d.box = RectF{tl.x, tl.y, w / scale, h / scale};
      d.score = s;
      if (!t.whole_frame && (touches_inner_edge(d.box, t.rect, frame) || std::max(d.box.w, d.box.h) > t.max_face))
        continue;
      // Keypoints: 0 right eye (image left), 1 left eye, 2 nose, 3 mouth, 4/5 ears.
      PointF re = to_frame(anchors[i].cx * kS + r[4], anchors[i].cy * kS + r[5]);
      PointF le = to_frame(anchors[i].cx * kS + r[6], anchors[i].cy * kS + r[7]);
      PointF nose = to_frame(anchors[i].cx * kS + r[8], anchors[i].cy * kS + r[9]);
      PointF mouth = to_frame(anchors[i].cx * kS + r[10], anchors[i].cy * kS + r[11]);
      // Mouth corners: the ArcFace template's mouth is 0.83 of the eye distance wide, parallel to the eyes.
      float ex = (le.x - re.x) * 0.415f, ey = (le.y - re.y) * 0.415f;
      d.keypoints = {re, le, nose, PointF{mouth.x - ex, mouth.y - ey}, PointF{mouth.x + ex, mouth.y + ey}};
      out.push_back(std::move(d));
    }
  }

  std::shared_ptr<InferenceBackend> backend_;
  std::vector<Anchor> anchors16_, anchors8_;
};

}  // namespace

std::unique_ptr<Detector> make_blazeface_detector(std::shared_ptr<InferenceBackend> backend) {
  return std::make_unique<BlazeFaceDetector>(std::move(backend));
}

}  // namespace argus::vision
