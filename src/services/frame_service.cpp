#include "services/frame_service.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "obs/metrics.h"
#include "recognition/image_decode.h"

namespace argus::services {

namespace fs = std::filesystem;

namespace {

constexpr size_t kDedupMax = 4096;       // frame ids remembered at most (oldest forgotten first)
constexpr size_t kCallbackQueueMax = 256;  // pending deliveries; more are dead-lettered at once

double ms_between(SteadyClock::time_point a, SteadyClock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

std::string random_hex(size_t n) {
  // Ids only need to be unguessable enough not to collide; a thread-local engine avoids a lock.
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) s += digits[rng() & 15];
  return s;
}

double round_to(double v, int places) {
  double f = std::pow(10.0, places);
  return std::round(v * f) / f;
}

obs::Counter& outcome_counter(FramePriority p, const std::string& outcome) {
  return obs::Registry::global().counter("argus_frame_requests_total",
                                         "Push-mode frames (process-frame) by priority and outcome",
                                         {{"priority", to_string(p)}, {"outcome", outcome}});
}

obs::Histogram& stage_histogram(const std::string& stage) {
  return obs::Registry::global().histogram("argus_frame_stage_seconds",
                                           "Push-mode frame latency per stage (queue, detect, recognize, total)",
                                           {{"stage", stage}});
}

void observe_stage(const std::string& stage, double ms) { stage_histogram(stage).observe(ms / 1000.0); }

obs::Counter& callback_counter(const std::string& outcome) {
  return obs::Registry::global().counter("argus_frame_callbacks_total",
                                         "Async job callback attempts by outcome (delivered, retry, dead_letter)",
                                         {{"outcome", outcome}});
}

bool is_printable_id(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

}  // namespace

const char* to_string(FramePriority p) {
  switch (p) {
    case FramePriority::urgent: return "urgent";
    case FramePriority::high: return "high";
    case FramePriority::normal: return "normal";
    default: return "low";
  }
}

const char* to_string(JobState s) {
  switch (s) {
    case JobState::queued: return "queued";
    case JobState::processing: return "processing";
    case JobState::completed: return "completed";
    default: return "failed";
  }
}

Result<FrameServiceConfig> FrameServiceConfig::from_tree(const Json& tree) {
  FrameServiceConfig c;
  const Json& p = tree.contains("pipeline") ? tree["pipeline"] : tree;
  Error bad{"VALIDATION_ERROR", "Invalid pipeline configuration", {}};
  auto read = [&](const char* key, int& slot, int lo, int hi) {
    if (!p.is_object() || !p.contains(key)) return;
    const Json& v = p[key];
    if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi) {
      bad.details[std::string("pipeline.") + key].push_back("must be an integer between " + std::to_string(lo) + " and " +
                                                            std::to_string(hi));
      return;
    }
    slot = v.get<int>();
  };
  read("frame_queue_capacity", c.queue_capacity, 1, 100000);
  read("frame_workers", c.workers, 0, 256);
  read("frame_dedup_ms", c.dedup_ms, 0, 3600000);
  read("frame_timeout_ms", c.default_timeout_ms, 1, 600000);
  read("frame_sync_waiters", c.max_sync_waiters, 0, 10000);
  read("frame_job_ttl_s", c.job_ttl_s, 1, 7 * 86400);
  read("frame_job_max", c.job_max, 1, 1000000);
  read("frame_snapshot_ttl_s", c.snapshot_ttl_s, 60, 365 * 86400);
  read("callback_max_attempts", c.callback_max_attempts, 1, 20);
  read("callback_backoff_ms", c.callback_backoff_ms, 1, 600000);
  read("callback_timeout_ms", c.callback_timeout_ms, 100, 120000);
  read("dead_letter_max", c.dead_letter_max, 1, 100000);
  if (!bad.details.empty()) return bad;
  return c;
}

// ---------------------------------------------------------------------------------------
// Parsing

Result<FrameRequest> parse_frame_request(const Json& body) {
  FrameRequest r;
  Error bad{"VALIDATION_ERROR", "Invalid input data", {}};
  auto add = [&](const std::string& k, const std::string& m) { bad.details[k].push_back(m); };
  auto check_keys = [&](const Json& obj, const std::string& prefix, const std::set<std::string>& known) {
    for (auto& [k, v] : obj.items())
      if (!known.count(k)) add(prefix + k, "Unknown field");
  };
  // A string field: nullopt when absent or wrong (the error is recorded).
  auto str = [&](const Json& obj, const std::string& key, const std::string& path, bool required, size_t max_len) -> std::optional<std::string> {
    if (!obj.contains(key) || obj[key].is_null()) {
      if (required) add(path, "This field is required");
      return std::nullopt;
    }
    if (!obj[key].is_string()) {
      add(path, "must be a string");
      return std::nullopt;
    }
    std::string s = obj[key].get<std::string>();
    if (required && s.empty()) {
      add(path, "must not be empty");
      return std::nullopt;
    }
    if (s.size() > max_len) {
      add(path, "must be at most " + std::to_string(max_len) + " characters");
      return std::nullopt;
    }
    return s;
  };
  auto obj_field = [&](const Json& obj, const std::string& key, const std::string& path) -> const Json* {
    if (!obj.contains(key) || obj[key].is_null()) return nullptr;
    if (!obj[key].is_object()) {
      add(path, "must be an object");
      return nullptr;
    }
    return &obj[key];
  };

  check_keys(body, "", {"camera_id", "stream_type", "frame_id", "timestamp", "frame_data", "frame_metadata",
                        "detection_options", "client_context"});

  // camera_id: 001 shows a UUID-like string; Argus cameras have integer ids, so both are accepted.
  if (!body.contains("camera_id") || body["camera_id"].is_null()) {
    add("camera_id", "This field is required");
  } else if (body["camera_id"].is_number_integer()) {
    int64_t id = body["camera_id"].get<int64_t>();
    if (id <= 0) add("camera_id", "must be a positive integer or a string");
    else r.camera_id = std::to_string(id);
  } else if (body["camera_id"].is_string()) {
    r.camera_id = body["camera_id"].get<std::string>();
    if (r.camera_id.empty() || r.camera_id.size() > 128 || !is_printable_id(r.camera_id))
      add("camera_id", "must be 1-128 printable characters without spaces");
  } else {
    add("camera_id", "must be a string or an integer");
  }
  if (r.camera_id.find_first_not_of("0123456789") == std::string::npos && !r.camera_id.empty() && r.camera_id.size() < 19 &&
      r.camera_id[0] != '0')
    r.camera_db_id = std::stoll(r.camera_id);

  if (auto s = str(body, "stream_type", "stream_type", true, 32)) {
    std::string up = *s;
    for (auto& ch : up) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    static const std::set<std::string> kTypes = {"RTSP", "USB", "HTTP_MJPEG", "WEBSOCKET", "SOCKET"};
    if (!kTypes.count(up)) add("stream_type", "must be one of RTSP, USB, HTTP_MJPEG, WEBSOCKET, SOCKET");
    else r.stream_type = up;
  }
  if (auto s = str(body, "frame_id", "frame_id", true, 128)) {
    if (!is_printable_id(*s)) add("frame_id", "must be printable characters without spaces");
    else r.frame_id = *s;
  }
  if (auto s = str(body, "timestamp", "timestamp", true, 64)) {
    if (!parse_time_ms(*s) || s->find('T') == std::string::npos) add("timestamp", "must be an ISO-8601 time, e.g. 2025-11-06T12:45:23.123Z");
    else r.timestamp = *s;
  }
  auto frame_data = str(body, "frame_data", "frame_data", true, std::string::npos);

  std::optional<std::string> declared_format;
  if (const Json* m = obj_field(body, "frame_metadata", "frame_metadata")) {
    if (m->dump().size() > 16384) add("frame_metadata", "must be at most 16 KiB");
    check_keys(*m, "frame_metadata.", {"format", "resolution", "size_bytes", "codec"});
    if (auto f = str(*m, "format", "frame_metadata.format", false, 16)) {
      std::string low = *f;
      for (auto& ch : low) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (low == "jpg") low = "jpeg";
      if (low != "jpeg" && low != "png") add("frame_metadata.format", "must be jpeg or png");
      else declared_format = low;
    }
    if (const Json* res = obj_field(*m, "resolution", "frame_metadata.resolution")) {
      for (const char* k : {"width", "height"})
        if (res->contains(k) && (!(*res)[k].is_number_integer() || (*res)[k].get<int64_t>() < 1 || (*res)[k].get<int64_t>() > 100000))
          add(std::string("frame_metadata.resolution.") + k, "must be a positive integer");
    }
    if (m->contains("size_bytes") && (!(*m)["size_bytes"].is_number_integer() || (*m)["size_bytes"].get<int64_t>() < 0))
      add("frame_metadata.size_bytes", "must be a non-negative integer");
    str(*m, "codec", "frame_metadata.codec", false, 32);
    r.frame_metadata = *m;
  }

  if (const Json* d = obj_field(body, "detection_options", "detection_options")) {
    check_keys(*d, "detection_options.", {"model_type", "models", "parameters", "processing"});
    if (auto mt = str(*d, "model_type", "detection_options.model_type", false, 32)) {
      if (*mt == "person-detection") add("detection_options.model_type", "person-detection is not supported by this server");
      else if (*mt != "face-recognition" && *mt != "face-detection")
        add("detection_options.model_type", "must be face-recognition or face-detection");
      else r.model_type = *mt;
    }
    if (const Json* models = obj_field(*d, "models", "detection_options.models")) {
      check_keys(*models, "detection_options.models.", {"detection", "recognition"});
      if (auto s = str(*models, "detection", "detection_options.models.detection", false, 64)) r.detection_model = *s;
      if (auto s = str(*models, "recognition", "detection_options.models.recognition", false, 64)) r.recognition_model = *s;
    }
    if (const Json* p = obj_field(*d, "parameters", "detection_options.parameters")) {
      const std::string pre = "detection_options.parameters.";
      check_keys(*p, pre, {"min_confidence", "min_face_size", "max_faces", "return_snapshots", "return_embeddings"});
      if (p->contains("min_confidence")) {
        const Json& v = (*p)["min_confidence"];
        if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 1) add(pre + "min_confidence", "must be a number between 0 and 1");
        else r.min_confidence = v.get<float>();
      }
      if (p->contains("min_face_size")) {
        const Json& v = (*p)["min_face_size"];
        if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > 4096) add(pre + "min_face_size", "must be an integer between 1 and 4096");
        else r.min_face_size = v.get<int>();
      }
      if (p->contains("max_faces")) {
        const Json& v = (*p)["max_faces"];
        if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > 200) add(pre + "max_faces", "must be an integer between 1 and 200");
        else r.max_faces = v.get<int>();
      }
      for (auto [key, slot] : {std::pair{"return_snapshots", &r.return_snapshots}, std::pair{"return_embeddings", &r.return_embeddings}}) {
        if (!p->contains(key)) continue;
        if (!(*p)[key].is_boolean()) add(pre + key, "must be true or false");
        else *slot = (*p)[key].get<bool>();
      }
    }
    if (const Json* p = obj_field(*d, "processing", "detection_options.processing")) {
      const std::string pre = "detection_options.processing.";
      check_keys(*p, pre, {"priority", "timeout_ms", "async"});
      if (auto s = str(*p, "priority", pre + "priority", false, 16)) {
        static const std::map<std::string, FramePriority> kP = {{"urgent", FramePriority::urgent}, {"high", FramePriority::high},
                                                                 {"normal", FramePriority::normal}, {"low", FramePriority::low}};
        auto it = kP.find(*s);
        if (it == kP.end()) add(pre + "priority", "must be one of urgent, high, normal, low");
        else r.priority = it->second;
      }
      if (p->contains("timeout_ms")) {
        const Json& v = (*p)["timeout_ms"];
        if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > 120000) add(pre + "timeout_ms", "must be an integer between 1 and 120000");
        else r.timeout_ms = v.get<int>();
      }
      if (p->contains("async")) {
        if (!(*p)["async"].is_boolean()) add(pre + "async", "must be true or false");
        else r.async = (*p)["async"].get<bool>();
      }
    }
  }

  if (const Json* c = obj_field(body, "client_context", "client_context")) {
    check_keys(*c, "client_context.", {"client_id", "request_id", "callback_url"});
    if (auto s = str(*c, "client_id", "client_context.client_id", false, 128)) r.client_id = *s;
    if (auto s = str(*c, "request_id", "client_context.request_id", false, 128)) r.request_id = *s;
    if (auto s = str(*c, "callback_url", "client_context.callback_url", false, 2048)) {
      bool scheme_ok = s->rfind("http://", 0) == 0 || s->rfind("https://", 0) == 0;
      if (!scheme_ok || s->size() < 10 || !is_printable_id(*s)) add("client_context.callback_url", "must be an http:// or https:// URL");
      else r.callback_url = *s;
    }
  }
  if (!r.callback_url.empty() && !r.async)
    add("client_context.callback_url", "is used only with detection_options.processing.async = true");

  if (!bad.details.empty()) return bad;

  // The cheap checks passed; now the bytes. Base64 first, then the header (dimensions and
  // format, before any pixel buffer exists), then the pixels.
  auto bytes = decode_base64(*frame_data);
  if (!bytes) {
    Error e = Error::make("INVALID_BASE64", "frame_data is not valid base64");
    e.details["frame_data"].push_back(bytes.error().message);
    return e;
  }
  auto info = probe_image(*bytes);
  if (!info || (info->format != ImageFormat::Jpeg && info->format != ImageFormat::Png)) {
    Error e = Error::make("INVALID_IMAGE", "frame_data is not a JPEG or PNG image");
    e.details["frame_data"].push_back(info ? std::string("format ") + to_string(info->format) + " is not accepted" : info.error().message);
    return e;
  }
  if (declared_format && *declared_format != to_string(info->format)) {
    Error e = Error::make("VALIDATION_ERROR", "Invalid input data");
    e.details["frame_metadata.format"].push_back(std::string("says ") + *declared_format + " but frame_data is " + to_string(info->format));
    return e;
  }
  DecodeLimits limits;
  // Queued frames are held decoded (so a corrupt one is a 400 now, not a failed job later):
  // at most 4096x4096 (48 MiB of BGR) each keeps frame_queue_capacity x that bounded.
  limits.max_pixels = 4096LL * 4096;
  limits.allow_bmp = false;
  limits.allow_webp = false;
  auto mat = decode_image(*bytes, limits);
  if (!mat) {
    Error e = Error::make(mat.error().code, mat.error().message);
    e.details["frame_data"].push_back(mat.error().message);
    return e;
  }
  r.image = std::move(*mat);
  r.image_format = to_string(info->format);
  return r;
}

