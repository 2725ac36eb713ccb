#include "services/video_job_service.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "core/paths.h"
#include "pipeline/camera_manager.h"
#include "pipeline/video_job.h"
#include "services/recognition_service.h"
#include "store/store.h"

namespace argus::services {

namespace fs = std::filesystem;

namespace {

enum class State { queued, running, completed, failed, cancelled };

const char* state_name(State s) {
  switch (s) {
    case State::queued: return "queued";
    case State::running: return "running";
    case State::completed: return "completed";
    case State::failed: return "failed";
    default: return "cancelled";
  }
}

bool finished(State s) { return s == State::completed || s == State::failed || s == State::cancelled; }

std::optional<State> parse_state(const std::string& name) {
  for (State s : {State::queued, State::running, State::completed, State::failed, State::cancelled})
    if (name == state_name(s)) return s;
  return std::nullopt;
}

// A job the server's stop (or a crash, seen at the next start) ended: not the user's doing,
// so not "cancelled"; and not re-run, since an uploaded file is gone by then.
Error interrupted(const std::string& why) { return Error::make("INTERRUPTED", why + "; submit the video again"); }

std::string new_job_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[17];
  snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return std::string(VideoJobService::kIdPrefix) + buf;
}

Json iso_or_null(int64_t unix_ms) { return unix_ms ? Json(iso8601_ms(unix_ms)) : Json(nullptr); }

Error invalid_video(const std::string& why) { return Error::make("INVALID_VIDEO", "Not a video Argus can decode: " + why); }

Error bad_path(const std::string& why) {
  Error e = Error::make("VALIDATION_ERROR", "Invalid input data");
  e.details["path"].push_back(why);
  return e;
}

// Upload file names keep a known video extension (some demuxers probe by it); anything
// else is stored as .bin and probed by content alone.
std::string upload_extension(const std::string& filename) {
  static const std::set<std::string> known = {"mp4", "m4v", "mov", "mkv", "webm", "avi", "ts", "mts", "m2ts", "mpg",
                                              "mpeg", "flv", "3gp", "wmv", "ogv", "h264", "264", "h265", "265", "hevc",
                                              "mjpeg", "mjpg", "y4m"};
  auto dot = filename.rfind('.');
  if (dot == std::string::npos) return "bin";
  std::string ext = filename.substr(dot + 1);
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return known.count(ext) ? ext : "bin";
}

// Runs when the face models are missing: frames are decoded and counted, no faces found.
class NoFaces final : public FrameAnalyzer {
 public:
  AnalysisResult analyze(const Frame&) override { return {}; }
};

}  // namespace

// ---------------------------------------------------------------------------------------
// Configuration and probing

Result<VideoJobServiceConfig> VideoJobServiceConfig::from_tree(const Json& tree) {
  VideoJobServiceConfig c;
  const Json& p = tree.contains("pipeline") && tree["pipeline"].is_object() ? tree["pipeline"] : Json::object();
  Error bad{"VALIDATION_ERROR", "Invalid pipeline configuration", {}};
  auto number = [&](const char* key, double lo, double hi, bool integer) -> std::optional<double> {
    if (!p.contains(key)) return std::nullopt;
    const Json& v = p[key];
    bool fits = integer ? v.is_number_integer() : v.is_number();
    if (!fits || v.get<double>() < lo || v.get<double>() > hi) {
      bad.details[std::string("pipeline.") + key].push_back(std::string("must be ") + (integer ? "an integer" : "a number") +
                                                            " between " + std::to_string(static_cast<int64_t>(lo)) + " and " +
                                                            std::to_string(static_cast<int64_t>(hi)));
      return std::nullopt;
    }
    return v.get<double>();
  };
  if (auto v = number("video_job_queue", 1, 1000, true)) c.queue_capacity = static_cast<int>(*v);
  if (auto v = number("video_job_max", 1, 100000, true)) c.job_max = static_cast<int>(*v);
  if (auto v = number("video_job_ttl_s", 1, 30 * 86400, true)) c.job_ttl_s = static_cast<int>(*v);
  if (auto v = number("video_job_sample_fps", 0.1, VideoJobService::kMaxSampleFps, false)) c.sample_fps = *v;
  if (auto v = number("video_upload_max_bytes", 1 << 20, static_cast<double>(int64_t{1} << 32), true))
    c.upload_max_bytes = static_cast<int64_t>(*v);
  if (!bad.details.empty()) return bad;
  return c;
}

