// face-api's FaceRecognitionNet (dlib ResNet weights, converted by scripts/convert_faceapi.py):
// a dlib-style 150x150 chip (padding 0.25) aligned from the 5 points; RGB 0..255 NCHW (the
// graph subtracts the mean and divides by 255); 128-d output.
#include <opencv2/imgproc.hpp>

#include "vision/alignment.h"
#include "vision/embedder.h"

namespace argus::vision {
namespace {

constexpr int kS = 150;

class FaceApiEmbedder final : public Embedder {
 public:
  explicit FaceApiEmbedder(std::shared_ptr<InferenceBackend> b)
      : backend_(std::move(b)), tmpl_(dlib_chip_template(kS, 0.25f)) {}

  Result<std::vector<float>> embed(const cv::Mat& bgr, const std::vector<PointF>& l5, bool flip) override {
    cv::Mat chip = warp_face(bgr, l5, tmpl_, kS);
    auto e = forward(chip);
    if (!e) return e;
    if (flip) {
      cv::Mat mirrored;
      cv::flip(chip, mirrored, 1);
      auto f = forward(mirrored);
      if (!f) return f;
      for (size_t i = 0; i < e->size(); ++i) (*e)[i] += (*f)[i];
    }
    l2_normalize(*e);
    return e;
  }
  int dim() const override { return 128; }
  float threshold() const override { return kFaceApiThreshold; }

 private:
  Result<std::vector<float>> forward(const cv::Mat& chip) {
    Tensor in;
    in.shape = {1, 3, kS, kS};
    in.data.resize(size_t(3) * kS * kS);
    for (int y = 0; y < kS; ++y) {
      const uint8_t* row = chip.ptr<uint8_t>(y);
      for (int x = 0; x < kS; ++x)
        for (int c = 0; c < 3; ++c) in.data[size_t(2 - c) * kS * kS + size_t(y) * kS + x] = row[3 * x + c];
    }
    auto out = backend_->run(in);
    if (!out) return out.error();
    std::vector<float> e = std::move((*out)[0].data);
    l2_normalize(e);
    return e;
  }
  std::shared_ptr<InferenceBackend> backend_;
  std::array<PointF, 5> tmpl_;
};

}  // namespace

std::unique_ptr<Embedder> make_faceapi_embedder(std::shared_ptr<InferenceBackend> backend) {
  return std::make_unique<FaceApiEmbedder>(std::move(backend));
}

}  // namespace argus::vision
