#pragma once
// Face quality: is this face good enough to enrol or to trust a match? Thresholds come from
// the "vision" config section (min_face_size, min_sharpness, min/max_brightness, max_yaw_deg,
// min_quality).
#include <opencv2/core.hpp>

#include <optional>
#include <vector>

#include "vision/types.h"
#include "vision/vision_config.h"

namespace argus::vision {

struct QualityThresholds {
  float min_face_size = 24;
  float min_sharpness = 15;
  float min_brightness = 40;
  float max_brightness = 220;
  float max_yaw_deg = 45;
  float min_quality = 0.3f;
  static QualityThresholds from(const VisionConfig& c) {
    return {c.min_face_size, c.min_sharpness, c.min_brightness, c.max_brightness, c.max_yaw_deg, c.min_quality};
  }
};

// Yaw/pitch/roll (degrees) estimated from the 5 points alone: roll from the eye line, yaw from
// the nose's offset from the eye midpoint, pitch from where the nose sits between eyes and mouth.
Pose estimate_pose_5(const std::vector<PointF>& l5);

// aligned112: the ArcFace-aligned crop (BGR). pose: from fr_pose when it ran, else estimated.
Quality assess_quality(const cv::Mat& aligned112, const RectF& box, const std::vector<PointF>& l5,
                       const std::optional<Pose>& pose, const QualityThresholds& t);

}  // namespace argus::vision
