#include "pipeline/camera_session.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <opencv2/imgcodecs.hpp>

#include "pipeline/frame_tracking.h"

namespace argus {

const char* to_string(SessionState s) {
  switch (s) {
    case SessionState::kConnecting: return "connecting";
    case SessionState::kLive: return "live";
    case SessionState::kError: return "error";
    case SessionState::kStopped: return "stopped";
    case SessionState::kWaiting: return "waiting";
  }
  return "unknown";
}

namespace {
double ms_between(SteadyClock::time_point a, SteadyClock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}
constexpr double kEma = 0.1;  // latency smoothing: ~10 frames

struct EmbeddingCount {
  uint64_t computed = 0, skipped = 0;
};
// Skipped: left without an embedding because the tracker said it would change nothing (not
// faces the analyser could not embed). `wanted` is empty when the analyser never asked.
EmbeddingCount count_embeddings(const std::vector<FaceObservation>& faces, const std::vector<bool>& wanted) {
  EmbeddingCount n;
  for (size_t i = 0; i < faces.size(); ++i) {
    if (!faces[i].embedding.empty()) ++n.computed;
    else if (i < wanted.size() && !wanted[i]) ++n.skipped;
  }
  return n;
}
}  // namespace

CameraSession::CameraSession(CameraConfig config, SessionDeps deps)
    : cfg_(std::move(config)), deps_(std::move(deps)), fps_limit_(cfg_.fps_limit), name_(cfg_.name), limits_(cfg_.limits),
      idle_alert_ms_(cfg_.idle_alert_ms) {
  if (!deps_.factory)
    deps_.factory = [](const CameraConfig& c) { return make_frame_source(c.type, c.url, c.source); };
  tracker_ = std::make_unique<Tracker>(deps_.tracker, deps_.matcher);
}

CameraSession::~CameraSession() { stop(); }

void CameraSession::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  if (deps_.pool && deps_.analyzer && cfg_.detection_enabled)
    lane_ = deps_.pool->add_lane(cfg_.id, fps_limit_.load(), cfg_.frame_ring, [this](Frame&& f) { process(std::move(f)); });
  {
    std::lock_guard lock(mu_);
    c_.started_unix_ms = now_unix_ms();
  }
  thread_ = std::thread([this] { run(); });
}

