#pragma once
// Value types shared by every stage of the pipeline.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/time.h"

namespace cv { class Mat; }

namespace argus {

using CameraId = int64_t;
using PersonId = int64_t;

struct PointF {
  float x = 0, y = 0;
};

// Axis-aligned box in pixels: top-left corner plus size.
struct RectF {
  float x = 0, y = 0, w = 0, h = 0;
  float area() const { return w > 0 && h > 0 ? w * h : 0.f; }
  float right() const { return x + w; }
  float bottom() const { return y + h; }
};

inline float iou(const RectF& a, const RectF& b) {
  float ix = std::max(0.f, std::min(a.right(), b.right()) - std::max(a.x, b.x));
  float iy = std::max(0.f, std::min(a.bottom(), b.bottom()) - std::max(a.y, b.y));
  float inter = ix * iy;
  float uni = a.area() + b.area() - inter;
  return uni > 0 ? inter / uni : 0.f;
}

}  // namespace argus