// ---------------------------------------------------------------------------------------
// Jobs

struct FrameService::Job {
  std::string id;  // job_<hex>; sync jobs have one too (it is only ever shown for async ones)
  FrameRequest req;
  int timeout_ms = 0;
  int64_t admitted_unix_ms = 0;
  SteadyClock::time_point admitted, deadline;
  // Guarded by FrameService::mu_.
  JobState state = JobState::queued;
  int64_t started_unix_ms = 0, finished_unix_ms = 0;
  SteadyClock::time_point finished;
  std::optional<Json> result;
  std::optional<FrameError> error;
};

FrameService::FrameService(RecognitionService& recognition, store::Store& store, FrameServiceConfig config,
                           std::string data_dir, int http_threads)
    : recognition_(recognition), store_(store), config_(config),
      snapshot_dir_((fs::path(data_dir) / "blobs" / "snapshots" / "frames").string()) {
  // Sync requests block an HTTP thread each while they wait; keeping at most half of them
  // waiting leaves the rest for logins, health checks and the dashboard.
  max_sync_waiters_ = config_.max_sync_waiters > 0 ? config_.max_sync_waiters : std::max(1, http_threads / 2);
  std::error_code ec;
  fs::create_directories(snapshot_dir_, ec);
  if (ec) spdlog::warn("frames: cannot create {}: {}", snapshot_dir_, ec.message());
}

