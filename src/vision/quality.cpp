#include "vision/quality.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace argus::vision {
namespace {
constexpr float kRadToDeg = 57.29578f;
float clamp01(float v) { return std::clamp(v, 0.f, 1.f); }
}  // namespace

Pose estimate_pose_5(const std::vector<PointF>& p) {
  Pose pose;
  if (p.size() < 5) return pose;
  float ex = p[1].x - p[0].x, ey = p[1].y - p[0].y;
  float eye_dist = std::hypot(ex, ey);
  if (eye_dist <= 1e-3f) return pose;
  pose.roll = std::atan2(ey, ex) * kRadToDeg;
  // Rotate into the eye-line frame.
  float c = ex / eye_dist, s = ey / eye_dist;
  auto rot = [&](PointF q) { return PointF{q.x * c + q.y * s, -q.x * s + q.y * c}; };
  PointF le = rot(p[0]), re = rot(p[1]), nose = rot(p[2]), ml = rot(p[3]), mr = rot(p[4]);
  float mid_x = (le.x + re.x) / 2, eye_y = (le.y + re.y) / 2, mouth_y = (ml.y + mr.y) / 2;
  // Nose tip depth is ~0.6 of the eye distance: offset = depth * sin(yaw), eyes shrink by cos(yaw).
  pose.yaw = std::atan2((nose.x - mid_x) / eye_dist, 0.6f) * kRadToDeg;
  // Frontal faces have the nose ~0.49 of the way from the eye line to the mouth (ArcFace template).
  float span = mouth_y - eye_y;
  if (std::abs(span) > 1e-3f) pose.pitch = std::atan2((nose.y - eye_y) / span - 0.494f, 0.5f) * kRadToDeg;
  return pose;
}

Quality assess_quality(const cv::Mat& aligned, const RectF& box, const std::vector<PointF>& l5,
                       const std::optional<Pose>& pose_in, const QualityThresholds& t) {
  Quality q;
  q.size = std::min(box.w, box.h);
  if (!aligned.empty()) {
    cv::Mat grey, lap;
    cv::cvtColor(aligned, grey, cv::COLOR_BGR2GRAY);
    // Central region only: the warp's black border would read as a sharp edge.
    cv::Mat centre = grey(cv::Rect(16, 16, grey.cols - 32, grey.rows - 32));
    cv::Laplacian(centre, lap, CV_32F);
    cv::Scalar mean, stddev;
    cv::meanStdDev(lap, mean, stddev);
    q.sharpness = float(stddev[0] * stddev[0]);
    q.brightness = float(cv::mean(centre)[0]);
  }
  Pose pose = pose_in ? *pose_in : estimate_pose_5(l5);
  q.yaw = pose.yaw; q.pitch = pose.pitch; q.roll = pose.roll;

  float s_size = clamp01((q.size - t.min_face_size * 0.5f) / (t.min_face_size * 2.5f));
  float s_sharp = clamp01(q.sharpness / (t.min_sharpness * 4.f));
  float mid = (t.min_brightness + t.max_brightness) / 2, half = (t.max_brightness - t.min_brightness) / 2;
  float s_bright = half > 0 ? clamp01(1.25f - std::abs(q.brightness - mid) / half) : 1.f;
  float s_pose = clamp01(1.f - std::abs(q.yaw) / (t.max_yaw_deg * 2.f)) * clamp01(1.f - std::abs(q.pitch) / 90.f);
  // Geometric mean: one bad factor pulls the score down without zeroing it.
  q.score = std::pow(std::max(1e-4f, s_size * s_sharp * s_bright * s_pose), 0.25f);

  if (q.size < t.min_face_size) q.reason = "too_small";
  else if (q.brightness < t.min_brightness) q.reason = "too_dark";
  else if (q.brightness > t.max_brightness) q.reason = "too_bright";
  else if (q.sharpness < t.min_sharpness) q.reason = "too_blurry";
  else if (std::abs(q.yaw) > t.max_yaw_deg) q.reason = "bad_pose";
  else if (q.score < t.min_quality) q.reason = "low_quality";
  return q;
}

}  // namespace argus::vision