Result<VideoProbe> probe_video(const std::string& path) {
  AVFormatContext* fmt = nullptr;
  AVDictionary* opts = nullptr;
  av_dict_set(&opts, "protocol_whitelist", "file", 0);  // a playlist cannot reach out
  int rc = avformat_open_input(&fmt, path.c_str(), nullptr, &opts);
  av_dict_free(&opts);
  if (rc < 0) {
    char msg[AV_ERROR_MAX_STRING_SIZE] = {0};
    av_strerror(rc, msg, sizeof msg);
    return invalid_video(std::string("the container could not be read (") + msg + ")");
  }
  std::unique_ptr<AVFormatContext, void (*)(AVFormatContext*)> guard(fmt, [](AVFormatContext* f) { avformat_close_input(&f); });
  // Playlists and lists of other files (hls, concat) and text renderers (tty) are not videos.
  static const std::set<std::string> refused = {"hls", "applehttp", "concat", "tty", "dash", "ffmetadata", "lavfi"};
  std::string format = fmt->iformat && fmt->iformat->name ? fmt->iformat->name : "";
  if (refused.count(format)) return invalid_video("'" + format + "' input is not accepted");
  if (avformat_find_stream_info(fmt, nullptr) < 0) return invalid_video("no stream information");
  int si = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (si < 0) return invalid_video("the file has no video stream");
  const AVStream* st = fmt->streams[si];
  const AVCodecParameters* par = st->codecpar;
  if (par->codec_id == AV_CODEC_ID_NONE || par->codec_id == AV_CODEC_ID_ANSI || !avcodec_find_decoder(par->codec_id))
    return invalid_video(std::string("no decoder for the video codec '") + avcodec_get_name(par->codec_id) + "'");
  if (par->width <= 0 || par->height <= 0) return invalid_video("the video stream has no picture size");
  VideoProbe out;
  out.width = par->width;
  out.height = par->height;
  out.codec = avcodec_get_name(par->codec_id);
  out.format = format;
  AVRational rate = st->avg_frame_rate.num > 0 ? st->avg_frame_rate : st->r_frame_rate;
  out.fps = rate.num > 0 && rate.den > 0 ? av_q2d(rate) : 0;
  if (st->duration != AV_NOPTS_VALUE && st->duration > 0)
    out.duration_ms = av_rescale_q(st->duration, st->time_base, AVRational{1, 1000});
  else if (fmt->duration != AV_NOPTS_VALUE && fmt->duration > 0)
    out.duration_ms = fmt->duration / 1000;
  out.frames_total = st->nb_frames > 0 ? st->nb_frames : static_cast<int64_t>(std::llround(out.duration_ms * out.fps / 1000.0));
  return out;
}

// ---------------------------------------------------------------------------------------
// Jobs

struct VideoJobService::Job {
  std::string id, path, filename;
  bool uploaded = false;
  double sample_fps = 5;
  int64_t user_id = 0;
  VideoProbe probe;
  State state = State::queued;
  int64_t created_unix_ms = 0, started_unix_ms = 0, finished_unix_ms = 0;
  SteadyClock::time_point started, finished_at;
  std::atomic<bool> cancel{false};
  bool cancelled_by_user = false;  // else `cancel` came from stop()
  // A job kept from before a restart: what the API showed when it was last stored, served as
  // is (its progress and tracks are not rebuilt).
  std::optional<Json> restored;
  // Progress and results (under mu_).
  int64_t video_ms = 0;
  uint64_t frames_analyzed = 0, faces = 0, tracks_dropped = 0;
  struct Track {
    int64_t first_ms = 0, last_ms = 0;
    std::optional<IdentityMatch> identity;
    float best_confidence = 0, best_similarity = 0;
    int frames = 0;
  };
  std::map<uint64_t, Track> tracks;
  std::optional<Json> summary;
  std::optional<Error> error;
};

