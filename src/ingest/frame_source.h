#pragma once
// FrameSource: one camera's decoded frames. A source is single-use: open() once, read()
// until an error, then throw it away (sessions reconnect by building a fresh source).
// interrupt() is the only method that may be called from another thread; it makes a
// blocked open()/read() return promptly with Error code "INTERRUPTED".
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "ingest/frame.h"

namespace argus {

class PushChannel;

// Error codes a source returns (Error::code):
//   "INTERRUPTED"  interrupt() was called
//   "TIMEOUT"      nothing arrived within stall_timeout_ms
//   "EOF"          end of a file / the peer closed the stream
//   "OPEN_FAILED"  could not connect / open / find a video stream
//   "IO_ERROR"     read error after opening
//   "DECODE_ERROR" too many consecutive undecodable packets
//   "INVALID_ARGUMENT" bad url / options
//   "NO_PEER"      a push source: nothing is being pushed (no device or browser sending);
//                  not a fault of the source, so the session waits instead of erroring
namespace source_error {
inline constexpr const char* kInterrupted = "INTERRUPTED";
inline constexpr const char* kTimeout = "TIMEOUT";
inline constexpr const char* kEof = "EOF";
inline constexpr const char* kOpenFailed = "OPEN_FAILED";
inline constexpr const char* kIo = "IO_ERROR";
inline constexpr const char* kDecode = "DECODE_ERROR";
inline constexpr const char* kInvalid = "INVALID_ARGUMENT";
inline constexpr const char* kNoPeer = "NO_PEER";
}  // namespace source_error

// One compressed packet, offered to an optional hook before decoding (later: PacketRing for
// clip remux without re-encoding). The data pointer is only valid during the call.
struct EncodedPacket {
  const uint8_t* data = nullptr;
  size_t size = 0;
  int64_t pts = 0, dts = 0;  // in time_base units; INT64_MIN when unknown
  int time_base_num = 1, time_base_den = 1;
  bool keyframe = false;
  std::string codec;  // "h264", "hevc", "mjpeg", ...
};
using PacketHook = std::function<void(const EncodedPacket&)>;

// A new field that shapes the stream must also be compared in CameraSession::reconfigure
// (src/pipeline/camera_session.cpp), or an edit of it will not restart the camera.
struct SourceOptions {
  // rtsp: "tcp" (default, survives NAT and packet loss) or "udp".
  std::string rtsp_transport = "tcp";
  // Credentials merged into the URL when it carries none (rtsp, http_mjpeg).
  std::string username, password;
  // Connect/open deadline and the longest silence tolerated while live.
  int open_timeout_ms = 10000;
  int stall_timeout_ms = 10000;
  // file: pace frames by pts like a live camera (true) or decode at full speed (jobs).
  bool realtime = true;
  bool loop = false;
  // socket: "jpeg" (cut at SOI/EOI markers) or "length" (4-byte big-endian size prefix).
  std::string framing = "jpeg";
  size_t max_frame_bytes = 16u << 20;  // a longer frame is a protocol error
  // usb: optional capture format hints for v4l2 ("640x480", "30").
  std::string video_size, framerate;
  // websocket / push: the channel the HTTP layer feeds; required for that type.
  std::shared_ptr<PushChannel> push_channel;
  PacketHook packet_hook;  // optional, FFmpeg sources only
};

class FrameSource {
 public:
  virtual ~FrameSource() = default;
  virtual Status open() = 0;
  virtual Result<Frame> read() = 0;
  virtual void interrupt() = 0;
  // Compressed bytes received so far (bandwidth statistics).
  virtual uint64_t bytes_received() const = 0;
  // Short human description without credentials, for logs and stats.
  virtual std::string describe() const = 0;
};

// camera_type: rtsp, http_mjpeg, usb, websocket, socket, file.
Result<std::unique_ptr<FrameSource>> make_frame_source(const std::string& camera_type,
                                                       const std::string& url,
                                                       const SourceOptions& options);

// "rtsp://user:pass@host/x" -> "rtsp://***@host/x", for logs.
std::string redact_url(const std::string& url);

}  // namespace argus