void CameraSession::stop() {
  stopping_ = true;
  {
    std::lock_guard lock(src_mu_);
    if (current_) current_->interrupt();
  }
  {
    std::lock_guard lock(wait_mu_);
    wait_cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  if (lane_) {
    deps_.pool->remove_lane(lane_);  // waits for an in-flight process()
    lane_.reset();
    auto events = tracker_->flush(now_unix_ms());
    if (deps_.sink)
      for (const auto& e : events) deps_.sink->on_track_event(cfg_.id, e);
  }
}

bool CameraSession::reconfigure(const CameraConfig& next) {
  const SourceOptions &a = cfg_.source, &b = next.source;
  bool same_source = next.id == cfg_.id && next.type == cfg_.type && next.url == cfg_.url &&
                     next.detection_enabled == cfg_.detection_enabled &&
                     (next.frame_ring == 0 || next.frame_ring == cfg_.frame_ring) &&
                     a.rtsp_transport == b.rtsp_transport && a.username == b.username && a.password == b.password &&
                     a.open_timeout_ms == b.open_timeout_ms && a.stall_timeout_ms == b.stall_timeout_ms &&
                     a.realtime == b.realtime && a.loop == b.loop && a.framing == b.framing &&
                     a.max_frame_bytes == b.max_frame_bytes && a.video_size == b.video_size && a.framerate == b.framerate;
  if (!same_source) return false;
  {
    std::lock_guard lock(mu_);
    name_ = next.name;
    limits_ = next.limits;
    idle_alert_ms_ = next.idle_alert_ms;
  }
  if (next.fps_limit != fps_limit_.load()) set_fps_limit(next.fps_limit);
  return true;
}

void CameraSession::set_fps_limit(double fps) {
  fps_limit_ = fps;
  if (lane_) lane_->set_fps_limit(fps);
}

void CameraSession::set_state(SessionState s, const std::string& detail) {
  auto prev = state_.exchange(s);
  if (prev == s && s == SessionState::kWaiting) return;  // another look for a pusher: still waiting since then
  {
    std::lock_guard lock(mu_);
    c_.state_since_unix_ms = now_unix_ms();
    auto now = SteadyClock::now();
    if (s == SessionState::kLive) {
      if (c_.ever_live && c_.down_since != SteadyClock::time_point{}) {
        c_.downtime += now - c_.down_since;
        ++c_.reconnections;
      }
      c_.down_since = {};
      c_.ever_live = true;
    } else if (s == SessionState::kStopped || s == SessionState::kWaiting) {
      // A stopped or idle camera is not "down": close an open downtime interval.
      if (s == SessionState::kWaiting) {  // nothing arrives: say so, and measure afresh
        c_.fps = c_.kbps = 0;
        c_.win_frames = c_.win_bytes = 0;
        c_.win_start = {};
      }
      if (c_.down_since != SteadyClock::time_point{}) c_.downtime += now - c_.down_since;
      c_.down_since = {};
    } else if (prev == SessionState::kLive && c_.down_since == SteadyClock::time_point{}) {
      c_.down_since = now;
    }
    if (s == SessionState::kError) {
      ++c_.errors;
      c_.last_error = detail;
    }
  }
  if (prev != s) {
    spdlog::info("camera {}: {} -> {}{}{}", cfg_.id, to_string(prev), to_string(s), detail.empty() ? "" : ": ", detail);
    if (deps_.on_state) deps_.on_state(cfg_.id, s, detail);
  }
}

bool CameraSession::sleep_backoff(int ms) {
  std::unique_lock lock(wait_mu_);
  wait_cv_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return stopping_.load(); });
  return !stopping_;
}

void CameraSession::run() {
  // Named for per-thread CPU accounting (top -H, bench/pipeline); 15 characters at most.
  pthread_setname_np(pthread_self(), ("argus-cam" + std::to_string(cfg_.id % 1000000)).c_str());
  int backoff = std::max(1, deps_.reconnect.base_ms);
  while (!stopping_) {
    // A waiting camera stays "waiting" while it looks again for someone sending.
    const bool waiting = state_ == SessionState::kWaiting;
    if (!waiting) {
      set_state(SessionState::kConnecting, "");
      std::lock_guard lock(mu_);
      ++c_.connect_attempts;
    }
    std::string failure, failure_code;
    auto made = deps_.factory(cfg_);
    if (!made.ok()) {
      failure = made.error().message;
    } else {
      std::unique_ptr<FrameSource> src = std::move(made.value());
      {
        std::lock_guard lock(src_mu_);
        current_ = src.get();
      }
      {
        std::lock_guard lock(mu_);
        c_.source = src->describe();
      }
      uint64_t counted_bytes = 0;
      Status opened = stopping_ ? Status(Error::make(source_error::kInterrupted, "stopping")) : src->open();
      if (!opened.ok()) {
        failure = opened.error().message;
      } else {
        for (;;) {
          auto frame = src->read();
          if (!frame.ok()) {
            failure_code = frame.error().code;
            failure = frame.error().code + ": " + frame.error().message;
            break;
          }
          if (state_ != SessionState::kLive) {
            set_state(SessionState::kLive, "");
            backoff = std::max(1, deps_.reconnect.base_ms);  // a good connection resets the backoff
          }
          uint64_t total = src->bytes_received();
          auto now = SteadyClock::now();
          {
            std::lock_guard lock(mu_);
            ++c_.captured;
            c_.bytes += total - counted_bytes;
            c_.win_bytes += total - counted_bytes;
            ++c_.win_frames;
            if (c_.win_start == SteadyClock::time_point{}) c_.win_start = now;
            double win_s = std::chrono::duration<double>(now - c_.win_start).count();
            if (win_s >= 1.0) {
              c_.fps = c_.win_frames / win_s;
              c_.kbps = c_.win_bytes * 8.0 / 1000.0 / win_s;
              c_.win_frames = c_.win_bytes = 0;
              c_.win_start = now;
            }
            c_.width = frame->width();
            c_.height = frame->height();
            c_.last_frame_unix_ms = frame->received_unix_ms;
            latest_ = frame.value();  // shares pixels; sources allocate a new Mat per frame
          }
          counted_bytes = total;
          if (lane_) lane_->offer(std::move(frame.value()));
        }
      }
      std::lock_guard lock(src_mu_);
      current_ = nullptr;
    }
    if (stopping_) break;
    if (failure_code == source_error::kNoPeer) {
      // Nobody sending: no error, no backoff; the source itself waited before answering.
      set_state(SessionState::kWaiting, failure);
      backoff = std::max(1, deps_.reconnect.base_ms);
      continue;
    }
    set_state(SessionState::kError, failure);
    spdlog::warn("camera {}: {}; retrying in {} ms", cfg_.id, failure, backoff);
    if (!sleep_backoff(backoff)) break;
    backoff = std::min(backoff * 2, std::max(deps_.reconnect.max_ms, deps_.reconnect.base_ms));
  }
  set_state(SessionState::kStopped, "");
}

