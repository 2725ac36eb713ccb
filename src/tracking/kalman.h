#pragma once
// Constant-velocity Kalman filter on a box as (centre x, centre y, aspect w/h, height), the
// SORT/DeepSORT parameterisation: aspect and height change slowly for faces and people, so
// their velocities stay small and prediction through short occlusions stays sensible.
// Noise scales with the box height so small and large targets are treated alike.
#include <opencv2/core.hpp>

#include "core/types.h"

namespace argus {

class KalmanBoxFilter {
 public:
  using Vec8 = cv::Matx<float, 8, 1>;
  using Mat8 = cv::Matx<float, 8, 8>;
  using Vec4 = cv::Matx<float, 4, 1>;

  explicit KalmanBoxFilter(const RectF& box);
  void predict();
  void update(const RectF& box);
  // Squared Mahalanobis distance of a measurement (4 dof): gating against absurd jumps.
  float gating_distance(const RectF& box) const;
  RectF box() const;
  // Freeze the height velocity while unmatched so a lost box does not grow or vanish.
  void damp_scale_velocity() { x_(7) = 0; }
  const Vec8& state() const { return x_; }

 private:
  static Vec4 measure(const RectF& box);
  Vec8 x_;
  Mat8 p_;
};

}  // namespace argus
