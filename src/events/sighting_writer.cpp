#include "events/sighting_writer.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "core/time.h"
#include "obs/metrics.h"
#include "recognition/image_decode.h"

namespace argus::events {

namespace fs = std::filesystem;

namespace {
obs::Counter& dropped_counter() {
  return obs::Registry::global().counter("argus_sighting_jobs_dropped_total",
                                         "Sighting writes dropped because the writer queue was full (oldest first)");
}
obs::Counter& written_counter() {
  return obs::Registry::global().counter("argus_sightings_written_total", "Sighting rows inserted or updated");
}
obs::Counter& failed_counter() {
  return obs::Registry::global().counter("argus_sighting_write_errors_total", "Sighting writes that failed in the store");
}
}  // namespace

SightingWriter::SightingWriter(store::Store& store, SightingWriterConfig config, TzOffset tz_offset)
    : store_(store), cfg_(std::move(config)), tz_offset_(std::move(tz_offset)), queue_(cfg_.queue) {}

SightingWriter::~SightingWriter() { stop(); }

void SightingWriter::start() {
  if (running_.exchange(true)) return;
  thread_ = std::thread([this] { run(); });
}

void SightingWriter::stop() {
  queue_.close();
  if (thread_.joinable()) thread_.join();
  running_ = false;
}

bool SightingWriter::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(flush_mu_);
  return flush_cv_.wait_for(lock, timeout, [&] { return done_ + dropped_.load() >= enqueued_; });
}

void SightingWriter::on_frame_result(const FrameResult& r) {
  std::vector<Job> refresh;
  {
    std::lock_guard lock(agg_mu_);
    for (const auto& f : r.faces) {
      if (f.track_id == 0) continue;  // tentative: not a sighting (yet)
      Agg& a = aggs_[{r.camera_id, f.track_id}];
      ++a.frames;
      a.last_seen = std::max(a.last_seen, r.received_unix_ms);
      a.best_confidence = std::max(a.best_confidence, static_cast<double>(f.face.score));
      // Best snapshot: sharp, frontal (quality) and confidently a face (score); size breaks ties.
      double score = (f.face.quality > 0 ? f.face.quality : 0.5) * f.face.score + 1e-6 * f.face.box.area();
      if (score > a.best_snapshot_score && !r.frame.empty()) {
        const cv::Mat& img = r.frame.bgr;
        float mx = f.face.box.w * cfg_.crop_margin, my = f.face.box.h * cfg_.crop_margin;
        int x0 = std::max(0, static_cast<int>(f.face.box.x - mx)), y0 = std::max(0, static_cast<int>(f.face.box.y - my));
        int x1 = std::min(img.cols, static_cast<int>(f.face.box.right() + mx));
        int y1 = std::min(img.rows, static_cast<int>(f.face.box.bottom() + my));
        if (x1 - x0 >= 4 && y1 - y0 >= 4) {
          cv::Mat roi = img(cv::Rect(x0, y0, x1 - x0, y1 - y0));
          int side = std::max(roi.cols, roi.rows);
          // Copy (the frame's pixels are shared with the live view) and keep it small.
          if (side > cfg_.snapshot_max_side) {
            double sc = static_cast<double>(cfg_.snapshot_max_side) / side;
            cv::resize(roi, a.crop, cv::Size(), sc, sc, cv::INTER_AREA);
          } else {
            a.crop = roi.clone();
          }
          a.best_snapshot_score = score;
          ++a.crop_version;
        }
      }
      if (cfg_.refresh_ms > 0 && a.started && r.received_unix_ms - a.last_queued_ms >= cfg_.refresh_ms) {
        Job job;
        job.refresh = true;
        job.camera = r.camera_id;
        job.event.track_id = f.track_id;
        job.frames = a.frames;
        job.best_confidence = a.best_confidence;
        job.last_seen = a.last_seen;
        if (a.crop_version > a.queued_version && !a.crop.empty()) {
          job.crop = a.crop;
          a.queued_version = a.crop_version;
        }
        a.last_queued_ms = r.received_unix_ms;
        refresh.push_back(std::move(job));
      }
    }
  }
  for (auto& job : refresh) enqueue(std::move(job));
}

void SightingWriter::on_track_event(CameraId camera_id, const TrackEvent& event) {
  Job job;
  job.camera = camera_id;
  job.event = event;
  job.event.best_embedding.clear();  // not stored with sightings; keeps jobs small
  job.last_seen = event.last_seen_ms;
  {
    std::lock_guard lock(agg_mu_);
    Key key{camera_id, event.track_id};
    auto it = aggs_.find(key);
    if (it == aggs_.end() && event.type != TrackEvent::Type::kEnded) it = aggs_.emplace(key, Agg{}).first;
    if (it != aggs_.end()) {
      Agg& a = it->second;
      job.frames = a.frames;
      job.best_confidence = a.best_confidence;
      job.last_seen = std::max(job.last_seen, a.last_seen);
      if (a.crop_version > a.queued_version && !a.crop.empty()) {
        job.crop = a.crop;  // shares pixels; the aggregate replaces (never edits) its crop
        a.queued_version = a.crop_version;
      }
      a.started = true;
      a.last_queued_ms = std::max(a.last_seen, event.time_ms);
      if (event.type == TrackEvent::Type::kEnded) aggs_.erase(it);
    }
  }
  job.frames = std::max<int64_t>(job.frames, event.hits);
  enqueue(std::move(job));
}

