#pragma once
// VideoJobService: video files analysed as jobs at full decode speed (issue 4 §1,
// POST /api/v1/jobs), with progress, cancel and per-track results.
//
//   submit (HTTP thread): an uploaded file is written to <data>/blobs/uploads, or a path is
//   resolved (realpath) inside storage.media_dir; the container is probed with libavformat
//   so a file that is not a video is refused at once (INVALID_VIDEO, 422); then the job is
//   queued (pipeline.video_job_queue waiting at most, QUEUE_FULL beyond).
//   worker (one thread, owned and joined): run_video_job() with the shared analyzer, the
//   gallery matcher and the live tracker settings; a ResultSink on the job collects
//   progress (video time of the last analysed frame) and one entry per track.
//
// Not starving live cameras: one job runs at a time, on a thread at nice +10 (live
// sessions and the inference pool run at normal priority, so the scheduler prefers them),
// and only sample_fps frames per second of video are analysed (pipeline.video_job_sample_fps
// unless the request asks, at most kMaxSampleFps); decoding itself is cheap next to analysis.
//
// Bounded: pipeline.video_job_queue waiting; finished jobs kept pipeline.video_job_ttl_s and
// at most pipeline.video_job_max (oldest finished dropped first); tracks per job at most
// kMaxTracks (more are counted, not listed). Uploaded files are deleted as soon as their
// job finishes (and on delete, expiry and stop); leftovers of a crash at start.
//
// Kept in the store (when given one): every job is written when it is queued, starts and
// ends, so a restart keeps finished results readable for the rest of their TTL and reports
// the jobs it interrupted (queued or running when the server stopped or crashed) as failed
// with INTERRUPTED instead of losing them; those are not re-run (an upload is gone by then).
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/json.h"
#include "core/result.h"
#include "core/time.h"
#include "pipeline/analysis.h"
#include "tracking/tracker.h"

namespace argus::store {
class Store;
}

namespace argus::services {

class RecognitionService;

// The keys of the "pipeline" config section this service reads (config/argus.yaml documents them).
struct VideoJobServiceConfig {
  int queue_capacity = 8;                    // video_job_queue: jobs waiting (the running one not counted)
  int job_max = 50;                          // video_job_max: finished jobs kept
  int job_ttl_s = 3600;                      // video_job_ttl_s: finished jobs readable this long
  double sample_fps = 5;                     // video_job_sample_fps: analysed frames per second of video
  int64_t upload_max_bytes = int64_t{256} << 20;  // video_upload_max_bytes: POST /jobs body limit

  // Reads "pipeline" from the whole config tree; VALIDATION_ERROR names a bad key.
  static Result<VideoJobServiceConfig> from_tree(const Json& tree);
};

// What the container says before decoding (libavformat probe).
struct VideoProbe {
  int width = 0, height = 0;
  std::string codec, format;
  double fps = 0;            // average frame rate; 0 when unknown
  int64_t duration_ms = 0;   // 0 when unknown
  int64_t frames_total = 0;  // from the container, else duration x fps; 0 when unknown
};
// INVALID_VIDEO when libavformat cannot open it or finds no decodable picture stream.
Result<VideoProbe> probe_video(const std::string& path);

class VideoJobService {
 public:
  static constexpr double kMaxSampleFps = 30;
  static constexpr size_t kMaxTracks = 5000;
  static constexpr const char* kIdPrefix = "vj_";

  // analyzer may be null (no face models): jobs then decode and report progress but find no
  // faces (the result says so). upload_dir is created; files left in it are removed. store
  // may be null (jobs then live in memory only); else start() reads the jobs kept there.
  VideoJobService(VideoJobServiceConfig config, std::shared_ptr<FrameAnalyzer> analyzer, IdentityMatcher matcher,
                  TrackerConfig tracker, std::string media_dir, std::string upload_dir, store::Store* store = nullptr);
  ~VideoJobService();
  VideoJobService(const VideoJobService&) = delete;
  VideoJobService& operator=(const VideoJobService&) = delete;

  // serve's wiring: config from the tree (pipeline section), analyzer and matcher from the
  // recognition service, uploads under <blob_dir>/uploads, jobs kept in `store`; started.
  static Result<std::unique_ptr<VideoJobService>> create(const Json& tree, RecognitionService& recognition,
                                                          const std::string& media_dir, const std::string& blob_dir,
                                                          store::Store& store);

  void start();  // idempotent; the first call reads the kept jobs
  // Interrupts the running job and fails queued ones (INTERRUPTED), joins the worker, removes
  // uploads.
  void stop();

  struct Submission {
    std::string filename;     // what the user calls it (upload name or the relative path)
    double sample_fps = 0;    // 0: configured
    int64_t user_id = 0;
  };
  // Accepted: {job_id, status: "queued", position, status_url}. Errors: VALIDATION_ERROR,
  // FORBIDDEN (path outside the media folder), INVALID_VIDEO, QUEUE_FULL, UNAVAILABLE.
  Result<Json> submit_upload(std::string_view bytes, Submission s);
  Result<Json> submit_path(const std::string& path, Submission s);

  // A path as the client gave it (relative to the media folder, or absolute) resolved with
  // symlinks inside the media folder: VALIDATION_ERROR (empty, missing, not a regular file)
  // or FORBIDDEN (resolves outside the folder).
  Result<std::string> resolve_media_path(const std::string& path) const;

  struct JobView {
    Json json;
    int64_t user_id = 0;  // who submitted it
  };
  static bool is_video_job_id(const std::string& id) { return id.rfind(kIdPrefix, 0) == 0; }
  std::optional<JobView> job(const std::string& id);
  // Newest first, without the per-track lists. status: "" or one state; user_id: 0 or only
  // that user's jobs.
  struct Page {
    Json jobs = Json::array();
    int64_t total = 0;
  };
  Page list(int page, int per_page, const std::string& status, int64_t user_id);
  // A queued or running job is cancelled (it stays readable as "cancelled"); a finished one
  // is deleted. NOT_FOUND when unknown. Returns "cancelled" or "deleted".
  Result<std::string> cancel_or_delete(const std::string& id, std::optional<int64_t> only_user = std::nullopt);

  const VideoJobServiceConfig& config() const { return config_; }
  size_t queue_depth() const;

 private:
  struct Job;
  class Collector;

  Result<Json> enqueue(std::shared_ptr<Job> job);
  void worker_loop();
  void run(const std::shared_ptr<Job>& job);
  void prune_locked(SteadyClock::time_point now);
  void restore_locked();                  // the kept jobs, at the first start()
  void persist_locked(const Job& job);    // write through to the store (errors logged)
  void forget_locked(const std::string& id);
  void drop_upload(Job& job);
  Json job_json_locked(const Job& job, bool with_tracks) const;
  size_t position_locked(const Job& job) const;

  VideoJobServiceConfig config_;
  std::shared_ptr<FrameAnalyzer> analyzer_;
  IdentityMatcher matcher_;
  TrackerConfig tracker_;
  std::string media_dir_, upload_dir_;
  store::Store* store_;

  mutable std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  std::map<std::string, std::shared_ptr<Job>> jobs_;  // every job still readable, by id
  std::deque<std::string> order_;                     // ids, oldest first
  std::shared_ptr<Job> running_;
  bool started_ = false, stopping_ = false;
  std::thread worker_;
};

}  // namespace argus::services
