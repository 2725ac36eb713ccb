#include "pipeline/camera_manager.h"

#include <vector>

namespace argus {

PipelineConfig PipelineConfig::from_json(const Json& j) {
  PipelineConfig c;
  if (!j.is_object()) return c;
  c.inference_threads = j.value("inference_threads", c.inference_threads);
  c.spread_slots = j.value("spread_slots", c.spread_slots);
  c.frame_ring = j.value("frame_ring", c.frame_ring);
  c.default_fps_limit = j.value("default_fps_limit", c.default_fps_limit);
  c.push_queue = j.value("push_queue", c.push_queue);
  c.jpeg_quality = j.value("live_jpeg_quality", c.jpeg_quality);
  c.preview_boxes = j.value("preview_boxes", c.preview_boxes);
  c.reconnect.base_ms = j.value("reconnect_base_ms", c.reconnect.base_ms);
  c.reconnect.max_ms = j.value("reconnect_max_ms", c.reconnect.max_ms);
  if (j.contains("tracker") && j["tracker"].is_object()) {
    const Json& t = j["tracker"];
    auto& tc = c.tracker;
    tc.high_score = t.value("high_score", tc.high_score);
    tc.low_score = t.value("low_score", tc.low_score);
    tc.new_track_score = t.value("new_track_score", tc.new_track_score);
    tc.match_iou = t.value("match_iou", tc.match_iou);
    tc.appearance_weight = t.value("appearance_weight", tc.appearance_weight);
    tc.min_hits = t.value("min_hits", tc.min_hits);
    tc.max_lost = t.value("max_lost", tc.max_lost);
    tc.min_quality = t.value("min_quality", tc.min_quality);
    tc.embed_recheck_ms = t.value("embed_recheck_ms", tc.embed_recheck_ms);
  }
  return c;
}

CameraManager::CameraManager(PipelineConfig config, std::shared_ptr<FrameAnalyzer> analyzer,
                             std::shared_ptr<ResultSink> sink, IdentityMatcher matcher)
    : cfg_(std::move(config)), analyzer_(std::move(analyzer)), sink_(std::move(sink)), matcher_(std::move(matcher)) {
  if (analyzer_) pool_ = std::make_unique<InferencePool>(cfg_.inference_threads, cfg_.spread_slots);
}

CameraManager::~CameraManager() {
  stop_all();
  pool_.reset();  // joins workers after every lane is gone
}

void CameraManager::set_state_callback(StateCallback cb) {
  std::unique_lock lock(mu_);
  on_state_ = std::move(cb);
}

void CameraManager::set_source_factory(SourceFactory factory) {
  std::unique_lock lock(mu_);
  factory_ = std::move(factory);
}

Status CameraManager::start_camera(CameraConfig config) {
  if (config.type.empty()) return Error::make("VALIDATION_ERROR", "camera type is required");
  stop_camera(config.id);
  Entry e;
  SessionDeps deps;
  {
    std::shared_lock lock(mu_);
    deps.factory = factory_;
    deps.on_state = on_state_;
  }
  if (config.type == "websocket") {
    e.push = std::make_shared<PushChannel>(cfg_.push_queue);
    config.source.push_channel = e.push;
  }
  if (config.frame_ring == 0) config.frame_ring = cfg_.frame_ring;
  // Validate the URL up front so the API can answer 400 instead of a camera stuck in error.
  if (!deps.factory) {
    auto probe = make_frame_source(config.type, config.url, config.source);
    if (!probe.ok()) return probe.error();
  }
  deps.pool = pool_.get();
  deps.analyzer = analyzer_;
  deps.sink = sink_;
  deps.matcher = matcher_;
  deps.tracker = cfg_.tracker;
  deps.reconnect = cfg_.reconnect;
  deps.preview_boxes = cfg_.preview_boxes;
  CameraId id = config.id;
  e.session = std::make_unique<CameraSession>(std::move(config), std::move(deps));
  e.session->start();
  std::unique_lock lock(mu_);
  auto [it, inserted] = cameras_.emplace(id, std::move(e));
  if (!inserted) {
    // A concurrent start of the same id won the race: keep the newest, stop the old one
    // outside the lock.
    std::swap(it->second, e);
    lock.unlock();
    e.session->stop();
  }
  return {};
}

bool CameraManager::stop_camera(CameraId id) {
  Entry e;
  {
    std::unique_lock lock(mu_);
    auto it = cameras_.find(id);
    if (it == cameras_.end()) return false;
    e = std::move(it->second);
    cameras_.erase(it);
  }
  // Joining happens outside the map lock so stats and other cameras are not held up.
  e.session->stop();
  return true;
}

void CameraManager::stop_all() {
  std::map<CameraId, Entry> all;
  {
    std::unique_lock lock(mu_);
    all.swap(cameras_);
  }
  for (auto& [id, e] : all) e.session->stop();
}

bool CameraManager::is_running(CameraId id) const {
  std::shared_lock lock(mu_);
  return cameras_.count(id) > 0;
}

std::optional<SessionState> CameraManager::state(CameraId id) const {
  std::shared_lock lock(mu_);
  auto it = cameras_.find(id);
  if (it == cameras_.end()) return std::nullopt;
  return it->second.session->state();
}

Json CameraManager::stats(CameraId id) const {
  std::shared_lock lock(mu_);
  auto it = cameras_.find(id);
  if (it == cameras_.end()) return nullptr;
  Json s = it->second.session->stats();
  if (it->second.push) {
    s["push_received"] = it->second.push->pushed();
    s["push_dropped"] = it->second.push->dropped();
  }
  return s;
}

Json CameraManager::list_stats() const {
  std::vector<CameraId> ids;
  {
    std::shared_lock lock(mu_);
    for (const auto& [id, e] : cameras_) ids.push_back(id);
  }
  Json out = Json::array();
  for (CameraId id : ids) {
    Json s = stats(id);
    if (!s.is_null()) out.push_back(std::move(s));
  }
  return out;
}

std::optional<Frame> CameraManager::latest_frame(CameraId id) const {
  std::shared_lock lock(mu_);
  auto it = cameras_.find(id);
  if (it == cameras_.end()) return std::nullopt;
  return it->second.session->latest_frame();
}

std::optional<std::string> CameraManager::latest_jpeg(CameraId id) const {
  std::shared_lock lock(mu_);
  auto it = cameras_.find(id);
  if (it == cameras_.end()) return std::nullopt;
  return it->second.session->latest_jpeg(cfg_.jpeg_quality);
}

bool CameraManager::set_fps_limit(CameraId id, double fps) {
  std::shared_lock lock(mu_);
  auto it = cameras_.find(id);
  if (it == cameras_.end()) return false;
  it->second.session->set_fps_limit(fps);
  return true;
}

bool CameraManager::reconfigure(const CameraConfig& config) {
  std::shared_lock lock(mu_);
  auto it = cameras_.find(config.id);
  return it != cameras_.end() && it->second.session->reconfigure(config);
}

bool CameraManager::push_jpeg(CameraId id, std::string jpeg) {
  auto ch = push_channel(id);
  if (!ch) return false;
  ch->push_jpeg(std::move(jpeg));
  return true;
}

std::shared_ptr<PushChannel> CameraManager::push_channel(CameraId id) const {
  std::shared_lock lock(mu_);
  auto it = cameras_.find(id);
  if (it == cameras_.end()) return nullptr;
  return it->second.push;
}

}  // namespace argus