// The job's ResultSink: run_video_job calls it on the worker thread, readers take mu_.
class VideoJobService::Collector final : public ResultSink {
 public:
  Collector(std::mutex& mu, Job& job) : mu_(mu), job_(job) {}

  void on_frame_result(const FrameResult& r) override {
    std::lock_guard lock(mu_);
    job_.video_ms = std::max(job_.video_ms, r.pts_ms.value_or(job_.video_ms));
    ++job_.frames_analyzed;
    job_.faces += r.faces.size();
    for (const auto& f : r.faces) {
      if (f.track_id == 0) continue;
      if (auto* t = track(f.track_id, r.pts_ms.value_or(job_.video_ms))) {
        t->best_confidence = std::max(t->best_confidence, f.face.score);
        t->last_ms = std::max(t->last_ms, r.pts_ms.value_or(t->last_ms));
      }
    }
  }

  void on_track_event(CameraId, const TrackEvent& e) override {
    std::lock_guard lock(mu_);
    auto* t = track(e.track_id, e.first_seen_ms);
    if (!t) return;
    t->first_ms = std::min(t->first_ms, e.first_seen_ms);
    t->last_ms = std::max(t->last_ms, e.last_seen_ms);
    t->frames = std::max(t->frames, e.hits);
    if (e.identity) {
      t->identity = e.identity;
      t->best_similarity = std::max(t->best_similarity, e.identity->score);
    }
  }

 private:
  Job::Track* track(uint64_t id, int64_t first_ms) {
    auto it = job_.tracks.find(id);
    if (it != job_.tracks.end()) return &it->second;
    if (job_.tracks.size() >= kMaxTracks) {
      ++job_.tracks_dropped;
      return nullptr;
    }
    Job::Track& t = job_.tracks[id];
    t.first_ms = t.last_ms = first_ms;
    return &t;
  }

  std::mutex& mu_;
  Job& job_;
};

VideoJobService::VideoJobService(VideoJobServiceConfig config, std::shared_ptr<FrameAnalyzer> analyzer, IdentityMatcher matcher,
                                 TrackerConfig tracker, std::string media_dir, std::string upload_dir, store::Store* store)
    : config_(config), analyzer_(std::move(analyzer)), matcher_(std::move(matcher)), tracker_(tracker),
      media_dir_(std::move(media_dir)), upload_dir_(std::move(upload_dir)), store_(store) {
  std::error_code ec;
  fs::create_directories(upload_dir_, ec);
  // Jobs still queued or running when the last run ended are reported as interrupted, not
  // re-run: whatever that run left here belongs to no job that will run.
  for (const auto& entry : fs::directory_iterator(upload_dir_, ec))
    if (entry.path().filename().native().rfind(kIdPrefix, 0) == 0) fs::remove(entry.path(), ec);
}

VideoJobService::~VideoJobService() { stop(); }

Result<std::unique_ptr<VideoJobService>> VideoJobService::create(const Json& tree, RecognitionService& recognition,
                                                                 const std::string& media_dir, const std::string& blob_dir,
                                                                 store::Store& store) {
  auto cfg = VideoJobServiceConfig::from_tree(tree);
  if (!cfg) {
    Error e = cfg.error();
    for (const auto& [key, msgs] : e.details) e.message += "; " + key + " " + msgs.front();
    return e;
  }
  auto tracker = PipelineConfig::from_json(tree.contains("pipeline") ? tree["pipeline"] : Json::object()).tracker;
  auto svc = std::make_unique<VideoJobService>(cfg.value(), recognition.frame_analyzer(), recognition.identity_matcher(), tracker,
                                               media_dir, blob_dir + "/uploads", &store);
  svc->start();
  return svc;
}

void VideoJobService::start() {
  std::lock_guard lock(mu_);
  if (started_ || stopping_) return;
  started_ = true;
  restore_locked();
  worker_ = std::thread([this] { worker_loop(); });
}

void VideoJobService::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    if (running_) running_->cancel = true;
    for (auto& job : queue_) {
      job->state = State::failed;
      job->error = interrupted("The server stopped before the job ran");
      job->finished_at = SteadyClock::now();
      job->finished_unix_ms = now_unix_ms();
      persist_locked(*job);
    }
    queue_.clear();
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  std::lock_guard lock(mu_);
  for (auto& [id, job] : jobs_) drop_upload(*job);
}

