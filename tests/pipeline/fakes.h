#pragma once
// In-process fakes for pipeline tests: a scripted FrameSource, a fixed-face analyzer and a
// sink that records everything.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "pipeline/analysis.h"
#include "pipeline/camera_session.h"

namespace argus_test {

inline argus::Frame make_frame(uint64_t seq, int w = 64, int h = 48) {
  argus::Frame f;
  f.bgr = cv::Mat(h, w, CV_8UC3, cv::Scalar(10, 20, static_cast<double>(seq % 255)));
  f.seq = seq;
  f.received = argus::SteadyClock::now();
  f.received_unix_ms = argus::now_unix_ms();
  f.encoded_bytes = 1000;
  return f;
}

// Produces frames every period_ms; fails with `fail_code` after fail_after frames (0: never).
class FakeSource : public argus::FrameSource {
 public:
  FakeSource(int period_ms, int fail_after, bool fail_open = false)
      : period_ms_(period_ms), fail_after_(fail_after), fail_open_(fail_open) {}
  argus::Status open() override {
    if (fail_open_) return argus::Error::make(argus::source_error::kOpenFailed, "scripted open failure");
    return {};
  }
  argus::Result<argus::Frame> read() override {
    std::unique_lock lock(mu_);
    if (cv_.wait_for(lock, std::chrono::milliseconds(period_ms_), [&] { return interrupted_; }))
      return argus::Error::make(argus::source_error::kInterrupted, "interrupted");
    if (fail_after_ && static_cast<int>(seq_) >= fail_after_) return argus::Error::make(argus::source_error::kEof, "scripted end");
    bytes_ += 1000;
    return make_frame(++seq_);
  }
  void interrupt() override {
    std::lock_guard lock(mu_);
    interrupted_ = true;
    cv_.notify_all();
  }
  uint64_t bytes_received() const override { return bytes_; }
  std::string describe() const override { return "fake"; }

 private:
  int period_ms_, fail_after_;
  bool fail_open_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool interrupted_ = false;
  uint64_t seq_ = 0;
  std::atomic<uint64_t> bytes_{0};
};

// One face, fixed box, fixed embedding; optional delay to simulate a slow model.
class FixedFaceAnalyzer : public argus::FrameAnalyzer {
 public:
  explicit FixedFaceAnalyzer(int delay_ms = 0) : delay_ms_(delay_ms) {}
  argus::AnalysisResult analyze(const argus::Frame&) override {
    if (delay_ms_) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_));
    ++calls;
    argus::AnalysisResult r;
    argus::FaceObservation f;
    f.box = {10, 10, 20, 24};
    f.score = 0.95f;
    f.embedding = {1, 0, 0, 0};
    f.quality = 0.8f;
    r.faces.push_back(f);
    r.timings_ms["detect_ms"] = delay_ms_;
    return r;
  }
  std::atomic<int> calls{0};

 private:
  int delay_ms_;
};

class RecordingSink : public argus::ResultSink {
 public:
  void on_frame_result(const argus::FrameResult& r) override {
    std::lock_guard lock(mu);
    results.push_back(r);
    order.emplace_back(r.seq, false);
  }
  void on_frame_preview(const argus::FrameResult& r) override {
    std::lock_guard lock(mu);
    previews.push_back(r);
    order.emplace_back(r.seq, true);
  }
  void on_track_event(argus::CameraId cam, const argus::TrackEvent& e) override {
    std::lock_guard lock(mu);
    events.emplace_back(cam, e);
  }
  size_t result_count(argus::CameraId cam) {
    std::lock_guard lock(mu);
    size_t n = 0;
    for (auto& r : results) n += r.camera_id == cam;
    return n;
  }
  std::mutex mu;
  std::vector<argus::FrameResult> results;
  std::vector<argus::FrameResult> previews;           // on_frame_preview
  std::vector<std::pair<uint64_t, bool>> order;       // (seq, preview?) in arrival order
  std::vector<std::pair<argus::CameraId, argus::TrackEvent>> events;
};

template <class Pred>
bool wait_until(Pred pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

// Every state change of the cameras it is given to (CameraSession's on_state, or
// CameraManager::set_state_callback), in order; called from their decode threads.
struct StateLog {
  std::mutex mu;
  std::vector<std::pair<argus::CameraId, argus::SessionState>> states;
  argus::StateCallback callback() {
    return [this](argus::CameraId id, argus::SessionState s, const std::string&) {
      std::lock_guard lock(mu);
      states.emplace_back(id, s);
    };
  }
  std::vector<argus::SessionState> of(argus::CameraId id) {
    std::lock_guard lock(mu);
    std::vector<argus::SessionState> out;
    for (auto& [c, s] : states)
      if (c == id) out.push_back(s);
    return out;
  }
};

}  // namespace argus_test