FrameService::~FrameService() { stop(); }

void FrameService::start() {
  std::lock_guard lock(mu_);
  if (started_) return;
  started_ = true;
  int n = config_.workers > 0 ? config_.workers : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 0; i < n; ++i) workers_.emplace_back([this] { worker_loop(); });
  callback_thread_ = std::thread([this] { callback_loop(); });
  obs::Registry::global().gauge_fn("argus_frame_queue_depth", "Push-mode frames waiting for a worker", {},
                                   [this] { return static_cast<double>(queue_depth()); });
  spdlog::info("frames: {} workers, queue {}, dedup {} ms", n, config_.queue_capacity, config_.dedup_ms);
}

void FrameService::stop() {
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mu_);
    if (!started_ || stopping_) return;
    stopping_ = true;
    for (auto& lane : lanes_) {
      for (auto& job : lane) {
        job->state = JobState::failed;
        job->error = FrameError{"UNAVAILABLE", "The server is shutting down", Json::object()};
        outcome_counter(job->req.priority, "unavailable").inc();
      }
      lane.clear();
    }
    queued_ = 0;
    workers.swap(workers_);
  }
  obs::Registry::global().remove_gauge_fn("argus_frame_queue_depth", {});
  work_cv_.notify_all();
  done_cv_.notify_all();
  for (auto& t : workers) t.join();
  {
    std::lock_guard lock(cb_mu_);
    cb_stopping_ = true;
    if (!deliveries_.empty()) spdlog::warn("frames: {} callback deliveries dropped at shutdown", deliveries_.size());
    callback_counter("dropped_at_shutdown").inc(static_cast<double>(deliveries_.size()));
    deliveries_.clear();
  }
  cb_cv_.notify_all();
  if (callback_thread_.joinable()) callback_thread_.join();
}

size_t FrameService::queue_depth() const { return queued_.load(); }

void FrameService::prune_locked(SteadyClock::time_point now) {
  // De-duplication entries live dedup_ms after admission.
  while (!dedup_order_.empty() && (dedup_order_.front().second <= now || dedup_order_.size() > kDedupMax)) {
    auto it = dedup_.find(dedup_order_.front().first);
    if (it != dedup_.end() && it->second.expires == dedup_order_.front().second) dedup_.erase(it);
    dedup_order_.pop_front();
  }
  // Finished async jobs stay readable job_ttl_s.
  auto ttl = std::chrono::seconds(config_.job_ttl_s);
  for (auto it = job_order_.begin(); it != job_order_.end();) {
    auto j = jobs_.find(*it);
    if (j == jobs_.end()) {
      it = job_order_.erase(it);
      continue;
    }
    bool done = j->second->state == JobState::completed || j->second->state == JobState::failed;
    if (done && now - j->second->finished > ttl) {
      jobs_.erase(j);
      it = job_order_.erase(it);
    } else {
      ++it;
    }
  }
}

bool FrameService::remove_queued_locked(const std::shared_ptr<Job>& job) {
  auto& lane = lanes_[static_cast<size_t>(job->req.priority)];
  auto it = std::find(lane.begin(), lane.end(), job);
  if (it == lane.end()) return false;
  lane.erase(it);
  --queued_;
  return true;
}

std::shared_ptr<FrameService::Job> FrameService::pop_locked() {
  // 001 §4.3.2: urgent, then high, normal, low; FIFO within a priority.
  for (size_t p = lanes_.size(); p-- > 0;) {
    if (lanes_[p].empty()) continue;
    auto job = lanes_[p].front();
    lanes_[p].pop_front();
    --queued_;
    return job;
  }
  return nullptr;
}