void CameraSession::process(Frame&& frame) {
  auto start = SteadyClock::now();
  AnalysisResult analysis;
  // The boxes go out as soon as they are found (a preview): landmarks and embeddings are over
  // half of an analysis, and a live view needs the boxes first. Then the tracker picks the
  // faces worth an embedding (new, unsettled, better, stale tracks); its answer is kept to
  // count what it saved.
  std::vector<bool> wanted;
  AnalysisHooks hooks;
  {
    std::lock_guard lock(mu_);
    hooks.limits = limits_;
  }
  if (deps_.sink && deps_.preview_boxes)
    hooks.detected = [&](const std::vector<FaceObservation>& faces) {
      if (!faces.empty()) deps_.sink->on_frame_preview(preview_frame(cfg_.id, frame, faces, *tracker_, start));
    };
  hooks.wanted = [&](const std::vector<FaceObservation>& faces) {
    wanted = tracker_->wants_embeddings(detections_of(faces), frame.received_unix_ms);
    return wanted;
  };
  try {
    analysis = deps_.analyzer->analyze_live(frame, hooks);
  } catch (const std::exception& e) {
    std::lock_guard lock(mu_);
    ++c_.analyze_errors;
    c_.last_error = std::string("analyzer: ") + e.what();
    return;
  }
  EmbeddingCount embeddings = count_embeddings(analysis.faces, wanted);
  auto analyzed = SteadyClock::now();
  auto received = frame.received;
  int64_t t_ms = frame.received_unix_ms;  // wall clock: events are stored and shown
  TrackedFrame tracked = track_frame(cfg_.id, std::move(frame), std::move(analysis), *tracker_, t_ms);
  auto done = SteadyClock::now();
  FrameResult& r = tracked.result;
  r.timings_ms["queue_ms"] = ms_between(received, start);
  r.timings_ms["analyze_ms"] = ms_between(start, analyzed);
  r.timings_ms["total_ms"] = ms_between(received, done);
  double latency = r.timings_ms["total_ms"];
  {
    std::lock_guard lock(mu_);
    ++c_.processed;
    c_.faces += r.faces.size();
    c_.embeddings_computed += embeddings.computed;
    c_.embeddings_skipped += embeddings.skipped;
    c_.avg_latency_ms = c_.processed == 1 ? latency : (1 - kEma) * c_.avg_latency_ms + kEma * latency;
    c_.max_latency_ms = std::max(c_.max_latency_ms, latency);
    double a = r.timings_ms["analyze_ms"];
    c_.avg_analyze_ms = c_.processed == 1 ? a : (1 - kEma) * c_.avg_analyze_ms + kEma * a;
    ++c_.pwin_frames;
    if (c_.pwin_start == SteadyClock::time_point{}) c_.pwin_start = done;
    double win_s = std::chrono::duration<double>(done - c_.pwin_start).count();
    if (win_s >= 1.0) {
      c_.processed_fps = c_.pwin_frames / win_s;
      c_.pwin_frames = 0;
      c_.pwin_start = done;
    }
  }
  if (deps_.sink) deliver(*deps_.sink, tracked);
}

