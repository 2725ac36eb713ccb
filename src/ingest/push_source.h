#pragma once
// Push ingest: the HTTP/WebSocket layer (/api/v1/ingest/ws/{camera_id}, the browser webcam)
// feeds JPEG bytes into a PushChannel; the camera's session reads them through a
// PushFrameSource like any other camera. The channel outlives sources (the session rebuilds
// its source on reconnect), so the HTTP layer keeps one channel per camera.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ingest/frame_source.h"

namespace argus {

class PushChannel {
 public:
  // capacity: JPEGs waiting for decode; when full the OLDEST is dropped (live wants the
  // newest picture) and counted in dropped().
  explicit PushChannel(size_t capacity = 8) : capacity_(capacity ? capacity : 1) {}

  // Thread-safe. Returns false when an older JPEG had to be dropped to make room.
  bool push_jpeg(std::string bytes);
  bool push_jpeg(const uint8_t* data, size_t size) {
    return push_jpeg(std::string(reinterpret_cast<const char*>(data), size));
  }

  // Waits up to `wait` for a JPEG; returns nullopt on timeout or when `abort` becomes true
  // (checked on each wake_all()).
  std::optional<std::string> pop_for(std::chrono::milliseconds wait, const std::atomic<bool>& abort);
  void wake_all();

  uint64_t pushed() const { return pushed_.load(); }
  uint64_t dropped() const { return dropped_.load(); }
  uint64_t bytes() const { return bytes_.load(); }
  size_t size() const;

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> items_;
  std::atomic<uint64_t> pushed_{0}, dropped_{0}, bytes_{0};
};

// read() answers NO_PEER when nothing is pushed (source_error): within kFirstFrameWaitMs
// before the first frame, within stall_timeout_ms after it.
class PushFrameSource final : public FrameSource {
 public:
  static constexpr int kFirstFrameWaitMs = 1000;
  PushFrameSource(std::shared_ptr<PushChannel> channel, SourceOptions options);
  Status open() override;
  Result<Frame> read() override;
  void interrupt() override;
  uint64_t bytes_received() const override { return bytes_.load(); }
  std::string describe() const override { return "push"; }

 private:
  std::shared_ptr<PushChannel> channel_;
  SourceOptions opt_;
  std::atomic<bool> interrupted_{false};
  std::atomic<uint64_t> bytes_{0};
  uint64_t seq_ = 0;
  int bad_ = 0;
  bool got_frame_ = false;
};

// Decodes a JPEG (or any OpenCV-readable image) to BGR; empty Mat when it is not an image.
cv::Mat decode_jpeg(const uint8_t* data, size_t size);

}  // namespace argus