void FrameService::finish(const std::shared_ptr<Job>& job, std::optional<Json> result, std::optional<FrameError> error) {
  // Caller holds mu_.
  job->state = error ? JobState::failed : JobState::completed;
  job->result = std::move(result);
  job->error = std::move(error);
  job->finished = SteadyClock::now();
  job->finished_unix_ms = now_unix_ms();
  job->req.image.release();  // the pixels are not needed any more; the job may live for job_ttl_s
  if (job->error) {
    // A failed frame may be sent again at once: forget it for de-duplication.
    auto it = dedup_.find(job->req.frame_id);
    if (it != dedup_.end() && it->second.job == job) dedup_.erase(it);
    const std::string& code = job->error->code;
    outcome_counter(job->req.priority, code == "MODEL_TIMEOUT" ? "timeout" : code == "QUEUE_FULL" ? "evicted"
                                       : code == "UNAVAILABLE" ? "unavailable" : "failed").inc();
  } else {
    outcome_counter(job->req.priority, "completed").inc();
  }
  observe_stage("total", ms_between(job->admitted, job->finished));
  done_cv_.notify_all();
  if (job->req.async && !job->req.callback_url.empty()) enqueue_callback(*job);
}

Json FrameService::accepted_json(const Job& job, size_t position) const {
  // 001 §5.3. estimated_completion_ms: a rough guess from the stage histogram is not worth
  // the noise; the queue position times the mean total latency so far is good enough.
  auto& h = stage_histogram("total");
  double mean_ms = h.count() ? h.sum() / static_cast<double>(h.count()) * 1000.0 : 200.0;
  int workers = std::max<size_t>(1, workers_.size());
  Json j = {{"status", "accepted"},  // 001 §5.3; the job itself is "queued" (job_status)
            {"job_status", "queued"},
            {"message", "Frame queued for processing"},
            {"job_id", job.id},
            {"frame_id", job.req.frame_id},
            {"estimated_completion_ms", static_cast<int64_t>(mean_ms * (1.0 + static_cast<double>(position) / workers))},
            {"queue_position", position},
            {"callback_url", job.req.callback_url.empty() ? Json(nullptr) : Json(job.req.callback_url)},
            {"status_url", "/api/v1/jobs/" + job.id}};
  return j;
}

FrameReply FrameService::submit(FrameRequest request) {
  auto now = SteadyClock::now();
  auto job = std::make_shared<Job>();
  job->id = "job_" + random_hex(16);
  job->timeout_ms = request.timeout_ms > 0 ? request.timeout_ms : config_.default_timeout_ms;
  job->admitted = now;
  job->admitted_unix_ms = now_unix_ms();
  job->deadline = now + std::chrono::milliseconds(job->timeout_ms);
  job->req = std::move(request);
  const FramePriority prio = job->req.priority;
  auto reject = [&](unsigned status, const std::string& code, const std::string& outcome, const std::string& message,
                    Json extra = Json::object()) {
    outcome_counter(prio, outcome).inc();
    FrameReply r;
    r.status = status;
    r.error = FrameError{code, message, std::move(extra)};
    return r;
  };

  std::unique_lock lock(mu_);
  if (!started_ || stopping_) return reject(503, "UNAVAILABLE", "unavailable", "Frame processing is not running");
  prune_locked(now);

  // De-duplication (001 §4.3.3), by frame_id alone as 001 keys it, for dedup_ms after the
  // first arrival. A finished frame answers with its cached result (status "duplicate",
  // 200); one still queued or being processed answers 409 DUPLICATE_FRAME rather than
  // waiting for it, so a client retrying in a loop cannot pile up waiters. Failed frames are
  // forgotten at once (finish()), so a retry after a timeout or QUEUE_FULL is processed.
  if (config_.dedup_ms > 0) {
    auto it = dedup_.find(job->req.frame_id);
    if (it != dedup_.end() && it->second.expires > now) {
      auto& prev = it->second.job;
      if (prev->state == JobState::completed && prev->result) {
        outcome_counter(prio, "duplicate").inc();
        FrameReply r;
        r.body = *prev->result;
        r.body["status"] = "duplicate";
        r.body["message"] = "Frame already processed; cached result";
        return r;
      }
      Json extra = {{"frame_id", job->req.frame_id}};
      if (prev->req.async) extra["job_id"] = prev->id;
      return reject(409, "DUPLICATE_FRAME", "duplicate_in_progress",
                    "A frame with this frame_id is still being processed", extra);
    }
  }

  if (!job->req.async && sync_waiters_ >= max_sync_waiters_)
    return reject(503, "QUEUE_FULL", "queue_full",
                  "Too many synchronous requests are waiting; retry later or send processing.async = true",
                  {{"frame_id", job->req.frame_id}, {"sync_waiters", sync_waiters_}});
  if (job->req.async && jobs_.size() >= static_cast<size_t>(config_.job_max)) {
    // Make room by dropping the oldest finished job; when none has finished, refuse.
    for (auto it = job_order_.begin(); it != job_order_.end(); ++it) {
      auto j = jobs_.find(*it);
      if (j != jobs_.end() && (j->second->state == JobState::completed || j->second->state == JobState::failed)) {
        jobs_.erase(j);
        job_order_.erase(it);
        break;
      }
    }
    if (jobs_.size() >= static_cast<size_t>(config_.job_max))
      return reject(503, "QUEUE_FULL", "queue_full", "Too many unfinished jobs", {{"frame_id", job->req.frame_id}});
  }

  // Admission control. When the queue is full a higher-priority arrival evicts the newest
  // job of the lowest non-empty lower priority (low is shed first; newest because it has
  // waited least); otherwise the arrival itself is refused.
  if (queued_ >= static_cast<size_t>(config_.queue_capacity)) {
    // Frames already past their deadline only wait to be failed by a worker: fail them now
    // and reuse their places before shedding anything that could still make it.
    for (auto& l : lanes_) {
      for (auto it = l.begin(); it != l.end();) {
        if ((*it)->deadline > now) {
          ++it;
          continue;
        }
        auto expired = *it;
        it = l.erase(it);
        --queued_;
        finish(expired, std::nullopt,
               FrameError{"MODEL_TIMEOUT", "Frame waited in the queue past its timeout (" + std::to_string(expired->timeout_ms) + "ms). Frame dropped.",
                          {{"frame_id", expired->req.frame_id}, {"timeout_ms", expired->timeout_ms}, {"fallback_used", false},
                           {"fallback_model", nullptr}, {"stage", "queued"}}});
      }
    }
  }
  if (queued_ >= static_cast<size_t>(config_.queue_capacity)) {
    std::shared_ptr<Job> victim;
    for (size_t p = 0; p < static_cast<size_t>(prio); ++p) {
      if (lanes_[p].empty()) continue;
      victim = lanes_[p].back();
      lanes_[p].pop_back();
      --queued_;
      break;
    }
    if (!victim)
      return reject(503, "QUEUE_FULL", "queue_full", "The frame queue is full",
                    {{"frame_id", job->req.frame_id}, {"queue_capacity", config_.queue_capacity}});
    finish(victim, std::nullopt,
           FrameError{"QUEUE_FULL", "Dropped from a full queue for a higher-priority frame", {{"frame_id", victim->req.frame_id}}});
  }

  auto& lane = lanes_[static_cast<size_t>(prio)];
  lane.push_back(job);
  ++queued_;
  size_t position = lane.size();  // 1-based: jobs of higher priority go first
  for (size_t p = static_cast<size_t>(prio) + 1; p < lanes_.size(); ++p) position += lanes_[p].size();
  if (config_.dedup_ms > 0) {
    auto expires = now + std::chrono::milliseconds(config_.dedup_ms);
    dedup_[job->req.frame_id] = {job, expires};
    dedup_order_.emplace_back(job->req.frame_id, expires);
  }
  if (job->req.async) {
    jobs_[job->id] = job;
    job_order_.push_back(job->id);
  }
  work_cv_.notify_one();

  if (job->req.async) {
    FrameReply r;
    r.status = 202;
    r.body = accepted_json(*job, position);
    return r;
  }

  ++sync_waiters_;
  bool done = done_cv_.wait_until(lock, job->deadline, [&] {
    return job->state == JobState::completed || job->state == JobState::failed;
  });
  --sync_waiters_;
  if (!done) {
    // 001 §5.2.3: over timeout_ms (waiting + processing). A queued job leaves the queue; one
    // being processed cannot be interrupted inside the model, so the worker finishes it and
    // drops the result (finish() below marks it failed first).
    bool was_queued = remove_queued_locked(job);
    finish(job, std::nullopt,
           FrameError{"MODEL_TIMEOUT",
                      was_queued ? "Frame waited in the queue past its timeout (" + std::to_string(job->timeout_ms) + "ms). Frame dropped."
                                 : "Detection model exceeded timeout (" + std::to_string(job->timeout_ms) + "ms). Frame dropped.",
                      {{"frame_id", job->req.frame_id}, {"timeout_ms", job->timeout_ms}, {"fallback_used", false},
                       {"fallback_model", nullptr}, {"stage", was_queued ? "queued" : "processing"}}});
  }
  FrameReply r;
  if (job->error) {
    r.error = job->error;
    r.status = 500;
  } else {
    r.body = *job->result;
  }
  return r;
}

