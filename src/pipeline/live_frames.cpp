#include "pipeline/live_frames.h"

#include <opencv2/imgcodecs.hpp>

#include "pipeline/camera_manager.h"
#include "pipeline/pushed_frames.h"

namespace argus {

bool LiveFrames::has_source(CameraId id) const {
  return manager_.is_running(id) || (pushed_ && pushed_->latest_frame(id));
}

LiveFrames::From LiveFrames::newest(CameraId id, Frame* out) const {
  auto session = manager_.latest_frame(id);
  if (session && session->empty()) session.reset();
  auto pushed = pushed_ ? pushed_->latest_frame(id) : std::nullopt;
  // Both on one wall clock (received_unix_ms): the later arrival is what the camera shows now.
  if (pushed && (!session || pushed->received_unix_ms > session->received_unix_ms)) {
    *out = std::move(*pushed);
    return From::kPushed;
  }
  if (session) {
    *out = std::move(*session);
    return From::kSession;
  }
  return From::kNone;
}

std::optional<Frame> LiveFrames::latest_frame(CameraId id) const {
  Frame f;
  if (newest(id, &f) == From::kNone) return std::nullopt;
  return f;
}

std::optional<std::string> LiveFrames::latest_jpeg(CameraId id) const {
  Frame f;
  switch (newest(id, &f)) {
    case From::kNone:
      return std::nullopt;
    case From::kSession:
      return manager_.latest_jpeg(id);  // cached once per frame for every viewer
    case From::kPushed:
      break;
  }
  std::vector<uint8_t> buf;
  if (!cv::imencode(".jpg", f.bgr, buf, {cv::IMWRITE_JPEG_QUALITY, jpeg_quality_}) || buf.empty()) return std::nullopt;
  return std::string(buf.begin(), buf.end());
}

}  // namespace argus