size_t VideoJobService::queue_depth() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

Result<std::string> VideoJobService::resolve_media_path(const std::string& path) const {
  if (path.empty()) return bad_path("is required (a video file under the media folder)");
  if (path.size() > 4096 || path.find('\0') != std::string::npos) return bad_path("is not a valid path");
  std::error_code ec;
  fs::path root = fs::canonical(fs::absolute(media_dir_), ec);
  if (ec) return bad_path("the media folder (" + media_dir_ + ") does not exist");
  fs::path given(path);
  fs::path candidate = given.is_absolute() ? given : root / given;
  Error forbidden = Error::make("FORBIDDEN", "The path must name a file inside the media folder (storage.media_dir)");
  fs::path real = fs::canonical(candidate, ec);  // follows every symlink
  if (ec) {
    if (!is_below(candidate, root)) return forbidden;
    return bad_path("no such file in the media folder");
  }
  if (!is_below(real, root)) return forbidden;
  if (!fs::is_regular_file(real, ec)) return bad_path("is not a regular file");
  return real.string();
}

Result<Json> VideoJobService::submit_upload(std::string_view bytes, Submission s) {
  if (bytes.empty()) {
    Error e = Error::make("VALIDATION_ERROR", "Invalid input data");
    e.details["file"].push_back("is empty");
    return e;
  }
  {
    std::lock_guard lock(mu_);  // refuse before writing the file when the queue is already full
    if (queue_.size() >= static_cast<size_t>(config_.queue_capacity))
      return Error::make("QUEUE_FULL", "Too many video jobs are waiting; retry later");
  }
  auto job = std::make_shared<Job>();
  job->id = new_job_id();
  job->uploaded = true;
  job->filename = s.filename.empty() ? "upload" : s.filename;
  job->path = (fs::path(upload_dir_) / (job->id + "." + upload_extension(job->filename))).string();
  {
    std::ofstream out(job->path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      drop_upload(*job);
      return Error::make("UNAVAILABLE", "The upload could not be stored (disk full?)");
    }
  }
  job->sample_fps = s.sample_fps > 0 ? s.sample_fps : config_.sample_fps;
  job->user_id = s.user_id;
  auto r = enqueue(job);
  if (!r) drop_upload(*job);
  return r;
}

Result<Json> VideoJobService::submit_path(const std::string& path, Submission s) {
  auto real = resolve_media_path(path);
  if (!real) return real.error();
  auto job = std::make_shared<Job>();
  job->id = new_job_id();
  job->path = real.value();
  job->filename = s.filename.empty() ? path : s.filename;
  job->sample_fps = s.sample_fps > 0 ? s.sample_fps : config_.sample_fps;
  job->user_id = s.user_id;
  return enqueue(job);
}

Result<Json> VideoJobService::enqueue(std::shared_ptr<Job> job) {
  auto probe = probe_video(job->path);  // outside the lock: it reads the file
  if (!probe) return probe.error();
  job->probe = probe.value();
  job->created_unix_ms = now_unix_ms();
  std::lock_guard lock(mu_);
  if (!started_ || stopping_) return Error::make("UNAVAILABLE", "Video jobs are not running");
  prune_locked(SteadyClock::now());
  if (queue_.size() >= static_cast<size_t>(config_.queue_capacity))
    return Error::make("QUEUE_FULL", "Too many video jobs are waiting; retry later");
  queue_.push_back(job);
  jobs_[job->id] = job;
  order_.push_back(job->id);
  persist_locked(*job);
  cv_.notify_all();
  return Json{{"job_id", job->id}, {"status", "queued"}, {"position", queue_.size()}, {"status_url", "/api/v1/jobs/" + job->id}};
}

void VideoJobService::worker_loop() {
  // Below the live sessions and the inference pool: a job only gets what they leave.
  if (setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10) != 0) spdlog::debug("video jobs: setpriority failed");
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait_for(lock, std::chrono::seconds(30), [this] { return stopping_ || !queue_.empty(); });
    prune_locked(SteadyClock::now());
    if (stopping_) return;
    if (queue_.empty()) continue;
    running_ = queue_.front();
    queue_.pop_front();
    auto job = running_;
    job->state = State::running;
    job->started = SteadyClock::now();
    job->started_unix_ms = now_unix_ms();
    persist_locked(*job);
    lock.unlock();
    run(job);
    lock.lock();
    running_.reset();
  }
}