void FrameService::worker_loop() {
  for (;;) {
    std::shared_ptr<Job> job;
    cv::Mat image;
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [&] { return stopping_ || queued_ > 0; });
      if (stopping_) return;
      job = pop_locked();
      if (!job) continue;
      auto now = SteadyClock::now();
      if (now >= job->deadline) {
        // Expired while queued (async jobs; a sync waiter removes its own job first).
        finish(job, std::nullopt,
               FrameError{"MODEL_TIMEOUT", "Frame waited in the queue past its timeout (" + std::to_string(job->timeout_ms) + "ms). Frame dropped.",
                          {{"frame_id", job->req.frame_id}, {"timeout_ms", job->timeout_ms}, {"fallback_used", false},
                           {"fallback_model", nullptr}, {"stage", "queued"}}});
        continue;
      }
      job->state = JobState::processing;
      job->started_unix_ms = now_unix_ms();
      // A header copy shares the pixels: finish() may release job->req.image (a sync waiter
      // that timed out) while this worker still reads them.
      image = job->req.image;
      observe_stage("queue", ms_between(job->admitted, now));
    }
    run_job(job, image);
  }
}

void FrameService::run_job(const std::shared_ptr<Job>& job, const cv::Mat& image) {
  // Runs outside the lock: while a job is processing only this worker reads its request
  // fields, and a sync waiter that gives up changes only state/result/error (under mu_).
  FrameError err;
  std::optional<Json> result;
  try {
    auto r = analyze(*job, image, err);
    if (r) result = std::move(*r);
  } catch (const std::exception& e) {
    spdlog::error("frames: job {} failed: {}", job->id, e.what());
    err = FrameError{"MODEL_FAILURE", "Frame analysis failed", {{"frame_id", job->req.frame_id}}};
  }
  std::lock_guard lock(mu_);
  if (job->state != JobState::processing) return;  // its waiter timed out: result dropped
  if (result && SteadyClock::now() > job->deadline) {
    bool fb = (*result)["model_info"].value("fallback_used", false);
    finish(job, std::nullopt,
           FrameError{"MODEL_TIMEOUT", "Detection model exceeded timeout (" + std::to_string(job->timeout_ms) + "ms). Frame dropped.",
                      {{"frame_id", job->req.frame_id}, {"timeout_ms", job->timeout_ms}, {"fallback_used", fb},
                       {"fallback_model", fb ? (*result)["model_info"]["detection_model"]["name"] : Json(nullptr)},
                       {"stage", "processing"}}});
    return;
  }
  if (result) finish(job, std::move(result), std::nullopt);
  else finish(job, std::nullopt, err);
}

