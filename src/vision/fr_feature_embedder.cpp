// fr_feature (MobileFaceNet): 112x112 RGB aligned to the ArcFace template, (x-127)/128, NCHW;
// 512-d output that is NOT normalised. fr_feature_ort.onnx has a free batch dimension
// (scripts/convert_prelu.py --free-batch): the faces of a frame then go through in one call.
#include <opencv2/imgproc.hpp>

#include <algorithm>

#include "vision/alignment.h"
#include "vision/embedder.h"

namespace argus::vision {
namespace {

constexpr int kSide = 112, kDim = 512;
constexpr size_t kPlane = size_t(kSide) * kSide;

class FrFeatureEmbedder final : public Embedder {
 public:
  explicit FrFeatureEmbedder(std::shared_ptr<InferenceBackend> b) : backend_(std::move(b)) {}

  Result<std::vector<float>> embed(const cv::Mat& bgr, const std::vector<PointF>& l5, bool flip) override {
    auto r = embed_batch(bgr, {l5}, flip);
    if (!r) return r.error();
    return std::move((*r)[0]);
  }

  Result<std::vector<std::vector<float>>> embed_batch(const cv::Mat& bgr, const std::vector<std::vector<PointF>>& l5s,
                                                      bool flip) override {
    // Every face, then (with flip) every mirrored face: 2n inputs, summed pairwise at the end.
    std::vector<cv::Mat> crops;
    crops.reserve(l5s.size() * (flip ? 2 : 1));
    for (const auto& l5 : l5s) crops.push_back(align_arcface(bgr, l5));
    if (flip)
      for (size_t i = 0; i < l5s.size(); ++i) {
        cv::Mat mirrored;
        cv::flip(crops[i], mirrored, 1);
        crops.push_back(std::move(mirrored));
      }
    std::vector<std::vector<float>> out;
    out.reserve(crops.size());
    const size_t step = size_t(std::max(1, backend_->max_batch()));
    for (size_t first = 0; first < crops.size(); first += step) {
      size_t n = std::min(step, crops.size() - first);
      Tensor in;
      in.shape = {int64_t(n), 3, kSide, kSide};
      in.data.resize(n * 3 * kPlane);
      for (size_t k = 0; k < n; ++k) fill(crops[first + k], in.data.data() + k * 3 * kPlane);
      auto r = backend_->run(in);
      if (!r) return r.error();
      const std::vector<float>& e = (*r)[0].data;
      if (e.size() != n * kDim) return Error::make("INFERENCE_ERROR", "fr_feature: unexpected output size");
      for (size_t k = 0; k < n; ++k) {
        std::vector<float> v(e.begin() + k * kDim, e.begin() + (k + 1) * kDim);
        l2_normalize(v);  // normalise each pass so the flip average weighs both equally
        out.push_back(std::move(v));
      }
    }
    if (flip) {
      for (size_t i = 0; i < l5s.size(); ++i)
        for (int d = 0; d < kDim; ++d) out[i][d] += out[l5s.size() + i][d];
      out.resize(l5s.size());
    }
    for (auto& v : out) l2_normalize(v);
    return out;
  }
  int dim() const override { return kDim; }
  float threshold() const override { return kFrFeatureThreshold; }

 private:
  // BGR 112x112 -> RGB planes, (x - 127) / 128.
  static void fill(const cv::Mat& face, float* dst) {
    for (int y = 0; y < kSide; ++y) {
      const uint8_t* row = face.ptr<uint8_t>(y);
      for (int x = 0; x < kSide; ++x)
        for (int c = 0; c < 3; ++c) dst[size_t(2 - c) * kPlane + size_t(y) * kSide + x] = (row[3 * x + c] - 127.f) / 128.f;
    }
  }
  std::shared_ptr<InferenceBackend> backend_;
};

}  // namespace

std::unique_ptr<Embedder> make_fr_feature_embedder(std::shared_ptr<InferenceBackend> backend) {
  return std::make_unique<FrFeatureEmbedder>(std::move(backend));
}

}  // namespace argus::vision
