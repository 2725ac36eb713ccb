#pragma once
// SightingWriter: one persisted sighting per track (docs/api.md "sighting") and the daily
// attendance of recognised persons, built from the pipeline's TrackEvents.
//
// Pipeline side (pool threads, must be quick): on_frame_result keeps a small per-track
// aggregate in memory (frames, best confidence, the best face crop); on_track_event turns an
// event plus that aggregate into a Job on a bounded queue (oldest dropped, counted in
// argus_sighting_jobs_dropped_total). One writer thread (owned, joined in stop()) does the
// slow part: store upserts, snapshot JPEG files, attendance.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <opencv2/core.hpp>

#include "core/bounded_queue.h"
#include "pipeline/analysis.h"
#include "store/store.h"

namespace argus::events {

struct SightingWriterConfig {
  size_t queue = 1024;        // jobs waiting for the writer thread; oldest dropped
  std::string blob_dir;       // snapshots go to <blob_dir>/snapshots/<camera>/<sighting>.jpg
  int snapshot_quality = 85;
  int snapshot_max_side = 320;
  float crop_margin = 0.3f;   // box grown by this fraction on each side for the snapshot
  // An open track's row (last_seen, frame count, best confidence, snapshot) is refreshed at
  // most this often between its events, so long visits show up to date; 0 disables.
  int64_t refresh_ms = 2000;
};

class SightingWriter final : public ResultSink {
 public:
  // Called on the writer thread after a sighting was written: the event type
  // (track_started, identity_assigned, identity_changed, track_ended, or track_updated for a
  // periodic refresh) and the stored row.
  using OnWritten = std::function<void(CameraId, const std::string& event, const store::SightingRecord&)>;
  using TzOffset = std::function<int()>;  // minutes east of UTC for attendance dates

  SightingWriter(store::Store& store, SightingWriterConfig config, TzOffset tz_offset = nullptr);
  ~SightingWriter() override;  // stop()
  SightingWriter(const SightingWriter&) = delete;
  SightingWriter& operator=(const SightingWriter&) = delete;

  void set_on_written(OnWritten cb) { on_written_ = std::move(cb); }  // before start()
  void start();
  // Writes what is queued, then joins the writer thread. Idempotent.
  void stop();
  // Waits (up to timeout) until every job queued so far was written or dropped (tests).
  bool flush(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  void on_frame_result(const FrameResult& result) override;
  void on_track_event(CameraId camera_id, const TrackEvent& event) override;

  uint64_t dropped() const { return dropped_.load(); }
  uint64_t written() const { return written_.load(); }
  uint64_t failed() const { return failed_.load(); }

 private:
  struct Agg {  // pipeline side, per open track
    int64_t frames = 0;
    double best_confidence = 0;
    double best_snapshot_score = -1;
    cv::Mat crop;       // best face so far (owned copy, small)
    uint64_t crop_version = 0;
    uint64_t queued_version = 0;
    bool started = false;        // the writer knows this track (an event was queued)
    int64_t last_seen = 0;
    int64_t last_queued_ms = 0;  // frame time of the last job queued for this track
  };
  struct Job {
    CameraId camera = 0;
    TrackEvent event;   // without the embedding
    int64_t frames = 0;
    double best_confidence = 0;
    cv::Mat crop;       // set when a better crop exists than the one already queued
    bool refresh = false;  // periodic update between events (event.type is not meaningful)
    int64_t last_seen = 0;
  };
  struct Open {  // writer side, per open track
    int64_t sighting_id = 0;
    std::string snapshot_path;
    int64_t frames = 0;
    double best_confidence = 0;
    int64_t first_seen = 0, last_seen = 0;
    std::optional<int64_t> person_id;
    double similarity = 0;
  };
  using Key = std::pair<CameraId, uint64_t>;

  void run();
  void enqueue(Job job);
  void write(Job& job);
  std::string save_snapshot(CameraId camera, int64_t sighting_id, const cv::Mat& crop);
  int tz_minutes();

  store::Store& store_;
  SightingWriterConfig cfg_;
  TzOffset tz_offset_;
  OnWritten on_written_;

  std::mutex agg_mu_;
  std::map<Key, Agg> aggs_;  // bounded by the tracker's open tracks

  BoundedQueue<Job> queue_;
  std::map<Key, Open> open_;  // writer thread only
  int tz_cached_ = 0;
  SteadyClock::time_point tz_at_{};

  std::mutex flush_mu_;
  std::condition_variable flush_cv_;
  uint64_t enqueued_ = 0, done_ = 0;  // under flush_mu_
  std::atomic<uint64_t> dropped_{0}, written_{0}, failed_{0};
  std::atomic<bool> running_{false};
  std::thread thread_;  // last: started in start(), joined in stop()
};

}  // namespace argus::events