Result<Json> FrameService::analyze(const Job& job, const cv::Mat& image, FrameError& err) {
  const FrameRequest& req = job.req;
  auto started = SteadyClock::now();
  vision::FaceAnalyzer* analyzer = recognition_.available() ? recognition_.analyzer() : nullptr;
  if (!analyzer) {
    err = FrameError{"UNAVAILABLE", "Face models are not loaded" +
                                        (recognition_.unavailable_reason().empty() ? std::string() : ": " + recognition_.unavailable_reason()),
                     {{"frame_id", req.frame_id}}};
    return Error::make(err.code, err.message);
  }
  auto& registry = analyzer->registry();
  vision::AnalyzeOptions opts;
  opts.fusion = analyzer->config().fusion;
  const bool detect_only = req.model_type == "face-detection";
  opts.detect_only = false;          // landmarks + quality are wanted for face_attributes either way
  opts.embed = !detect_only || req.return_embeddings;
  if (req.min_confidence >= 0) opts.detection_threshold = req.min_confidence;
  if (req.min_face_size > 0) opts.min_face_size = static_cast<float>(req.min_face_size);
  opts.max_faces = req.max_faces;
  // 001 names models (retinaface-gpu, arcface-512d) Argus may not have: a requested id that
  // is loaded for the right task is used, anything else runs the active model and says so.
  Json requested = Json::object();
  auto pick = [&](const std::string& id, const char* task, std::string& slot, const char* key) {
    if (id.empty()) return;
    auto m = registry.get(id);
    if (m && m->info.task == task && m->info.status == "ready") slot = id;
    else requested[key] = {{"model", id}, {"used", false}, {"reason", "not loaded here; the active model ran"}};
  };
  pick(req.detection_model, "detector", opts.detector, "detection");
  if (!opts.fusion) pick(req.recognition_model, "recognizer", opts.embedder, "recognition");

  vision::AnalyzeTrace trace;
  auto faces = analyzer->try_analyze(image, opts, &trace);
  if (!faces) {
    err = FrameError{"MODEL_FAILURE", "Detection model failed: " + faces.error().message,
                     {{"frame_id", req.frame_id}, {"fallback_used", trace.fallback_used},
                      {"fallback_model", trace.models.count("detector") ? Json(trace.models["detector"]) : Json(nullptr)}}};
    return Error::make(err.code, err.message);
  }
  auto stage = [&](const char* k) { return trace.timings_ms.count(k) ? trace.timings_ms.at(k) : 0.0; };
  std::map<std::string, double> live_timings = trace.timings_ms;
  live_timings["queue_ms"] = ms_between(job.admitted, started);
  live_timings["analyze_ms"] = ms_between(started, SteadyClock::now());
  const std::vector<Json> track_ids = feed_live(job, image, *faces, std::move(live_timings));
  double detection_ms = stage("detect") + stage("landmarks") + stage("align") + stage("quality");
  double recognition_ms = stage("embed");

  const int W = image.cols, H = image.rows;
  const float min_sharpness = analyzer->config().min_sharpness;
  Json detections = Json::array();
  int identified = 0;
  double conf_sum = 0;
  std::map<int64_t, Json> persons;  // per-frame cache of person rows
  std::error_code ec;
  for (size_t face_index = 0; face_index < faces->size(); ++face_index) {
    const vision::Face& f = (*faces)[face_index];
    std::string det_id = "det_" + random_hex(12);
    int x0 = std::clamp(static_cast<int>(std::floor(f.box.x)), 0, W), y0 = std::clamp(static_cast<int>(std::floor(f.box.y)), 0, H);
    int x1 = std::clamp(static_cast<int>(std::ceil(f.box.right())), 0, W), y1 = std::clamp(static_cast<int>(std::ceil(f.box.bottom())), 0, H);
    int bw = std::max(0, x1 - x0), bh = std::max(0, y1 - y0);
    Json box = {{"x", x0}, {"y", y0}, {"width", bw}, {"height", bh},
                {"normalized", {{"x", round_to(double(x0) / W, 4)}, {"y", round_to(double(y0) / H, 4)},
                                {"width", round_to(double(bw) / W, 4)}, {"height", round_to(double(bh) / H, 4)}}}};
    Json person = nullptr;
    if (!detect_only && !f.embedding.empty()) {
      auto t0 = SteadyClock::now();
      Identification id = recognition_.identify(f.embedding, f.embedder_id);
      recognition_ms += ms_between(t0, SteadyClock::now());
      if (id.person_id && id.decision == "matched") {
        auto cached = persons.find(*id.person_id);
        if (cached == persons.end()) {
          Json pj = {{"person_id", *id.person_id}, {"employee_id", nullptr}, {"name", id.name}, {"department", nullptr},
                     {"enrollment_status", "active"}, {"face_encoding_count", 0}};
          if (auto rec = store_.person(*id.person_id)) {
            pj["name"] = rec->name;
            if (!rec->employee_id.empty()) pj["employee_id"] = rec->employee_id;
            if (!rec->department.empty()) pj["department"] = rec->department;
            // One embedding per enrolled photo (per recogniser), so photos = encodings.
            pj["face_encoding_count"] = store_.person_images(*id.person_id).size();
          }
          cached = persons.emplace(*id.person_id, pj).first;
        }
        person = cached->second;
        person["match_confidence"] = round_to(id.similarity, 4);
        person["match_distance"] = round_to(1.0 - id.similarity, 4);  // cosine distance
        ++identified;
      }
    }
    const vision::Quality& q = f.quality;
    vision::Pose pose = f.pose ? *f.pose : vision::Pose{q.yaw, q.pitch, q.roll};
    Json attrs = {{"quality_score", round_to(q.score, 3)}, {"is_blurry", q.sharpness < min_sharpness},
                  {"sharpness", round_to(q.sharpness, 1)}, {"brightness", round_to(q.brightness, 1)},
                  {"face_size_pixels", bw * bh},
                  {"pose", {{"yaw", round_to(pose.yaw, 1)}, {"pitch", round_to(pose.pitch, 1)}, {"roll", round_to(pose.roll, 1)}}}};
    Json snapshot = nullptr;
    if (req.return_snapshots && bw > 0 && bh > 0) {
      // The box plus 20 % on each side (context helps a person recognise a face).
      int mx = bw / 5, my = bh / 5;
      cv::Rect crop(std::max(0, x0 - mx), std::max(0, y0 - my), 0, 0);
      crop.width = std::min(W, x1 + mx) - crop.x;
      crop.height = std::min(H, y1 + my) - crop.y;
      auto jpeg = encode_jpeg(image(crop), 90);
      std::string name = det_id + ".jpg";
      fs::create_directories(snapshot_dir_, ec);
      std::ofstream out(fs::path(snapshot_dir_) / name, std::ios::binary);
      out.write(reinterpret_cast<const char*>(jpeg.data()), static_cast<std::streamsize>(jpeg.size()));
      if (out) {
        snapshot = {{"url", snapshot_url(name)}, {"storage_path", "snapshots/frames/" + name}, {"size_bytes", jpeg.size()},
                    {"format", "jpeg"}, {"resolution", std::to_string(crop.width) + "x" + std::to_string(crop.height)}};
      } else {
        spdlog::warn("frames: cannot write snapshot {}", name);
      }
    }
    Json embedding = nullptr;
    if (req.return_embeddings && !f.embedding.empty()) embedding = f.embedding;
    conf_sum += f.score;
    detections.push_back({{"detection_id", det_id}, {"detection_type", "face"}, {"track_id", track_ids[face_index]}, {"bounding_box", box},
                          {"confidence", round_to(f.score, 4)}, {"person", person}, {"face_attributes", attrs},
                          {"snapshot", snapshot}, {"embedding", embedding}, {"metadata", {{"created_at", iso8601_ms(now_unix_ms())}}}});
  }
  observe_stage("detect", detection_ms);
  if (!detect_only) observe_stage("recognize", recognition_ms);

  auto completed = SteadyClock::now();
  int64_t completed_unix = now_unix_ms();
  Json info = {{"frame_id", req.frame_id},
               {"camera_id", req.camera_id},
               {"camera_name", req.camera_name.empty() ? Json(nullptr) : Json(req.camera_name)},
               {"timestamp", req.timestamp},
               {"processing_started_at", iso8601_ms(job.started_unix_ms)},
               {"processing_completed_at", iso8601_ms(completed_unix)},
               {"processing_time_ms", std::llround(ms_between(started, completed))},
               {"queue_time_ms", std::llround(ms_between(job.admitted, started))},
               {"detection_time_ms", std::llround(detection_ms)},
               {"recognition_time_ms", std::llround(recognition_ms)},
               {"priority", to_string(req.priority)},
               {"stream_type", req.stream_type},
               {"resolution", {{"width", W}, {"height", H}}}};
  if (!req.request_id.empty()) info["request_id"] = req.request_id;
  if (!req.client_id.empty()) info["client_id"] = req.client_id;

  auto model_json = [&](const std::string& task, double latency) -> Json {
    std::string id = trace.models.count(task) ? trace.models.at(task) : registry.active(task);
    Json m = {{"name", id}, {"version", nullptr}, {"device", nullptr}, {"latency_ms", std::llround(latency)}};
    if (auto lm = registry.get(id)) {
      m["version"] = lm->info.version;
      m["device"] = lm->info.device;
      if (task == "recognizer") m["embedding_size"] = lm->info.dim;
    }
    if (task == "recognizer" && !faces->empty() && !faces->front().embedding.empty())
      m["embedding_size"] = faces->front().embedding.size();
    if (task == "recognizer" && !m.contains("embedding_size")) m["embedding_size"] = nullptr;
    return m;
  };
  Json model_info = {{"detection_model", model_json("detector", detection_ms)},
                     {"recognition_model", detect_only ? Json(nullptr) : model_json("recognizer", recognition_ms)},
                     {"fallback_used", trace.fallback_used}};
  if (!trace.notes.empty()) model_info["fallback_notes"] = trace.notes;
  if (!requested.empty()) model_info["requested"] = requested;

  size_t n = detections.size();
  Json summary = {{"total_detections", n}, {"identified_persons", identified},
                  {"unknown_persons", detect_only ? 0 : static_cast<int>(n) - identified}};
  if (n > 0) summary["avg_confidence"] = round_to(conf_sum / static_cast<double>(n), 4);
  return Json{{"status", "success"},
              {"message", n > 0 ? "Frame processed successfully" : "No faces detected in frame"},
              {"processing_info", info},
              {"detections", detections},
              {"summary", summary},
              {"model_info", model_info}};
}

