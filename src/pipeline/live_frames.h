#pragma once
// LiveFrames: the newest picture of a camera for the live view (MJPEG, snapshot, WebSocket
// video), whichever way its frames come: decoded by the camera's own session
// (CameraManager) or pushed one at a time to POST /detections/process-frame (PushedFrames).
// A websocket camera runs a session and may also be fed through process-frame, so both are
// asked and the newer frame wins.
#include <optional>
#include <string>

#include "core/types.h"
#include "ingest/frame.h"

namespace argus {

class CameraManager;
class PushedFrames;

class LiveFrames {
 public:
  // pushed may be null (no push-mode frames on this server). jpeg_quality: pushed frames'
  // encoding, the sessions' own (pipeline.live_jpeg_quality).
  LiveFrames(const CameraManager& manager, const PushedFrames* pushed, int jpeg_quality)
      : manager_(manager), pushed_(pushed), jpeg_quality_(jpeg_quality) {}

  // Frames may arrive for this camera: its session runs, or frames were pushed for it.
  bool has_source(CameraId id) const;
  std::optional<Frame> latest_frame(CameraId id) const;
  // JPEG of latest_frame() at full size: the session's cached encoding when the session's
  // frame is the newer, else encoded here.
  std::optional<std::string> latest_jpeg(CameraId id) const;

 private:
  enum class From { kNone, kSession, kPushed };
  From newest(CameraId id, Frame* out) const;

  const CameraManager& manager_;
  const PushedFrames* pushed_;
  const int jpeg_quality_;
};

}  // namespace argus
