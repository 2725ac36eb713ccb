#pragma once
// FrameSource over libavformat/libavcodec: rtsp(s), http_mjpeg (mpjpeg demuxer), usb (v4l2
// through libavdevice) and video files. One decoder thread per camera (threads=1), because
// many cameras share few cores and frame threading adds a frame of latency per thread.
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "ingest/frame_source.h"

namespace argus {

class FfmpegSource final : public FrameSource {
 public:
  enum class Kind { kRtsp, kHttpMjpeg, kUsb, kFile };
  FfmpegSource(Kind kind, std::string url, SourceOptions options);
  ~FfmpegSource() override;
  FfmpegSource(const FfmpegSource&) = delete;
  FfmpegSource& operator=(const FfmpegSource&) = delete;

  Status open() override;
  Result<Frame> read() override;
  void interrupt() override;
  uint64_t bytes_received() const override { return bytes_.load(); }
  std::string describe() const override;

  // Called by libavformat's AVIOInterruptCB while it blocks; public for the C trampoline.
  bool should_abort() const;

 private:
  struct State;  // FFmpeg handles, kept out of the header
  Status open_input();
  Result<Frame> convert(SteadyClock::time_point received, size_t pkt_bytes);
  Status rewind();
  bool pace(int64_t pts_ms);  // file realtime pacing; false when interrupted
  void arm_deadline(int ms);

  Kind kind_;
  std::string url_;
  SourceOptions opt_;
  std::unique_ptr<State> st_;
  std::atomic<bool> interrupted_{false};
  std::atomic<int64_t> deadline_ns_{0};  // steady clock; 0 = none
  std::atomic<uint64_t> bytes_{0};
  std::mutex pace_mu_;  // only for interruptible sleeping while pacing
  std::condition_variable pace_cv_;
};

}  // namespace argus