// ---------------------------------------------------------------------------------------
// Live feed: frames of registered cameras join that camera's tracks

namespace {

// The pipeline's view of an analysed face (what a stream camera's analyzer hands its tracker).
FaceObservation to_observation(const vision::Face& f) {
  FaceObservation o;
  o.box = f.box;
  o.score = f.score;
  if (f.landmarks5.size() == o.landmarks.size()) {
    std::copy(f.landmarks5.begin(), f.landmarks5.end(), o.landmarks.begin());
    o.has_landmarks = true;
  }
  o.embedding = f.embedding;
  o.quality = f.quality.score;
  vision::Pose pose = f.pose ? *f.pose : vision::Pose{f.quality.yaw, f.quality.pitch, f.quality.roll};
  o.pose = FacePose{pose.yaw, pose.pitch, pose.roll};
  return o;
}

}  // namespace

void FrameService::set_live_feed(std::shared_ptr<PushedFrames> feed) {
  std::lock_guard lock(mu_);
  live_feed_ = std::move(feed);
}

std::vector<Json> FrameService::feed_live(const Job& job, const cv::Mat& image, const std::vector<vision::Face>& faces,
                                          std::map<std::string, double> timings_ms) {
  std::vector<Json> ids(faces.size(), Json(nullptr));
  std::shared_ptr<PushedFrames> feed;
  {
    std::lock_guard lock(mu_);
    feed = live_feed_;
  }
  if (!feed || !job.req.camera_db_id) return ids;
  // The server's arrival time, not the client's timestamp: tracks, sightings and attendance
  // of pushed frames then share the clock of the camera's other frames.
  Frame frame;
  frame.bgr = image;  // shared, read-only: sinks copy the crops they keep
  frame.received = job.admitted;
  frame.received_unix_ms = job.admitted_unix_ms;
  AnalysisResult analysis;
  analysis.faces.reserve(faces.size());
  for (const auto& f : faces) analysis.faces.push_back(to_observation(f));
  analysis.timings_ms = std::move(timings_ms);
  auto tracked = feed->process(*job.req.camera_db_id, std::move(frame), std::move(analysis));
  if (tracked)
    for (size_t i = 0; i < ids.size() && i < tracked->size(); ++i) ids[i] = (*tracked)[i];
  return ids;
}

// ---------------------------------------------------------------------------------------
// Job table

Json FrameService::job_json_locked(const Job& job) const {
  Json j = {{"job_id", job.id},
            {"status", to_string(job.state)},
            {"frame_id", job.req.frame_id},
            {"camera_id", job.req.camera_id},
            {"priority", to_string(job.req.priority)},
            {"created_at", iso8601_ms(job.admitted_unix_ms)},
            {"started_at", job.started_unix_ms ? Json(iso8601_ms(job.started_unix_ms)) : Json(nullptr)},
            {"finished_at", job.finished_unix_ms ? Json(iso8601_ms(job.finished_unix_ms)) : Json(nullptr)},
            {"expires_at", job.finished_unix_ms ? Json(iso8601_ms(job.finished_unix_ms + config_.job_ttl_s * 1000LL)) : Json(nullptr)},
            {"callback_url", job.req.callback_url.empty() ? Json(nullptr) : Json(job.req.callback_url)},
            {"result", job.result ? *job.result : Json(nullptr)},
            {"error", nullptr}};
  if (job.state == JobState::queued) {
    size_t pos = 0;
    for (size_t p = lanes_.size(); p-- > 0;) {
      auto it = std::find_if(lanes_[p].begin(), lanes_[p].end(), [&](const auto& q) { return q.get() == &job; });
      if (it != lanes_[p].end()) {
        pos += static_cast<size_t>(it - lanes_[p].begin()) + 1;
        break;
      }
      pos += lanes_[p].size();
    }
    j["queue_position"] = pos;
  }
  if (job.error) {
    Json e = job.error->extra;
    e["code"] = job.error->code;
    e["message"] = job.error->message;
    j["error"] = e;
  }
  return j;
}

std::optional<FrameService::JobView> FrameService::job(const std::string& job_id) {
  std::lock_guard lock(mu_);
  prune_locked(SteadyClock::now());
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return std::nullopt;
  return JobView{job_json_locked(*it->second), it->second->req.camera_db_id};
}

