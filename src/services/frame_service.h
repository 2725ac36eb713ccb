#pragma once
// FrameService: push-mode frame analysis (seed 001 §4.1.1, §4.2, §4.3, §5.1-5.3).
//
//   POST /detections/process-frame -> parse + decode (HTTP thread, so bad input is a 400
//   before anything is queued) -> de-duplication by frame_id (5 s) -> admission into a
//   bounded priority queue -> worker threads run the shared FaceAnalyzer and identify each
//   face through RecognitionService -> the 001 §5.1 JSON.
//
// A frame whose camera_id names a registered camera is also a frame of that camera (001
// §4.2 steps 1 and 9): with a live feed set (set_live_feed), its faces go through that
// camera's tracker (PushedFrames) to the live cache, WebSocket subscribers and sightings,
// and each detection carries its track_id. Frames of external camera ids are answered only.
//
// Synchronous requests wait on the HTTP thread until their job finishes or their deadline
// (admission + timeout_ms) passes; asynchronous ones get a job id at once, the result is kept
// in a bounded in-memory job table (pipeline.frame_job_ttl_s after it finished) and POSTed to
// callback_url by one delivery thread (retries with exponential backoff, then a dead letter).
//
// Every container here is bounded and says what it drops:
//   queue      pipeline.frame_queue_capacity; when full the lowest-priority newest job is
//              evicted for a higher-priority arrival (it fails with QUEUE_FULL), else the
//              arrival is refused with QUEUE_FULL. Queued frames are held decoded (at most
//              4096x4096, 48 MiB each), so memory is bounded by capacity x that.
//   jobs       pipeline.frame_job_max async jobs; the oldest finished job goes first; when
//              none has finished the arrival is refused with QUEUE_FULL.
//   dedup      frame ids seen in the last pipeline.frame_dedup_ms, at most 4096 (oldest dropped).
//   callbacks  pending deliveries at most 256 (an arrival beyond that is dead-lettered at once).
//   dead letters pipeline.dead_letter_max (oldest dropped). In memory: lost on restart.
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "core/json.h"
#include "core/result.h"
#include "core/time.h"
#include "pipeline/pushed_frames.h"
#include "services/recognition_service.h"
#include "store/store.h"

namespace argus::services {

// The keys of the "pipeline" config section this service reads (config/argus.yaml documents them).
struct FrameServiceConfig {
  int queue_capacity = 32;         // frame_queue_capacity: frames waiting (all priorities together)
  int workers = 0;                 // frame_workers: analysis threads; 0 = one per core
  int dedup_ms = 5000;             // frame_dedup_ms: same frame_id within this -> duplicate (001 §4.3.3)
  int default_timeout_ms = 5000;   // frame_timeout_ms: timeout_ms when the request gives none
  int max_sync_waiters = 0;        // frame_sync_waiters: sync requests waiting at once; 0 = half the HTTP threads
  int job_ttl_s = 600;             // frame_job_ttl_s: finished async jobs readable this long
  int job_max = 1000;              // frame_job_max: async jobs kept
  int snapshot_ttl_s = 86400;      // frame_snapshot_ttl_s: face crops under blobs/snapshots/frames kept this long
  int callback_max_attempts = 3;   // callback_max_attempts
  int callback_backoff_ms = 1000;  // callback_backoff_ms: wait before retry n is this * 2^(n-1)
  int callback_timeout_ms = 5000;  // callback_timeout_ms: per attempt
  int dead_letter_max = 100;       // dead_letter_max: failed deliveries kept for GET /jobs/dead-letters

  // Reads "pipeline" from the whole config tree; VALIDATION_ERROR names a bad key.
  static Result<FrameServiceConfig> from_tree(const Json& tree);
};

enum class FramePriority { low = 0, normal = 1, high = 2, urgent = 3 };
const char* to_string(FramePriority p);

// One validated push-mode request (001 §4.1.1) with its frame already decoded.
struct FrameRequest {
  std::string camera_id;                 // as sent (string, or an integer turned to text)
  std::optional<int64_t> camera_db_id;   // set when camera_id names a registered camera
  std::string camera_name;               // of that camera ("" otherwise)
  std::string stream_type, frame_id, timestamp;
  Json frame_metadata = Json::object();
  cv::Mat image;                         // BGR
  std::string image_format;              // jpeg | png
  std::string model_type = "face-recognition";  // face-recognition | face-detection
  std::string detection_model, recognition_model;  // requested ids ("" = active)
  float min_confidence = -1;             // < 0: configured
  int min_face_size = -1;                // < 0: configured
  int max_faces = 0;                     // 0: all
  bool return_snapshots = false, return_embeddings = false;
  FramePriority priority = FramePriority::normal;
  int timeout_ms = 0;                    // 0: FrameServiceConfig::default_timeout_ms
  bool async = false;
  std::string client_id, request_id, callback_url;
  int64_t user_id = 0;
};

// Parses and validates a 001 §4.1.1 body: VALIDATION_ERROR with details per field,
// INVALID_BASE64 / INVALID_IMAGE / IMAGE_TOO_SMALL / IMAGE_TOO_LARGE for frame_data (the
// size checks read the image header before any pixel is decoded).
Result<FrameRequest> parse_frame_request(const Json& body);

// A failure with 001's extra fields (frame_id, timeout_ms, fallback_used ... for MODEL_TIMEOUT).
struct FrameError {
  std::string code;     // QUEUE_FULL | MODEL_TIMEOUT | MODEL_FAILURE | DUPLICATE_FRAME | UNAVAILABLE
  std::string message;
  Json extra = Json::object();
};

// What the HTTP layer sends back.
struct FrameReply {
  unsigned status = 200;           // 200 result / duplicate, 202 accepted, else an error status
  Json body;                       // 001 shape when !error
  std::optional<FrameError> error;
};

enum class JobState { queued, processing, completed, failed };
const char* to_string(JobState s);

class FrameService {
 public:
  // data_dir: snapshots go under <data_dir>/blobs/snapshots/frames. http_threads: the API
  // server's thread count (sync waiters block one each; see max_sync_waiters).
  FrameService(RecognitionService& recognition, store::Store& store, FrameServiceConfig config,
               std::string data_dir, int http_threads);
  ~FrameService();
  FrameService(const FrameService&) = delete;
  FrameService& operator=(const FrameService&) = delete;

