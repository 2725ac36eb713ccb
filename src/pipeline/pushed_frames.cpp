#include "pipeline/pushed_frames.h"

#include "pipeline/frame_tracking.h"

namespace argus {

namespace {

// The tracker numbers its tracks from 1; pushed-frame tracks live above kTrackIdBase.
uint64_t public_id(uint64_t tracker_id) { return tracker_id ? PushedFrames::kTrackIdBase + tracker_id : 0; }

void to_public_ids(TrackedFrame& t) {
  for (auto& f : t.result.faces) f.track_id = public_id(f.track_id);
  for (auto& e : t.events) e.track_id = public_id(e.track_id);
}

}  // namespace

PushedFrames::PushedFrames(TrackerConfig tracker, IdentityMatcher matcher, std::shared_ptr<ResultSink> sink,
                           std::chrono::milliseconds idle_close)
    : tracker_cfg_(std::move(tracker)), matcher_(std::move(matcher)), sink_(std::move(sink)),
      idle_close_(std::max(idle_close, std::chrono::milliseconds(1))) {}

PushedFrames::~PushedFrames() { stop(); }

void PushedFrames::start() {
  std::lock_guard lock(mu_);
  if (reaper_.joinable() || stopping_) return;
  reaper_ = std::thread([this] { reaper_loop(); });
}

void PushedFrames::stop() {
  std::map<CameraId, std::shared_ptr<Camera>> cameras;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    cameras.swap(cameras_);
  }
  cv_.notify_all();
  if (reaper_.joinable()) reaper_.join();
  // As when stream cameras stop: open tracks end, and the writer stores their last state.
  for (auto& [id, cam] : cameras) {
    std::lock_guard lock(cam->mu);
    flush_locked(id, *cam);
    cam->ended = true;
  }
}

std::shared_ptr<PushedFrames::Camera> PushedFrames::camera(CameraId id) {
  std::lock_guard lock(mu_);
  if (stopping_) return nullptr;
  auto& slot = cameras_[id];
  if (!slot) slot = std::make_shared<Camera>(tracker_cfg_, matcher_);
  return slot;
}

std::optional<std::vector<uint64_t>> PushedFrames::process(CameraId id, Frame frame, AnalysisResult analysis) {
  auto cam = camera(id);
  if (!cam) return std::nullopt;
  std::lock_guard lock(cam->mu);
  if (cam->ended) return std::nullopt;
  auto now = SteadyClock::now();
  // The reaper may not have run yet: a frame after the idle gap starts afresh all the same.
  if (cam->tracking && now - cam->last_frame >= idle_close_) flush_locked(id, *cam);
  cam->last_ms = std::max(cam->last_ms, frame.received_unix_ms);
  cam->last_frame = now;
  cam->tracking = true;
  frame.seq = ++cam->seq;
  auto received = frame.received;
  TrackedFrame tracked = track_frame(id, std::move(frame), std::move(analysis), cam->tracker, cam->last_ms);
  to_public_ids(tracked);
  tracked.result.timings_ms["total_ms"] = std::chrono::duration<double, std::milli>(SteadyClock::now() - received).count();
  if (sink_) deliver(*sink_, tracked);
  {
    std::lock_guard frame_lock(cam->latest_mu);
    cam->latest = std::move(tracked.result.frame);
  }
  std::vector<uint64_t> ids;
  ids.reserve(tracked.result.faces.size());
  for (const auto& f : tracked.result.faces) ids.push_back(f.track_id);
  return ids;
}

std::shared_ptr<PushedFrames::Camera> PushedFrames::find(CameraId id) const {
  std::lock_guard lock(mu_);
  auto it = cameras_.find(id);
  return it == cameras_.end() ? nullptr : it->second;
}

std::optional<Frame> PushedFrames::latest_frame(CameraId id) const {
  auto cam = find(id);
  if (!cam) return std::nullopt;
  std::lock_guard lock(cam->latest_mu);
  if (cam->latest.empty()) return std::nullopt;
  return cam->latest;
}

void PushedFrames::end_camera(CameraId id) {
  std::shared_ptr<Camera> cam;
  {
    std::lock_guard lock(mu_);
    auto it = cameras_.find(id);
    if (it == cameras_.end()) return;
    cam = std::move(it->second);
    cameras_.erase(it);
  }
  std::lock_guard lock(cam->mu);
  flush_locked(id, *cam);
  cam->ended = true;  // a frame already past camera() is dropped, not tracked on a lost tracker
}

void PushedFrames::flush_locked(CameraId id, Camera& cam) {
  if (!cam.tracking) return;
  cam.tracking = false;
  auto events = cam.tracker.flush(now_unix_ms());
  for (auto& e : events) {
    e.track_id = public_id(e.track_id);
    if (sink_) sink_->on_track_event(id, e);
  }
}

SteadyClock::time_point PushedFrames::reap(CameraId id, Camera& cam, SteadyClock::time_point now) {
  std::lock_guard lock(cam.mu);
  if (!cam.tracking) return SteadyClock::time_point::max();
  auto due = cam.last_frame + idle_close_;
  if (now < due) return due;
  flush_locked(id, cam);
  return SteadyClock::time_point::max();
}

void PushedFrames::reaper_loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    auto cameras = cameras_;  // shared_ptrs: the cameras' own locks are taken without mu_
    lock.unlock();
    auto now = SteadyClock::now();
    auto wake = now + idle_close_;
    for (auto& [id, cam] : cameras) wake = std::min(wake, reap(id, *cam, now));
    lock.lock();
    cv_.wait_until(lock, wake, [&] { return stopping_; });
  }
}

}  // namespace argus