void VideoJobService::run(const std::shared_ptr<Job>& job) {
  Collector sink(mu_, *job);
  VideoJobOptions o;
  o.sample_fps = job->sample_fps;
  o.tracker = tracker_;
  o.matcher = matcher_;
  o.cancel = &job->cancel;
  NoFaces no_faces;
  FrameAnalyzer& analyzer = analyzer_ ? *analyzer_ : no_faces;
  std::optional<Result<Json>> outcome;
  try {
    outcome.emplace(run_video_job(job->path, analyzer, &sink, o));
  } catch (const std::exception& e) {
    outcome.emplace(Error::make("ANALYSIS_FAILED", std::string("Analysis failed: ") + e.what()));
  }
  std::lock_guard lock(mu_);
  job->finished_at = SteadyClock::now();
  job->finished_unix_ms = now_unix_ms();
  if (!outcome->ok()) {
    job->state = State::failed;
    Error e = outcome->error();
    if (e.code != "ANALYSIS_FAILED") e = invalid_video(e.message);
    job->error = e;
  } else {
    Json summary = outcome->value();
    summary["analyzer"] = analyzer_ != nullptr;
    if (!analyzer_) summary["warning"] = "face models are not installed: frames were decoded but no faces analysed";
    job->video_ms = std::max(job->video_ms, summary.value("video_ms", int64_t{0}));
    job->state = summary.value("cancelled", false) ? State::cancelled : State::completed;
    if (job->state == State::cancelled && !job->cancelled_by_user) {
      job->state = State::failed;  // stop(): what it found so far stays readable
      job->error = interrupted("The server stopped while the job ran");
    }
    job->summary = std::move(summary);
  }
  persist_locked(*job);
  spdlog::info("video job {} {} ({})", job->id, state_name(job->state), job->filename);
  drop_upload(*job);  // the file is not needed once the job ended
}

void VideoJobService::drop_upload(Job& job) {
  if (!job.uploaded || job.path.empty()) return;
  std::error_code ec;
  fs::remove(job.path, ec);
  job.path.clear();
}

void VideoJobService::prune_locked(SteadyClock::time_point now) {
  size_t finished_count = 0;
  for (auto& [id, job] : jobs_) finished_count += finished(job->state);
  auto ttl = std::chrono::seconds(config_.job_ttl_s);
  for (auto it = order_.begin(); it != order_.end();) {
    auto j = jobs_.find(*it);
    bool drop = j == jobs_.end();
    if (!drop && finished(j->second->state) &&
        (now - j->second->finished_at > ttl || finished_count > static_cast<size_t>(config_.job_max))) {
      drop_upload(*j->second);
      forget_locked(j->first);
      jobs_.erase(j);
      --finished_count;
      drop = true;
    }
    it = drop ? order_.erase(it) : std::next(it);
  }
}

size_t VideoJobService::position_locked(const Job& job) const {
  for (size_t i = 0; i < queue_.size(); ++i)
    if (queue_[i].get() == &job) return i + 1;
  return 0;
}