Json FrameService::dead_letters() {
  std::lock_guard lock(cb_mu_);
  Json list = Json::array();
  for (auto it = dead_letters_.rbegin(); it != dead_letters_.rend(); ++it) list.push_back(*it);  // newest first
  return list;
}

std::string FrameService::snapshot_url(const std::string& name) { return "/api/v1/detections/frames/snapshots/" + name; }

std::string FrameService::snapshot_file(const std::string& name) const {
  // Only names this service writes: det_<12 hex>.jpg (so no path can escape the folder).
  if (name.size() != 20 || name.rfind("det_", 0) != 0 || name.substr(16) != ".jpg") return "";
  for (size_t i = 4; i < 16; ++i)
    if (!std::isxdigit(static_cast<unsigned char>(name[i]))) return "";
  return (fs::path(snapshot_dir_) / name).string();
}

// ---------------------------------------------------------------------------------------
// Callbacks (001 §5.3): POST the result to callback_url; retries after backoff, 2x backoff,
// 4x backoff ... up to callback_max_attempts, then a dead letter.

void FrameService::enqueue_callback(const Job& job) {
  // Caller holds mu_ (lock order: mu_ then cb_mu_; the callback thread never takes mu_).
  Json payload = job.result ? *job.result : Json::object();
  payload["job_id"] = job.id;
  payload["status"] = job.state == JobState::completed ? "completed" : "failed";
  payload["frame_id"] = job.req.frame_id;
  payload["camera_id"] = job.req.camera_id;
  if (!payload.contains("detections")) payload["detections"] = Json::array();
  if (!job.req.request_id.empty()) payload["request_id"] = job.req.request_id;
  if (!job.req.client_id.empty()) payload["client_id"] = job.req.client_id;
  if (job.error) {
    Json e = job.error->extra;
    e["code"] = job.error->code;
    e["message"] = job.error->message;
    payload["error"] = e;
  }
  Delivery d{job.id, job.req.callback_url, payload.dump(-1, ' ', false, Json::error_handler_t::replace), 0,
             SteadyClock::now(), ""};
  {
    std::lock_guard lock(cb_mu_);
    if (cb_stopping_) return;
    if (deliveries_.size() >= kCallbackQueueMax) {
      d.last_error = "callback queue full";
      callback_counter("dead_letter").inc();
      dead_letters_.push_back({{"job_id", d.job_id}, {"callback_url", d.url}, {"attempts", 0}, {"last_error", d.last_error},
                               {"failed_at", iso8601_ms(now_unix_ms())}});
      while (dead_letters_.size() > static_cast<size_t>(config_.dead_letter_max)) dead_letters_.pop_front();
      return;
    }
    deliveries_.push_back(std::move(d));
  }
  cb_cv_.notify_one();
}

bool FrameService::deliver(Delivery& d) {
  CURL* c = curl_easy_init();
  if (!c) {
    d.last_error = "curl_easy_init failed";
    return false;
  }
  struct Cleanup {
    CURL* c;
    curl_slist* h = nullptr;
    ~Cleanup() {
      curl_slist_free_all(h);
      curl_easy_cleanup(c);
    }
  } guard{c};
  guard.h = curl_slist_append(guard.h, "Content-Type: application/json");
  guard.h = curl_slist_append(guard.h, "Expect:");
  guard.h = curl_slist_append(guard.h, ("X-Argus-Job-Id: " + d.job_id).c_str());
  curl_easy_setopt(c, CURLOPT_URL, d.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");  // never file://, gopher:// ...
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(config_.callback_timeout_ms));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min(config_.callback_timeout_ms, 5000)));
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, d.payload.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(d.payload.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, guard.h);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "argus-callback/1");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, +[](char*, size_t s, size_t n, void*) -> size_t { return s * n; });  // body ignored
  CURLcode rc = curl_easy_perform(c);
  long status = 0;
  if (rc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (rc != CURLE_OK) d.last_error = curl_easy_strerror(rc);
  else if (status < 200 || status >= 300) d.last_error = "HTTP " + std::to_string(status);
  return rc == CURLE_OK && status >= 200 && status < 300;
}

void FrameService::prune_snapshots() {
  // Face crops are kept snapshot_ttl_s; the folder would otherwise grow with every request.
  std::error_code ec;
  auto cutoff = fs::file_time_type::clock::now() - std::chrono::seconds(config_.snapshot_ttl_s);
  for (auto it = fs::directory_iterator(snapshot_dir_, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::error_code e2;
    if (it->is_regular_file(e2) && it->last_write_time(e2) < cutoff) fs::remove(it->path(), e2);
  }
}

void FrameService::callback_loop() {
  auto next_prune = SteadyClock::now();
  std::unique_lock lock(cb_mu_);
  while (!cb_stopping_) {
    auto now = SteadyClock::now();
    if (now >= next_prune) {
      lock.unlock();
      prune_snapshots();
      lock.lock();
      next_prune = now + std::chrono::minutes(1);
      continue;
    }
    auto due = deliveries_.end();
    for (auto it = deliveries_.begin(); it != deliveries_.end(); ++it)
      if (due == deliveries_.end() || it->next_at < due->next_at) due = it;
    auto wake = next_prune;
    if (due != deliveries_.end()) wake = std::min(wake, due->next_at);
    if (due == deliveries_.end() || due->next_at > now) {
      cb_cv_.wait_until(lock, wake);
      continue;
    }
    Delivery d = std::move(*due);
    deliveries_.erase(due);
    lock.unlock();
    bool ok = deliver(d);
    ++d.attempt;
    lock.lock();
    if (ok) {
      callback_counter("delivered").inc();
      continue;
    }
    if (d.attempt >= config_.callback_max_attempts || cb_stopping_) {
      callback_counter("dead_letter").inc();
      spdlog::warn("frames: callback for {} to {} failed {} times ({}); dead-lettered", d.job_id, d.url, d.attempt, d.last_error);
      dead_letters_.push_back({{"job_id", d.job_id}, {"callback_url", d.url}, {"attempts", d.attempt},
                               {"last_error", d.last_error}, {"failed_at", iso8601_ms(now_unix_ms())},
                               {"payload", Json::parse(d.payload, nullptr, false)}});
      while (dead_letters_.size() > static_cast<size_t>(config_.dead_letter_max)) dead_letters_.pop_front();
      continue;
    }
    callback_counter("retry").inc();
    d.next_at = SteadyClock::now() + std::chrono::milliseconds(static_cast<int64_t>(config_.callback_backoff_ms) << (d.attempt - 1));
    deliveries_.push_back(std::move(d));
  }
}

}  // namespace argus::services
