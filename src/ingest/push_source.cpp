#include "ingest/push_source.h"

#include <algorithm>

#include <opencv2/imgcodecs.hpp>

namespace argus {

cv::Mat decode_jpeg(const uint8_t* data, size_t size) {
  if (!data || size < 4) return {};
  // imdecode does not copy the input; wrap the bytes without taking ownership.
  cv::Mat buf(1, static_cast<int>(size), CV_8UC1, const_cast<uint8_t*>(data));
  try {
    return cv::imdecode(buf, cv::IMREAD_COLOR);
  } catch (const cv::Exception&) {
    return {};
  }
}

bool PushChannel::push_jpeg(std::string bytes) {
  bool dropped = false;
  bytes_ += bytes.size();
  ++pushed_;
  {
    std::lock_guard lock(mu_);
    if (items_.size() >= capacity_) {
      items_.pop_front();
      dropped = true;
    }
    items_.push_back(std::move(bytes));
  }
  if (dropped) ++dropped_;
  cv_.notify_all();
  return !dropped;
}

std::optional<std::string> PushChannel::pop_for(std::chrono::milliseconds wait, const std::atomic<bool>& abort) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, wait, [&] { return abort.load() || !items_.empty(); });
  if (abort.load() || items_.empty()) return std::nullopt;
  std::string out = std::move(items_.front());
  items_.pop_front();
  return out;
}

void PushChannel::wake_all() {
  std::lock_guard lock(mu_);  // pairs with the predicate check in pop_for: no lost wake-up
  cv_.notify_all();
}

size_t PushChannel::size() const {
  std::lock_guard lock(mu_);
  return items_.size();
}

PushFrameSource::PushFrameSource(std::shared_ptr<PushChannel> channel, SourceOptions options)
    : channel_(std::move(channel)), opt_(std::move(options)) {}

Status PushFrameSource::open() {
  if (!channel_) return Error::make(source_error::kInvalid, "push source without a channel");
  return {};
}

void PushFrameSource::interrupt() {
  interrupted_ = true;
  if (channel_) channel_->wake_all();
}

Result<Frame> PushFrameSource::read() {
  if (!channel_) return Error::make(source_error::kInvalid, "push source without a channel");
  // Nobody pushing is a push camera's idle state, not a fault: NO_PEER, after a short wait
  // before this source's first frame (so a camera nobody feeds says so within a second) and
  // after the stall timeout once frames came (so a slow pusher is not cut off between frames).
  const int wait_ms = std::max(100, got_frame_ ? opt_.stall_timeout_ms : std::min(opt_.stall_timeout_ms, kFirstFrameWaitMs));
  auto deadline = SteadyClock::now() + std::chrono::milliseconds(wait_ms);
  for (;;) {
    if (interrupted_) return Error::make(source_error::kInterrupted, "interrupted");
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (left.count() <= 0)
      return Error::make(source_error::kNoPeer, "nothing pushed for " + std::to_string(wait_ms) + " ms");
    auto jpeg = channel_->pop_for(left, interrupted_);
    if (!jpeg) continue;
    auto received = SteadyClock::now();
    bytes_ += jpeg->size();
    Frame f;
    f.bgr = decode_jpeg(reinterpret_cast<const uint8_t*>(jpeg->data()), jpeg->size());
    if (f.bgr.empty()) {
      // One bad upload should not kill the session; a stream of garbage should.
      if (++bad_ > 50) return Error::make(source_error::kDecode, "pushed data is not decodable");
      continue;
    }
    bad_ = 0;
    got_frame_ = true;
    f.seq = ++seq_;
    f.received = received;
    f.received_unix_ms = now_unix_ms();
    f.encoded_bytes = jpeg->size();
    return f;
  }
}

}  // namespace argus
