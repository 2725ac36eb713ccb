// dlib's HOG + linear SVM frontal face detector: no model file, a baseline to compare against
// and the last link of the detector fallback chain.
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/opencv/cv_image.h>
#include <opencv2/imgproc.hpp>

#include <mutex>

#include "vision/detector.h"

namespace argus::vision {
namespace {

class DlibHogDetector final : public Detector {
 public:
  explicit DlibHogDetector(int upsample) : detector_(dlib::get_frontal_face_detector()), upsample_(upsample) {}

  Result<std::vector<Detection>> detect(const cv::Mat& bgr, const DetectOptions& o) override {
    cv::Mat grey;
    cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
    dlib::cv_image<unsigned char> img(grey);
    dlib::array2d<unsigned char> up;
    double f = 1.0;
    std::vector<std::pair<double, dlib::rectangle>> hits;
    {
      // dlib's object_detector keeps scratch buffers: one caller at a time.
      std::lock_guard lock(mu_);
      if (upsample_ > 0) {
        dlib::assign_image(up, img);
        for (int i = 0; i < upsample_; ++i) dlib::pyramid_up(up);
        f = std::pow(2.0, upsample_);
        detector_(up, hits, -0.5);
      } else {
        detector_(img, hits, -0.5);
      }
    }
    std::vector<Detection> out;
    for (auto& [score, r] : hits) {
      // SVM margin -> 0..1 so one threshold scale serves every detector; margin 0 maps to 0.6.
      float s = float(1.0 / (1.0 + std::exp(-(score * 2.0 + 0.4))));
      if (s < o.threshold) continue;
      RectF b{float(r.left() / f), float(r.top() / f), float(r.width() / f), float(r.height() / f)};
      if (std::max(b.w, b.h) < o.min_face_size * 0.75f) continue;
      out.push_back({b, s, {}});
    }
    return out;
  }

 private:
  std::mutex mu_;
  dlib::frontal_face_detector detector_;
  int upsample_;
};

}  // namespace

std::unique_ptr<Detector> make_dlib_hog_detector(int upsample) { return std::make_unique<DlibHogDetector>(upsample); }

}  // namespace argus::vision