void VideoJobService::restore_locked() {
  if (!store_) return;
  std::vector<store::VideoJobRecord> kept;
  try {
    kept = store_->video_jobs();
  } catch (const std::exception& e) {
    spdlog::warn("video jobs: the kept jobs could not be read: {}", e.what());
    return;
  }
  const int64_t now_ms = now_unix_ms();
  const auto now = SteadyClock::now();
  size_t cut_short = 0;
  for (auto& rec : kept) {
    if (!is_video_job_id(rec.id) || jobs_.count(rec.id)) continue;
    auto job = std::make_shared<Job>();
    job->id = rec.id;
    job->user_id = rec.user_id;
    job->created_unix_ms = rec.created_at;
    Json body = rec.body.is_object() ? std::move(rec.body) : Json::object();
    auto state = parse_state(rec.status);
    const bool cut = !state || !finished(*state);
    if (!cut) {
      job->state = *state;
      job->finished_unix_ms = rec.finished_at > 0 ? rec.finished_at : now_ms;
    } else {  // queued or running when the previous run ended without stop() (a crash)
      Error e = interrupted("The server stopped before the job finished");
      job->state = State::failed;
      job->finished_unix_ms = now_ms;
      body["status"] = state_name(State::failed);
      body["error"] = {{"code", e.code}, {"message", e.message}};
      body["finished_at"] = iso8601_ms(now_ms);
      body.erase("position");
      ++cut_short;
    }
    // Its TTL runs from when it finished, in the steady clock prune_locked() reads.
    job->finished_at = now - std::chrono::milliseconds(std::max<int64_t>(0, now_ms - job->finished_unix_ms));
    job->restored = std::move(body);
    jobs_[job->id] = job;
    order_.push_back(job->id);
    if (cut) persist_locked(*job);
  }
  prune_locked(now);
  if (!kept.empty()) spdlog::info("video jobs: {} kept from before the restart, {} of them interrupted", jobs_.size(), cut_short);
}

void VideoJobService::persist_locked(const Job& job) {
  if (!store_) return;
  try {
    store_->put_video_job({job.id, job.user_id, state_name(job.state), job.created_unix_ms,
                           finished(job.state) ? job.finished_unix_ms : 0, job_json_locked(job, true)});
  } catch (const std::exception& e) {
    spdlog::warn("video job {}: could not be stored: {}", job.id, e.what());
  }
}

void VideoJobService::forget_locked(const std::string& id) {
  if (!store_) return;
  try {
    store_->delete_video_job(id);
  } catch (const std::exception& e) {
    spdlog::warn("video job {}: could not be removed from the store: {}", id, e.what());
  }
}

Json VideoJobService::job_json_locked(const Job& job, bool with_tracks) const {
  if (job.restored) {
    Json j = *job.restored;
    if (!with_tracks && j.contains("result") && j["result"].is_object()) j["result"].erase("tracks");
    return j;
  }
  const auto& pr = job.probe;
  bool done = job.state == State::completed;
  int64_t decoded = job.summary ? job.summary->value("frames_decoded", int64_t{0}) : 0;
  if (!job.summary && job.state == State::running)  // estimated from the video time reached
    decoded = pr.fps > 0 ? std::min<int64_t>(pr.frames_total > 0 ? pr.frames_total : INT64_MAX,
                                             static_cast<int64_t>(std::llround(job.video_ms * pr.fps / 1000.0)) + 1)
                         : static_cast<int64_t>(job.frames_analyzed);
  double percent = 0;
  if (done) percent = 100;
  else if (pr.duration_ms > 0) percent = std::min(99.9, 100.0 * static_cast<double>(job.video_ms) / static_cast<double>(pr.duration_ms));
  double elapsed_ms = 0;
  if (job.state != State::queued && job.started_unix_ms)
    elapsed_ms = std::chrono::duration<double, std::milli>((finished(job.state) ? job.finished_at : SteadyClock::now()) - job.started).count();
  Json progress = {{"percent", std::round(percent * 10) / 10},
                   {"video_ms", job.video_ms},
                   {"duration_ms", pr.duration_ms},
                   {"frames_decoded", decoded},
                   {"frames_total", done ? std::max(decoded, int64_t{0}) : pr.frames_total},
                   {"frames_analyzed", job.frames_analyzed},
                   {"faces", job.faces},
                   {"tracks", job.tracks.size() + job.tracks_dropped},
                   {"elapsed_ms", std::llround(elapsed_ms)},
                   {"speed", elapsed_ms > 0 ? std::round(static_cast<double>(job.video_ms) / elapsed_ms * 100) / 100 : 0.0}};
  Json j = {{"job_id", job.id},
            {"type", "video"},
            {"status", state_name(job.state)},
            {"cancel_requested", job.cancel.load()},
            {"source", {{"kind", job.uploaded ? "upload" : "path"}, {"name", job.filename}}},
            {"sample_fps", job.sample_fps},
            {"created_at", iso_or_null(job.created_unix_ms)},
            {"started_at", iso_or_null(job.started_unix_ms)},
            {"finished_at", iso_or_null(job.finished_unix_ms)},
            {"video", {{"width", pr.width}, {"height", pr.height}, {"codec", pr.codec}, {"format", pr.format},
                       {"fps", std::round(pr.fps * 1000) / 1000}, {"duration_ms", pr.duration_ms}}},
            {"progress", progress},
            {"status_url", "/api/v1/jobs/" + job.id}};
  if (job.state == State::queued) j["position"] = position_locked(job);
  if (job.error) j["error"] = {{"code", job.error->code}, {"message", job.error->message}};
  if (job.summary) {
    Json summary = *job.summary;
    std::set<PersonId> persons;
    size_t unknown = 0;
    for (const auto& [id, t] : job.tracks) {
      if (t.identity) persons.insert(t.identity->person_id);
      else ++unknown;
    }
    summary["tracks"] = job.tracks.size() + job.tracks_dropped;
    summary["tracks_listed"] = job.tracks.size();
    summary["persons"] = persons.size();
    summary["unknown_tracks"] = unknown;
    Json result = {{"summary", summary}};
    if (with_tracks) {
      std::vector<std::pair<uint64_t, const Job::Track*>> sorted;
      for (const auto& [id, t] : job.tracks) sorted.emplace_back(id, &t);
      std::stable_sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) { return a.second->first_ms < b.second->first_ms; });
      Json tracks = Json::array();
      for (const auto& [id, t] : sorted)
        tracks.push_back({{"track_id", id},
                          {"known", t->identity.has_value()},
                          {"person_id", t->identity ? Json(t->identity->person_id) : Json(nullptr)},
                          {"person_name", t->identity ? t->identity->label : std::string("unknown")},
                          {"similarity", std::round(t->best_similarity * 1000) / 1000},
                          {"first_ms", t->first_ms},
                          {"last_ms", t->last_ms},
                          {"best_confidence", std::round(t->best_confidence * 1000) / 1000},
                          {"frames", t->frames}});
      result["tracks"] = std::move(tracks);
    }
    j["result"] = std::move(result);
  }
  return j;
}