Json CameraSession::stats() const {
  InferencePool::LaneStats ls;
  if (lane_) ls = lane_->stats();
  std::lock_guard lock(mu_);
  auto downtime = c_.downtime;
  if (c_.down_since != SteadyClock::time_point{}) downtime += SteadyClock::now() - c_.down_since;
  return Json{
      {"camera_id", cfg_.id},
      {"name", name_},
      {"type", cfg_.type},
      {"source", c_.source},
      {"state", to_string(state_.load())},
      {"state_since", c_.state_since_unix_ms},
      {"started_at", c_.started_unix_ms},
      {"last_frame_at", c_.last_frame_unix_ms},
      {"detection_enabled", cfg_.detection_enabled},
      {"fps_limit", fps_limit_.load()},
      {"frames_captured", c_.captured},
      {"frames_processed", c_.processed},
      // ring overflow (analysis slower than decode); frames_skipped: not sampled (fps_limit)
      {"frames_dropped", ls.dropped},
      {"frames_skipped", ls.skipped},
      // detection slots (1/fps_limit) that passed with a frame waiting but no analysis
      // started: the inference pool could not keep up (scheduler.h)
      {"detections_missed", ls.missed},
      {"faces_detected", c_.faces},
      // faces embedded, and faces left without an embedding because their track's identity
      // was settled (Tracker::wants_embeddings): the embedding is most of a face's cost
      {"embeddings_computed", c_.embeddings_computed},
      {"embeddings_skipped", c_.embeddings_skipped},
      {"analyze_errors", c_.analyze_errors},
      {"avg_fps", c_.fps},
      {"processed_fps", c_.processed_fps},
      {"avg_latency_ms", c_.avg_latency_ms},
      {"max_latency_ms", c_.max_latency_ms},
      {"avg_analyze_ms", c_.avg_analyze_ms},
      {"reconnections", c_.reconnections},
      {"errors", c_.errors},
      {"connect_attempts", c_.connect_attempts},
      {"last_error", c_.last_error},
      {"downtime_ms", std::chrono::duration_cast<std::chrono::milliseconds>(downtime).count()},
      {"bandwidth_kbps", c_.kbps},
      {"bytes_received", c_.bytes},
      {"width", c_.width},
      {"height", c_.height},
      {"idle_alert_s", idle_alert_ms_ / 1000},
  };
}

std::optional<Frame> CameraSession::latest_frame() const {
  std::lock_guard lock(mu_);
  if (latest_.empty()) return std::nullopt;
  return latest_;
}

std::optional<std::string> CameraSession::latest_jpeg(int quality) const {
  Frame f;
  uint64_t gen = 0;
  {
    std::lock_guard lock(mu_);
    gen = c_.captured;  // per session, unlike Frame::seq which restarts on reconnect
    if (latest_.empty()) return std::nullopt;
    if (jpeg_seq_ == c_.captured && jpeg_quality_ == quality && !jpeg_cache_.empty()) return jpeg_cache_;
    f = latest_;
  }
  // Encode outside the lock: the decode thread must not wait for a viewer's JPEG.
  std::vector<uint8_t> buf;
  cv::imencode(".jpg", f.bgr, buf, {cv::IMWRITE_JPEG_QUALITY, quality});
  std::string jpeg(buf.begin(), buf.end());
  std::lock_guard lock(mu_);
  jpeg_cache_ = jpeg;
  jpeg_seq_ = gen;
  jpeg_quality_ = quality;
  return jpeg;
}

}  // namespace argus