void SightingWriter::enqueue(Job job) {
  {
    std::lock_guard lock(flush_mu_);
    ++enqueued_;
  }
  if (!queue_.push(std::move(job))) {
    // Full: the oldest job went (its sighting gets the next job's figures) - or closed.
    ++dropped_;
    dropped_counter().inc();
    flush_cv_.notify_all();
  }
}

void SightingWriter::run() {
  while (auto job = queue_.pop()) {
    try {
      write(*job);
    } catch (const std::exception& e) {
      ++failed_;
      failed_counter().inc();
      spdlog::warn("sighting writer: camera {} track {}: {}", job->camera, job->event.track_id, e.what());
    }
    {
      std::lock_guard lock(flush_mu_);
      ++done_;
    }
    flush_cv_.notify_all();
  }
}

int SightingWriter::tz_minutes() {
  // The offset comes from the system config in the store: read it at most every 10 s.
  if (!tz_offset_) return 0;
  auto now = SteadyClock::now();
  if (tz_at_ == SteadyClock::time_point{} || now - tz_at_ > std::chrono::seconds(10)) {
    tz_cached_ = tz_offset_();
    tz_at_ = now;
  }
  return tz_cached_;
}

std::string SightingWriter::save_snapshot(CameraId camera, int64_t sighting_id, const cv::Mat& crop) {
  if (cfg_.blob_dir.empty()) return "";
  auto jpeg = encode_jpeg(crop, cfg_.snapshot_quality);
  if (jpeg.empty()) return "";
  std::string rel = "snapshots/" + std::to_string(camera) + "/" + std::to_string(sighting_id) + ".jpg";
  fs::path path = fs::path(cfg_.blob_dir) / rel;
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  // Write then rename, so a reader never sees half a JPEG when a better crop replaces it.
  fs::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(jpeg.data()), static_cast<std::streamsize>(jpeg.size()));
    if (!out) return "";
  }
  fs::rename(tmp, path, ec);
  return ec ? "" : rel;
}

void SightingWriter::write(Job& job) {
  const TrackEvent& e = job.event;
  Key key{job.camera, e.track_id};
  if (job.refresh) {
    // Only for rows that exist: a refresh carries no first_seen or identity of its own.
    auto it = open_.find(key);
    if (it == open_.end() || it->second.sighting_id == 0) return;
  }
  Open& open = open_[key];
  open.frames = std::max(open.frames, job.frames);
  open.best_confidence = std::max(open.best_confidence, job.best_confidence);
  open.last_seen = std::max(open.last_seen, job.last_seen);
  if (!job.refresh) {
    if (!open.first_seen) open.first_seen = e.first_seen_ms ? e.first_seen_ms : e.time_ms;
    open.person_id = e.identity ? std::optional<int64_t>(e.identity->person_id) : std::nullopt;
    open.similarity = e.identity ? e.identity->score : 0;
  }

  store::SightingRecord rec;
  rec.id = open.sighting_id;
  rec.camera_id = job.camera;
  rec.track_id = static_cast<int64_t>(e.track_id);
  rec.person_id = open.person_id;
  rec.first_seen = open.first_seen;
  rec.last_seen = std::max(open.last_seen, rec.first_seen);
  rec.best_confidence = open.best_confidence;
  rec.similarity = open.similarity;
  rec.frame_count = std::max<int64_t>(open.frames, 1);
  rec.snapshot_path = open.snapshot_path;
  try {
    rec.id = store_.upsert_sighting(rec);
  } catch (const std::exception&) {
    // The person was deleted while their track is open (the store already turned their rows
    // unknown; the tracker re-identifies the track on its next frame): go on as unknown.
    if (!rec.person_id || store_.person(*rec.person_id)) throw;
    open.person_id.reset();
    open.similarity = 0;
    rec.person_id.reset();
    rec.similarity = 0;
    rec.id = store_.upsert_sighting(rec);
  }
  open.sighting_id = rec.id;
  if (!job.crop.empty()) {
    std::string rel = save_snapshot(job.camera, rec.id, job.crop);
    if (!rel.empty() && rel != open.snapshot_path) {
      open.snapshot_path = rel;
      rec.snapshot_path = rel;
      store_.upsert_sighting(rec);
    }
  }
  ++written_;
  written_counter().inc();

  if (rec.person_id) {
    // Attendance per local day; the store also moves persons.last_seen forward.
    store_.record_attendance(*rec.person_id, local_date(rec.last_seen, tz_minutes()), rec.last_seen, job.camera);
  }
  if (!job.refresh && e.type == TrackEvent::Type::kEnded) open_.erase(key);

  if (on_written_) {
    auto row = store_.sighting(rec.id);
    on_written_(job.camera, job.refresh ? "track_updated" : to_string(e.type), row ? *row : rec);
  }
}

}  // namespace argus::events
