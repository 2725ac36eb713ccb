#include "cli/live_runtime.h"

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/statvfs.h>

#include "core/time.h"
#include "events/event_json.h"
#include "obs/metrics.h"
#include "services/live_camera_config.h"
#include "services/retention.h"

namespace argus::cli {

namespace {

// Per-camera gauges on /metrics: name, help, key in CameraSession::stats(), and the factor
// to the metric's unit (Prometheus counts time in seconds).
struct CameraGauge {
  const char* name;
  const char* help;
  const char* key;
  double scale = 1.0;
};
constexpr CameraGauge kGauges[] = {
    {"argus_camera_frames_captured", "Frames decoded since the camera started", "frames_captured"},
    {"argus_camera_frames_processed", "Frames analysed since the camera started", "frames_processed"},
    {"argus_camera_frames_dropped", "Frames dropped because analysis fell behind (ring overflow)", "frames_dropped"},
    {"argus_camera_detections_missed", "Detection slots (1/fps_limit) in which a frame waited but no analysis started",
     "detections_missed"},
    {"argus_camera_embeddings_skipped",
     "Faces not embedded because their track's identity was settled (Tracker::wants_embeddings)", "embeddings_skipped"},
    {"argus_camera_fps", "Decoded frames per second", "avg_fps"},
    {"argus_camera_processed_fps", "Analysed frames per second", "processed_fps"},
    {"argus_camera_latency_ms", "Average receive-to-result latency", "avg_latency_ms"},
    {"argus_camera_reconnections", "Times the camera's stream was lost and connected again", "reconnections"},
    {"argus_camera_downtime_seconds", "Time the running camera has not been live (connecting or in error)",
     "downtime_ms", 0.001},
    {"argus_camera_bandwidth_kbps", "Bytes received from the camera's source, in kbit/s", "bandwidth_kbps"},
};

}  // namespace

LiveRuntime::LiveRuntime(LiveDeps deps) : deps_(std::move(deps)), ctx_(deps_.app.context()) {
  const Json& p = deps_.config.tree.contains("pipeline") ? deps_.config.tree["pipeline"] : Json::object();
  int64_t live_ms = p.value("live_cache_ms", 3000);
  ws_client_queue_ = p.value("ws_client_queue", size_t{256});
  auto pcfg = PipelineConfig::from_json(p);

  cache_ = std::make_unique<events::LiveCache>(live_ms);
  events::HubConfig hub_cfg;
  hub_cfg.auth_timeout_ms = p.value("ws_auth_timeout_s", 10) * 1000;
  hub_ = std::make_unique<events::WsHub>(
      hub_cfg, [&auth = ctx_.auth](const std::string& token) { return auth.authenticate(token); },
      [this](CameraId id) { return frames_ ? frames_->latest_frame(id) : std::nullopt; }, [this] { return performance(); });

  events::SightingWriterConfig wcfg;
  wcfg.blob_dir = deps_.blob_dir;
  writer_ = std::make_shared<events::SightingWriter>(
      ctx_.store, wcfg, [&sc = ctx_.system_config] { return sc.get().value("timezoneOffsetMinutes", 0); });
  writer_->set_on_written([this](CameraId cam, const std::string& event, const store::SightingRecord& rec) {
    Json data = events::sighting_json(rec);
    data["event"] = event;
    data["confidence"] = rec.best_confidence;
    data["timestamp"] = iso8601_ms(rec.last_seen);
    data["person"] = rec.person_id ? Json{{"id", *rec.person_id}, {"name", data["person_name"]}, {"similarity", rec.similarity}}
                                   : Json(nullptr);
    bool recognition = event == "identity_assigned" || event == "identity_changed";
    hub_->publish_track(cam, recognition ? "recognition_event" : "track_update", std::move(data));
  });
  live_sink_ = std::make_shared<events::LiveSink>(*cache_, *hub_, deps_.model, deps_.person_name);
  auto sink = std::make_shared<events::FanoutSink>(std::vector<std::shared_ptr<ResultSink>>{live_sink_, writer_});
  manager_ = std::make_unique<CameraManager>(pcfg, deps_.analyzer, sink, deps_.matcher);
  manager_->set_state_callback([this](CameraId id, SessionState s, const std::string& detail) { on_state(id, s, detail); });
  // Pushed frames have no "next frame" to end a track: sighting_close_ms without one ends it.
  pushed_ = std::make_shared<PushedFrames>(pcfg.tracker, deps_.matcher, sink,
                                           std::chrono::milliseconds(p.value("sighting_close_ms", int64_t{5000})));
  frames_ = std::make_unique<LiveFrames>(*manager_, pushed_.get(), pcfg.jpeg_quality);

  alerts_ = std::make_unique<events::AlertMonitor>(events::AlertConfig::from_pipeline(p));
  obs::Registry::global().gauge_fn("argus_alerts_active", "System alerts in force (GET /api/v1/system/alerts)", {},
                                   [this] { return static_cast<double>(alerts_->active().size()); });
  routes_ctx_ = std::make_unique<api::LiveContext>(api::LiveContext{
      *manager_, *frames_, *cache_, *hub_, *alerts_, deps_.blob_dir, ctx_.auth.secrets().jwt_key, p.value("live_jpeg_quality", 80),
      hub_cfg.auth_timeout_ms});
  api::add_live_routes(deps_.app, *routes_ctx_);

  ctx_.cameras.on_change = [this](int64_t id, const std::string& what) { on_camera_change(id, what); };
  ctx_.cameras.stats_for = [this](int64_t id) { return camera_stats(id); };
  ctx_.health_checks.push_back({"pipeline", [this] {
                                  Json all = manager_->list_stats();
                                  size_t live = 0, errors = 0;
                                  for (auto& s : all) {
                                    if (s.value("state", "") == "live") ++live;
                                    if (s.value("state", "") == "error") ++errors;
                                  }
                                  return Json{{"status", errors ? "degraded" : "healthy"}, {"cameras", all.size()},
                                              {"live", live}, {"error", errors}, {"analyzer", deps_.analyzer != nullptr},
                                              {"ws_clients", hub_->client_count()}};
                                }});
}

LiveRuntime::~LiveRuntime() {
  stop();
  obs::Registry::global().remove_gauge_fn("argus_alerts_active", {});
  ctx_.cameras.on_change = nullptr;
  ctx_.cameras.stats_for = nullptr;
}

void LiveRuntime::start() {
  writer_->start();
  hub_->start();
  pushed_->start();
  int started = 0;
  for (const auto& cam : ctx_.store.all_cameras()) {
    if (!cam.is_active) continue;
    start_camera(cam.id);
    ++started;
  }
  spdlog::info("live: {} camera(s) started, analyzer {}", started, deps_.analyzer ? "on" : "off (live view only)");
  alert_thread_ = std::thread([this] { watch_alerts(); });
}

void LiveRuntime::stop() {
  if (stopping_.exchange(true)) return;
  {
    std::lock_guard lock(alert_mu_);
    alert_stop_ = true;
  }
  alert_cv_.notify_all();
  if (alert_thread_.joinable()) alert_thread_.join();  // no alerts about cameras being stopped
  // Cameras first: stopping ends their open tracks, whose final events the writer stores.
  manager_->stop_all();
  pushed_->stop();
  {
    std::lock_guard lock(metrics_mu_);
    for (auto id : metric_cameras_)
      for (const auto& g : kGauges) obs::Registry::global().remove_gauge_fn(g.name, {{"camera", std::to_string(id)}});
    metric_cameras_.clear();
  }
  hub_->stop();
  writer_->stop();
}

void LiveRuntime::on_camera_change(int64_t id, const std::string& what) {
  if (stopping_) return;
  if (what == "delete" || what == "stop") {
    stop_camera(id);
    return;
  }
  auto cam = ctx_.store.camera(id);
  if (!cam) return;
  // create/update/start: (re)start when the camera should run; an update of a stopped
  // camera only changes its record.
  if (what == "start" || cam->is_active) start_camera(id, what != "update");
  else if (manager_->is_running(id)) stop_camera(id);
}

void LiveRuntime::start_camera(int64_t id, bool restart) {
  std::lock_guard lock(change_mu_);
  auto cam = ctx_.store.camera(id);
  auto src = ctx_.cameras.source(id);
  if (!cam) return;
  CameraConfig c = services::live_camera_config(*cam, src ? src->url : "", manager_->default_fps_limit());
  if (!restart && manager_->reconfigure(c)) return;
  Status st = manager_->start_camera(c);
  if (!st) {
    spdlog::warn("camera {}: cannot start: {}", id, st.error().message);
    ctx_.store.set_camera_status(id, "error", cam->is_active);
    hub_->publish_status(id, "error", st.error().message, cam->name);
    return;
  }
  std::lock_guard mlock(metrics_mu_);
  if (metric_cameras_.insert(id).second) {
    for (const auto& g : kGauges) {
      std::string key = g.key;
      obs::Registry::global().gauge_fn(g.name, g.help, {{"camera", std::to_string(id)}}, [this, id, key, scale = g.scale] {
        Json s = manager_->stats(id);
        return s.is_object() && s.contains(key) && s[key].is_number() ? s[key].get<double>() * scale : 0.0;
      });
    }
  }
}

void LiveRuntime::stop_camera(int64_t id) {
  std::lock_guard lock(change_mu_);
  manager_->stop_camera(id);
  pushed_->end_camera(id);
  cache_->erase(id);
  std::lock_guard mlock(metrics_mu_);
  if (metric_cameras_.erase(id))
    for (const auto& g : kGauges) obs::Registry::global().remove_gauge_fn(g.name, {{"camera", std::to_string(id)}});
}

void LiveRuntime::on_state(CameraId id, SessionState s, const std::string& detail) {
  // Decode thread: one small store write per state change (rare), then the broadcast.
  const char* status = to_string(s);
  std::string name;
  try {
    if (auto cam = ctx_.store.camera(id)) {
      name = cam->name;
      ctx_.store.set_camera_status(id, status, cam->is_active);
    }
  } catch (const std::exception& e) {
    spdlog::warn("camera {}: status not stored: {}", id, e.what());
  }
  hub_->publish_status(id, status, detail, name);
}

Json LiveRuntime::camera_stats(int64_t id) const {
  Json s = manager_->stats(id);
  if (!s.is_object()) return nullptr;
  // docs/api.md names next to the session's own (which stay for detail).
  s["latency_ms"] = s.value("avg_latency_ms", 0.0);
  s["downtime_s"] = s.value("downtime_ms", int64_t{0}) / 1000.0;
  return s;
}

void LiveRuntime::watch_alerts() {
  pthread_setname_np(pthread_self(), "argus-alerts");
  constexpr auto kAlertInterval = std::chrono::seconds(2);
  constexpr int64_t kRetentionIntervalMs = 3'600'000;
  int64_t next_retention_ms = 0;
  std::unique_lock lock(alert_mu_);
  while (!alert_cv_.wait_for(lock, kAlertInterval, [this] { return alert_stop_; })) {
    lock.unlock();
    if (now_unix_ms() >= next_retention_ms) {
      apply_retention();
      next_retention_ms = now_unix_ms() + kRetentionIntervalMs;
    }
    try {
      std::vector<events::CameraSnapshot> cams;
      for (const auto& s : manager_->list_stats()) cams.push_back(events::CameraSnapshot::from_stats(s));
      std::optional<uint64_t> free;
      struct statvfs fs {};
      if (::statvfs(deps_.blob_dir.c_str(), &fs) == 0) free = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
      for (const auto& a : alerts_->update(cams, free, now_unix_ms())) {
        if (a.active) {
          spdlog::warn("alert {}: {}", a.id, a.message);
          obs::Registry::global()
              .counter("argus_alerts_raised_total", "System alerts raised, by kind", {{"alert", a.kind}})
              .inc();
        } else {
          spdlog::info("alert {} cleared: {}", a.id, a.message);
        }
        hub_->publish_alert(a.camera, a.to_json());
      }
    } catch (const std::exception& e) {
      spdlog::warn("alerts: {}", e.what());
    }
    lock.lock();
  }
}

void LiveRuntime::apply_retention() {
  try {
    auto r = services::apply_retention(ctx_.store, deps_.blob_dir, ctx_.system_config.get(), now_unix_ms());
    auto& reg = obs::Registry::global();
    const char* help = "History removed by the retention settings (eventRetentionDays, snapshotRetentionDays)";
    reg.counter("argus_retention_deleted_total", help, {{"kind", "sighting"}}).inc(double(r.sightings_deleted));
    reg.counter("argus_retention_deleted_total", help, {{"kind", "snapshot"}}).inc(double(r.snapshots_deleted));
    if (r.sightings_deleted || r.snapshots_deleted)
      spdlog::info("retention: {} sighting(s) and {} snapshot file(s) deleted", r.sightings_deleted, r.snapshots_deleted);
  } catch (const std::exception& e) {
    spdlog::warn("retention: {}", e.what());
  }
}

Json LiveRuntime::performance() const {
  Json out = Json::array();
  if (!manager_) return out;
  for (const auto& s : manager_->list_stats())
    out.push_back({{"camera_id", s.value("camera_id", int64_t{0})}, {"state", s.value("state", "")},
                   {"fps", s.value("avg_fps", 0.0)}, {"processed_fps", s.value("processed_fps", 0.0)},
                   {"latency_ms", s.value("avg_latency_ms", 0.0)}, {"frames_dropped", s.value("frames_dropped", 0)},
                   {"frames_processed", s.value("frames_processed", 0)}});
  return out;
}

}  // namespace argus::cli
