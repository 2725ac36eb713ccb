// fr_feature (MobileFaceNet): 112x112 RGB aligned to the ArcFace template, (x-127)/128, NCHW;
// 512-d output that is NOT normalised.
#include <opencv2/imgproc.hpp>

#include "vision/alignment.h"
#include "vision/embedder.h"

namespace argus::vision {
namespace {

class FrFeatureEmbedder final : public Embedder {
 public:
  explicit FrFeatureEmbedder(std::shared_ptr<InferenceBackend> b) : backend_(std::move(b)) {}

  Result<std::vector<float>> embed(const cv::Mat& bgr, const std::vector<PointF>& l5, bool flip) override {
    cv::Mat face = align_arcface(bgr, l5);
    auto e = forward(face);
    if (!e) return e;
    if (flip) {
      cv::Mat mirrored;
      cv::flip(face, mirrored, 1);
      auto f = forward(mirrored);
      if (!f) return f;
      for (size_t i = 0; i < e->size(); ++i) (*e)[i] += (*f)[i];
    }
    l2_normalize(*e);
    return e;
  }
  int dim() const override { return 512; }
  float threshold() const override { return kFrFeatureThreshold; }

 private:
  Result<std::vector<float>> forward(const cv::Mat& face) {
    Tensor in;
    in.shape = {1, 3, 112, 112};
    in.data.resize(3 * 112 * 112);
    for (int y = 0; y < 112; ++y) {
      const uint8_t* row = face.ptr<uint8_t>(y);
      for (int x = 0; x < 112; ++x)
        for (int c = 0; c < 3; ++c)  // BGR -> RGB planes
          in.data[size_t(2 - c) * 112 * 112 + size_t(y) * 112 + x] = (row[3 * x + c] - 127.f) / 128.f;
    }
    auto out = backend_->run(in);
    if (!out) return out.error();
    std::vector<float> e = std::move((*out)[0].data);
    l2_normalize(e);  // normalise each pass so the flip average weighs both equally
    return e;
  }
  std::shared_ptr<InferenceBackend> backend_;
};

}  // namespace

std::unique_ptr<Embedder> make_fr_feature_embedder(std::shared_ptr<InferenceBackend> backend) {
  return std::make_unique<FrFeatureEmbedder>(std::move(backend));
}

}  // namespace argus::vision
