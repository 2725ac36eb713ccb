#pragma once
// Face detectors. One implementation per file:
//   ultraface_detector.cpp  fr_detect (UltraFace RFB-320), ONNX Runtime or OpenCV DNN, tiled
//   blazeface_detector.cpp  MediaPipe BlazeFace back-256, letterboxed and tiled, with keypoints
//   dlib_hog_detector.cpp   dlib's HOG frontal face detector (no network)
//   haar_detector.cpp       OpenCV Haar cascade (no network)
// detect() is safe to call from several threads.
#include <opencv2/core.hpp>

#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "vision/inference.h"
#include "vision/types.h"

namespace argus::vision {

struct DetectOptions {
  float threshold = 0.6f;
  float min_face_size = 24;  // pixels in the frame; drives the tiling plan
  bool tiling = true;        // false: the whole frame once
};

class Detector {
 public:
  virtual ~Detector() = default;
  virtual Result<std::vector<Detection>> detect(const cv::Mat& bgr, const DetectOptions& opts) = 0;
  // Number of forward passes the last plan needed for a frame of this size (for logs/benchmarks).
  virtual int passes_for(cv::Size frame, const DetectOptions& opts) const { (void)frame; (void)opts; return 1; }
};

std::unique_ptr<Detector> make_ultraface_detector(std::shared_ptr<InferenceBackend> backend);
std::unique_ptr<Detector> make_blazeface_detector(std::shared_ptr<InferenceBackend> backend);
// upsample: image doublings before detection (dlib finds faces from ~80 px; 1 -> ~40 px).
std::unique_ptr<Detector> make_dlib_hog_detector(int upsample = 0);
Result<std::unique_ptr<Detector>> make_haar_detector(const std::string& cascade_path);

// Input/output tensor names of the detector models.
inline const char* kUltraFaceInput = "input";
inline const std::vector<std::string> kUltraFaceOutputs{"scores", "boxes"};
inline const char* kBlazeFaceInput = "input:0";
inline const std::vector<std::string> kBlazeFaceOutputs{"Identity:0", "Identity_2:0", "Identity_1:0", "Identity_3:0"};

}  // namespace argus::vision