  // Starts the workers and the callback thread (idempotent).
  void start();
  // Fails queued jobs with UNAVAILABLE, wakes sync waiters, joins every thread. Pending
  // callbacks are dropped (logged and counted). Idempotent; the destructor calls it.
  void stop();

  // Synchronous or asynchronous by request.async.
  FrameReply submit(FrameRequest request);

  // Where frames of registered cameras go besides the answer (set by the live runtime once it
  // exists; null: answers only). Thread-safe; frames being analysed use the feed they read.
  void set_live_feed(std::shared_ptr<PushedFrames> feed);

  // GET /jobs/{id}: {job_id, status, frame_id, camera_id, priority, created_at, ..., result|error}.
  // nullopt when unknown or expired. camera_db_id is set for access checks.
  struct JobView {
    Json json;
    std::optional<int64_t> camera_db_id;
  };
  std::optional<JobView> job(const std::string& job_id);
  Json dead_letters();
  // Absolute path of a stored snapshot by file name ("" when the name is not one of ours).
  std::string snapshot_file(const std::string& name) const;
  static std::string snapshot_url(const std::string& name);

  const FrameServiceConfig& config() const { return config_; }
  size_t queue_depth() const;

 private:
  struct Job;
  struct Delivery {
    std::string job_id, url, payload;
    int attempt = 0;  // attempts made so far
    SteadyClock::time_point next_at;
    std::string last_error;
  };

  void worker_loop();
  void callback_loop();
  void run_job(const std::shared_ptr<Job>& job, const cv::Mat& image);
  Result<Json> analyze(const Job& job, const cv::Mat& image, FrameError& err_out);
  // Hands the analysed faces of a registered camera's frame to the live feed; the track id
  // of each face (null for frames that are not tracked).
  std::vector<Json> feed_live(const Job& job, const cv::Mat& image, const std::vector<vision::Face>& faces,
                              std::map<std::string, double> timings_ms);
  void finish(const std::shared_ptr<Job>& job, std::optional<Json> result, std::optional<FrameError> error);
  std::shared_ptr<Job> pop_locked();
  bool remove_queued_locked(const std::shared_ptr<Job>& job);
  void prune_locked(SteadyClock::time_point now);
  Json accepted_json(const Job& job, size_t position) const;
  Json job_json_locked(const Job& job) const;
  void enqueue_callback(const Job& job);
  bool deliver(Delivery& d);
  void prune_snapshots();

  RecognitionService& recognition_;
  store::Store& store_;
  FrameServiceConfig config_;
  std::string snapshot_dir_;
  int max_sync_waiters_ = 1;

  mutable std::mutex mu_;                 // guards everything below up to callbacks
  std::condition_variable work_cv_;       // workers: a job was queued or stopping
  std::condition_variable done_cv_;       // sync waiters: some job finished
  std::array<std::deque<std::shared_ptr<Job>>, 4> lanes_;  // by FramePriority
  // Written under mu_, read without it by the queue-depth gauge (the metrics registry calls
  // gauges under its own lock, and mu_ -> registry is the lock order used elsewhere).
  std::atomic<size_t> queued_{0};
  int sync_waiters_ = 0;
  uint64_t seq_ = 0;
  std::unordered_map<std::string, std::shared_ptr<Job>> jobs_;  // async jobs by id
  std::deque<std::string> job_order_;                            // ids, oldest first
  struct DedupEntry {
    std::shared_ptr<Job> job;
    SteadyClock::time_point expires;
  };
  std::unordered_map<std::string, DedupEntry> dedup_;
  std::deque<std::pair<std::string, SteadyClock::time_point>> dedup_order_;
  bool started_ = false, stopping_ = false;
  std::vector<std::thread> workers_;
  std::shared_ptr<PushedFrames> live_feed_;

  std::mutex cb_mu_;                      // guards the delivery queue and dead letters
  std::condition_variable cb_cv_;
  std::deque<Delivery> deliveries_;
  std::deque<Json> dead_letters_;
  bool cb_stopping_ = false;
  std::thread callback_thread_;
};

}  // namespace argus::services
