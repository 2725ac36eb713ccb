// OpenCV Haar cascade (opencv-data's haarcascade_frontalface_default.xml): a classic baseline.
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include <mutex>

#include "vision/detector.h"

namespace argus::vision {
namespace {

class HaarDetector final : public Detector {
 public:
  explicit HaarDetector(cv::CascadeClassifier c) : cascade_(std::move(c)) {}

  Result<std::vector<Detection>> detect(const cv::Mat& bgr, const DetectOptions& o) override {
    cv::Mat grey;
    cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
    cv::equalizeHist(grey, grey);
    std::vector<cv::Rect> rects;
    std::vector<int> neighbours;
    int min_side = std::max(12, int(o.min_face_size * 0.75f));
    {
      std::lock_guard lock(mu_);  // CascadeClassifier is not documented as thread-safe
      cascade_.detectMultiScale(grey, rects, neighbours, 1.1, 4, 0, cv::Size(min_side, min_side));
    }
    std::vector<Detection> out;
    for (size_t i = 0; i < rects.size(); ++i) {
      // Number of merged raw hits -> 0..1: the minimum (4) maps to 0.7, 10 or more to 1.
      float s = std::min(1.f, 0.5f + float(neighbours[i]) / 20.f);
      if (s < o.threshold) continue;
      out.push_back({RectF{float(rects[i].x), float(rects[i].y), float(rects[i].width), float(rects[i].height)}, s, {}});
    }
    return out;
  }

 private:
  std::mutex mu_;
  cv::CascadeClassifier cascade_;
};

}  // namespace

Result<std::unique_ptr<Detector>> make_haar_detector(const std::string& cascade_path) {
  cv::CascadeClassifier c;
  if (!c.load(cascade_path)) return Error::make("MODEL_LOAD_ERROR", "cannot load Haar cascade " + cascade_path);
  return std::unique_ptr<Detector>(std::make_unique<HaarDetector>(std::move(c)));
}

}  // namespace argus::vision
