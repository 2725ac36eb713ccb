#pragma once
// Non-maximum suppression and the tiling plan that lets fixed-input detectors find small faces.
#include <opencv2/core.hpp>

#include <vector>

#include "vision/types.h"

namespace argus::vision {

// Greedy IoU NMS, highest score first. Also drops a box that lies mostly (> contain) inside a
// higher-scoring one: tiles see parts of big faces as small faces.
std::vector<Detection> nms(std::vector<Detection> dets, float iou_threshold, float contain = 0.7f);
// BlazeFace-style weighted NMS: overlapping boxes (and keypoints) are score-averaged.
std::vector<Detection> weighted_nms(std::vector<Detection> dets, float iou_threshold);

// A tile of the frame that the detector sees resized to its input.
struct Tile {
  cv::Rect rect;
  bool whole_frame = false;
  // Largest face (px in the frame) this tile is responsible for; bigger ones are the coarser
  // level's, and a big box from a tile is usually a body or a cut face. 0: no limit.
  float max_face = 0;
};

// Whole frame first, then finer levels of overlapping tiles until a face of min_face_px in the
// frame is at least model_min_face_px in the model's input (model_w x model_h). Overlap between
// neighbouring tiles covers the largest face the coarser level may miss.
std::vector<Tile> plan_tiles(cv::Size frame, cv::Size model, float min_face_px, float model_min_face_px,
                             int max_tiles = 24);

// True when a detection from a tile touches a tile edge that is inside the frame: the face is
// cut there and is (or will be) found whole by a neighbouring tile or the coarser level.
bool touches_inner_edge(const RectF& box, const cv::Rect& tile, cv::Size frame, float margin = 2.f);

}  // namespace argus::vision
