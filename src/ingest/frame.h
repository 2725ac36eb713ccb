#pragma once
// A decoded video frame as it leaves a FrameSource. cv::Mat is reference counted, so copying
// a Frame shares the pixels; stages that modify pixels must clone first.
#include <opencv2/core.hpp>

#include <cstdint>
#include <optional>

#include "core/time.h"

namespace argus {

struct Frame {
  cv::Mat bgr;                       // 8UC3, BGR order
  uint64_t seq = 0;                  // per source, starts at 1, never reused within a session
  std::optional<int64_t> pts_ms;     // source timestamp (stream pts) when the source has one
  SteadyClock::time_point received;  // monotonic receive time (latency maths)
  int64_t received_unix_ms = 0;      // wall clock at receive time (what is stored and shown)
  size_t encoded_bytes = 0;          // compressed size of this frame when known (bandwidth)

  int width() const { return bgr.cols; }
  int height() const { return bgr.rows; }
  bool empty() const { return bgr.empty(); }
};

}  // namespace argus