std::optional<VideoJobService::JobView> VideoJobService::job(const std::string& id) {
  std::lock_guard lock(mu_);
  prune_locked(SteadyClock::now());
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  return JobView{job_json_locked(*it->second, true), it->second->user_id};
}

VideoJobService::Page VideoJobService::list(int page, int per_page, const std::string& status, int64_t user_id) {
  std::lock_guard lock(mu_);
  prune_locked(SteadyClock::now());
  Page out;
  int64_t skip = static_cast<int64_t>(std::max(page - 1, 0)) * per_page;
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
    auto j = jobs_.find(*it);
    if (j == jobs_.end()) continue;
    const Job& job = *j->second;
    if ((!status.empty() && status != state_name(job.state)) || (user_id && job.user_id != user_id)) continue;
    if (out.total >= skip && out.total < skip + per_page) out.jobs.push_back(job_json_locked(job, false));
    ++out.total;
  }
  return out;
}

Result<std::string> VideoJobService::cancel_or_delete(const std::string& id, std::optional<int64_t> only_user) {
  std::lock_guard lock(mu_);
  prune_locked(SteadyClock::now());
  auto it = jobs_.find(id);
  if (it == jobs_.end() || (only_user && it->second->user_id != *only_user))
    return Error::make("NOT_FOUND", "Job not found (unknown or expired)");
  auto job = it->second;
  if (job->state == State::queued) {
    queue_.erase(std::remove(queue_.begin(), queue_.end(), job), queue_.end());
    job->state = State::cancelled;
    job->cancel = true;
    job->cancelled_by_user = true;
    job->finished_at = SteadyClock::now();
    job->finished_unix_ms = now_unix_ms();
    drop_upload(*job);
    persist_locked(*job);
    return std::string("cancelled");
  }
  if (job->state == State::running) {
    job->cancelled_by_user = true;
    job->cancel = true;  // the worker notices at the next frame and ends the job as cancelled
    return std::string("cancelled");
  }
  drop_upload(*job);
  forget_locked(id);
  jobs_.erase(it);
  order_.erase(std::remove(order_.begin(), order_.end(), id), order_.end());
  return std::string("deleted");
}

}  // namespace argus::services
