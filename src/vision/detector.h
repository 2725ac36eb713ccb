#pragma once
// Face detectors. One implementation per file:
//   ultraface_detector.cpp  fr_detect (UltraFace RFB-320), ONNX Runtime or OpenCV DNN, tiled;
//                           and multi-scale at any input size (fr_detect_any.onnx)
//   blazeface_detector.cpp  MediaPipe BlazeFace back-256, letterboxed and tiled, with keypoints
//   dlib_hog_detector.cpp   dlib's HOG frontal face detector (no network)
//   haar_detector.cpp       OpenCV Haar cascade (no network)
//   yunet_detector.cpp      YuNet (libfacedetection.train, 2023 outputs), pulled from the catalogue
// detect() is safe to call from several threads.
#include <opencv2/core.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "core/parallel.h"
#include "core/result.h"
#include "vision/inference.h"
#include "vision/nms.h"
#include "vision/types.h"

namespace argus::vision {

struct DetectOptions {
  float threshold = 0.6f;
  float min_face_size = 24;  // pixels in the frame; drives the tiling plan
  bool tiling = true;        // false: the whole frame once
  ParallelFor* parallel = nullptr;  // tiles of one frame also run on its helpers (TiledDetector)
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
// Catalogue models (config/model-catalogue.json, `argus models pull`), fixed input size:
// UltraFace exports other than RFB-320 (RFB-640: 640x480) with the same tensors and decoder...
std::unique_ptr<Detector> make_ultraface_detector(std::shared_ptr<InferenceBackend> backend, cv::Size input);
// UltraFace RFB-320 at any input size (fr_detect_any.onnx from scripts/convert_ultraface_any.py:
// outputs `scores` and raw `loc`, decoded here): whole-frame passes at a few scales instead of
// tiles; the input sizes it would use for a frame are ultraface_multiscale_levels().
std::unique_ptr<Detector> make_ultraface_multiscale_detector(std::shared_ptr<InferenceBackend> backend);
std::vector<cv::Size> ultraface_multiscale_levels(cv::Size frame, const DetectOptions& opts);
// ...and YuNet (yunet_n_320_320.onnx: 320x320, yunet_n_640_640.onnx: 640x640): BGR 0..255,
// anchor-free outputs at strides 8/16/32, with 5 keypoints.
std::unique_ptr<Detector> make_yunet_detector(std::shared_ptr<InferenceBackend> backend, cv::Size input);

// Base of the fixed-input NCHW detectors that tile the frame for small faces (UltraFace,
// YuNet): plans the tiles (nms.h plan_tiles), drops a tile's faces that its edge cuts or that
// belong to a coarser level, and merges by NMS within and across tiles. Subclasses decode one
// tile into frame coordinates.
class TiledDetector : public Detector {
 public:
  int passes_for(cv::Size frame, const DetectOptions& o) const override { return int(tiles_for(frame, o).size()); }

  Result<std::vector<Detection>> detect(const cv::Mat& bgr, const DetectOptions& o) override {
    std::vector<Tile> tiles = tiles_for(bgr.size(), o);
    std::vector<std::vector<Detection>> per_tile(tiles.size());
    std::vector<Status> status(tiles.size());
    auto one_tile = [&](size_t i, Tensor& in) {
      const Tile& t = tiles[i];
      std::vector<Detection>& dets = per_tile[i];
      status[i] = detect_tile(bgr, t, in, o.threshold, dets);
      if (!status[i]) return;
      if (!t.whole_frame)
        std::erase_if(dets, [&](const Detection& d) {
          return touches_inner_edge(d.box, t.rect, bgr.size()) || std::max(d.box.w, d.box.h) > t.max_face;
        });
      dets = nms(std::move(dets), nms_iou_);
    };
    if (o.parallel) {
      o.parallel->run(tiles.size(), [&](size_t i) {
        Tensor in = input_tensor();  // one per tile: tiles run on several threads
        one_tile(i, in);
      });
    } else {
      Tensor in = input_tensor();  // reused by every tile
      for (size_t i = 0; i < tiles.size(); ++i) one_tile(i, in);
    }
    std::vector<Detection> all;
    for (size_t i = 0; i < tiles.size(); ++i) {  // in tile order: the same result either way
      if (!status[i]) return status[i].error();
      all.insert(all.end(), per_tile[i].begin(), per_tile[i].end());
    }
    if (tiles.size() > 1) all = nms(std::move(all), nms_iou_);
    // Faces smaller than asked for are noise at that size.
    std::erase_if(all, [&](const Detection& d) { return std::max(d.box.w, d.box.h) < o.min_face_size * 0.75f; });
    return all;
  }

 protected:
  // model_min_face: smallest face (px in the model input) found reliably.
  TiledDetector(cv::Size input, float model_min_face, float nms_iou)
      : in_(input), model_min_face_(model_min_face), nms_iou_(nms_iou) {}
  // Fills `in` (1x3xHxW) from tile t of the frame, runs the model, appends the detections at
  // or above threshold in frame coordinates.
  virtual Status detect_tile(const cv::Mat& bgr, const Tile& t, Tensor& in, float threshold,
                             std::vector<Detection>& out) = 0;
  const cv::Size in_;

 private:
  Tensor input_tensor() const {
    Tensor in;
    in.shape = {1, 3, in_.height, in_.width};
    in.data.resize(size_t(3) * in_.width * in_.height);
    return in;
  }
  std::vector<Tile> tiles_for(cv::Size frame, const DetectOptions& o) const {
    return o.tiling ? plan_tiles(frame, in_, o.min_face_size, model_min_face_)
                    : std::vector<Tile>{{cv::Rect(0, 0, frame.width, frame.height), true}};
  }
  const float model_min_face_, nms_iou_;
};

// Input/output tensor names of the detector models.
inline const char* kUltraFaceInput = "input";
inline const std::vector<std::string> kUltraFaceOutputs{"scores", "boxes"};
inline const std::vector<std::string> kUltraFaceAnyOutputs{"scores", "loc"};
inline const char* kBlazeFaceInput = "input:0";
inline const std::vector<std::string> kBlazeFaceOutputs{"Identity:0", "Identity_2:0", "Identity_1:0", "Identity_3:0"};
inline const char* kYuNetInput = "input";
// Per stride 8, 16, 32: cls, obj, bbox, kps (make_yunet_detector expects this order).
inline const std::vector<std::string> kYuNetOutputs{"cls_8", "obj_8", "bbox_8", "kps_8",   "cls_16", "obj_16",
                                                    "bbox_16", "kps_16", "cls_32", "obj_32", "bbox_32", "kps_32"};

}  // namespace argus::vision
