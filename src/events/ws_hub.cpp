#include "events/ws_hub.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <pthread.h>

#include "core/time.h"
#include "events/event_json.h"
#include "obs/metrics.h"
#include "recognition/image_decode.h"

namespace argus::events {

namespace {

std::string error_message(const std::string& code, const std::string& message) {
  return Json{{"type", "error"}, {"code", code}, {"message", message}, {"timestamp", iso8601_ms(now_unix_ms())}}.dump();
}

std::optional<int64_t> as_id(const Json& v) {
  if (v.is_number_integer() && v.get<int64_t>() > 0) return v.get<int64_t>();
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (!s.empty() && s.size() < 19 && s.find_first_not_of("0123456789") == std::string::npos) {
      int64_t n = std::stoll(s);
      if (n > 0) return n;
    }
  }
  return std::nullopt;
}

void put_le(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// 16-byte little-endian header (u32 camera_id, u32 seq, f64 timestamp ms) + JPEG.
std::string video_frame(CameraId camera, uint64_t seq, int64_t ts_ms, const std::vector<uint8_t>& jpeg) {
  std::string out;
  out.reserve(16 + jpeg.size());
  put_le(out, static_cast<uint32_t>(camera), 4);
  put_le(out, static_cast<uint32_t>(seq), 4);
  double ts = static_cast<double>(ts_ms);
  uint64_t bits;
  std::memcpy(&bits, &ts, sizeof bits);
  put_le(out, bits, 8);
  out.append(reinterpret_cast<const char*>(jpeg.data()), jpeg.size());
  return out;
}

bool person_allowed(const std::vector<int64_t>& ids, const Json& person_id) {
  if (ids.empty()) return true;
  if (!person_id.is_number_integer()) return false;
  return std::find(ids.begin(), ids.end(), person_id.get<int64_t>()) != ids.end();
}

}  // namespace

WsHub::WsHub(HubConfig config, Authenticator authenticate, FrameProvider frames, MetricsProvider metrics)
    : cfg_(config),
      authenticate_(std::move(authenticate)),
      frames_(std::move(frames)),
      metrics_(std::move(metrics)),
      outbox_(cfg_.publish_queue) {
  outbox_.close();  // until start()
  obs::Registry::global().gauge_fn("argus_ws_clients", "Connected /api/v1/ws clients", {},
                                   [this] { return static_cast<double>(client_count()); });
}

WsHub::~WsHub() {
  stop();
  obs::Registry::global().remove_gauge_fn("argus_ws_clients", {});
  std::unique_lock lock(mu_);
  for (auto& [id, c] : clients_) {
    c->ws->on_message = nullptr;
    c->ws->on_close = nullptr;
  }
  clients_.clear();
}

void WsHub::start() {
  std::lock_guard lock(pump_mu_);
  if (pump_.joinable()) return;
  stopping_ = false;
  outbox_.reopen();
  publisher_ = std::thread([this] { publish_loop(); });
  pump_ = std::thread([this] { pump(); });
}

void WsHub::stop() {
  {
    std::lock_guard lock(pump_mu_);
    stopping_ = true;
  }
  pump_cv_.notify_all();
  outbox_.close();  // the publisher delivers what is queued, then returns
  if (publisher_.joinable()) publisher_.join();
  if (pump_.joinable()) pump_.join();
}

void WsHub::enqueue(Outgoing out) {
  if (!outbox_.push(std::move(out)))
    obs::Registry::global()
        .counter("argus_ws_publish_dropped_total",
                 "Events not sent to WebSocket clients: the publisher queue was full or the hub stopped")
        .inc();
}

void WsHub::publish_detection(CameraId camera, Json data) {
  enqueue({Outgoing::Kind::kDetection, camera, {}, std::move(data)});
}

void WsHub::publish_track(CameraId camera, const std::string& type, Json data) {
  enqueue({Outgoing::Kind::kTrack, camera, type, std::move(data)});
}

void WsHub::publish_status(CameraId camera, const std::string& status, const std::string& detail,
                           const std::string& camera_name) {
  Json data{{"camera_id", camera}, {"status", status}, {"detail", detail}};
  if (!camera_name.empty()) data["camera_name"] = camera_name;
  enqueue({Outgoing::Kind::kStatus, camera, {}, std::move(data)});
}

void WsHub::publish_alert(std::optional<CameraId> camera, Json data) {
  enqueue({Outgoing::Kind::kAlert, camera.value_or(0), {}, std::move(data)});
}

void WsHub::publish_loop() {
  pthread_setname_np(pthread_self(), "argus-ws-pub");  // per-thread CPU in top -H and the benches
  while (auto out = outbox_.pop()) {
    try {
      switch (out->kind) {
        case Outgoing::Kind::kDetection: deliver_detection(out->camera, out->data); break;
        case Outgoing::Kind::kTrack: deliver_track(out->camera, out->type, out->data); break;
        case Outgoing::Kind::kStatus: deliver_to_viewers(out->camera, "camera_status_changed", out->data); break;
        case Outgoing::Kind::kAlert: deliver_to_viewers(out->camera, "system_alert", out->data); break;
      }
    } catch (const std::exception& e) {
      spdlog::warn("ws hub: publishing: {}", e.what());
    }
  }
}

size_t WsHub::client_count() const {
  std::shared_lock lock(mu_);
  return clients_.size();
}

std::vector<std::shared_ptr<WsHub::Client>> WsHub::snapshot() const {
  std::shared_lock lock(mu_);
  std::vector<std::shared_ptr<Client>> out;
  out.reserve(clients_.size());
  for (auto& [id, c] : clients_) out.push_back(c);
  return out;
}

void WsHub::attach(std::shared_ptr<api::WsConnection> ws, std::optional<auth::Principal> principal) {
  auto c = std::make_shared<Client>();
  c->id = next_id_++;
  c->ws = ws;
  c->connected = SteadyClock::now();
  c->principal = std::move(principal);
  // The connection keeps only a weak reference to the client, so the hub's map is the one
  // owner and a closed socket cannot keep a client alive (and vice versa: no cycle).
  std::weak_ptr<Client> weak = c;
  ws->on_message = [this, weak](const std::string& msg, bool binary) {
    if (auto cl = weak.lock()) on_message(cl, msg, binary);
  };
  uint64_t id = c->id;
  ws->on_close = [this, id] { remove(id); };
  {
    std::unique_lock lock(mu_);
    clients_[id] = c;
  }
  if (c->principal)
    ws->send_text(message("connection_established", {{"client_id", id}, {"user", c->principal->username}}));
}

void WsHub::remove(uint64_t id) {
  std::unique_lock lock(mu_);
  clients_.erase(id);
}

void WsHub::reject(const std::shared_ptr<Client>& c, const std::string& code, const std::string& msg) {
  // Sent before the close so the browser learns why (it refreshes its token on these codes).
  c->ws->send_text(error_message(code, msg));
  c->ws->close(4401);
  remove(c->id);
}

void WsHub::on_message(const std::shared_ptr<Client>& c, const std::string& msg, bool binary) {
  if (binary) {
    c->ws->send_text(error_message("VALIDATION_ERROR", "binary messages are not accepted here"));
    return;
  }
  Json j = Json::parse(msg, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    std::lock_guard lock(c->mu);
    if (!c->principal) {
      reject(c, "UNAUTHORIZED", "the first message must be {\"type\":\"auth\",\"token\":...}");
      return;
    }
    c->ws->send_text(error_message("INVALID_JSON", "messages are JSON objects"));
    return;
  }
  std::string type = string_field(j, "type");
  std::unique_lock lock(c->mu);
  if (type == "auth") {
    std::string token = string_field(j, "token");
    auto p = authenticate_(token);
    if (!p) {
      lock.unlock();
      reject(c, p.error().code.empty() ? "UNAUTHORIZED" : p.error().code, p.error().message);
      return;
    }
    bool first = !c->principal;
    c->principal = *p;
    // A token of another user's role may see fewer cameras: drop what it may not see.
    for (auto it = c->subs.begin(); it != c->subs.end();)
      it = c->principal->can_see_camera(it->first) ? std::next(it) : c->subs.erase(it);
    c->ws->send_text(message(first ? "connection_established" : "auth_ok", {{"client_id", c->id}, {"user", p->username}}));
    return;
  }
  if (!c->principal) {
    lock.unlock();
    reject(c, "UNAUTHORIZED", "the first message must be {\"type\":\"auth\",\"token\":...}");
    return;
  }
  if (type == "subscribe" || type == "unsubscribe") {
    auto cam = j.contains("camera_id") ? as_id(j["camera_id"]) : std::nullopt;
    if (!cam) {
      c->ws->send_text(error_message("VALIDATION_ERROR", "camera_id must be a positive integer"));
      return;
    }
    if (type == "unsubscribe") {
      c->subs.erase(*cam);
      c->ws->send_text(message("unsubscribed", {{"camera_id", *cam}}));
      return;
    }
    if (!c->principal->can_see_camera(*cam)) {
      c->ws->send_text(error_message("NOT_FOUND", "Camera not found"));
      return;
    }
    if (!c->subs.count(*cam) && c->subs.size() >= cfg_.max_subscriptions) {
      c->ws->send_text(error_message("VALIDATION_ERROR", "too many subscriptions"));
      return;
    }
    Sub s;
    if (j.contains("filters") && j["filters"].is_object()) {
      const Json& f = j["filters"];
      if (f.contains("min_confidence") && f["min_confidence"].is_number())
        s.min_confidence = std::clamp(f["min_confidence"].get<double>(), 0.0, 1.0);
      if (f.contains("person_ids") && f["person_ids"].is_array())
        for (const auto& p : f["person_ids"])
          if (auto id = as_id(p)) s.person_ids.push_back(*id);
    }
    if (j.contains("video") && j["video"].is_object()) {
      const Json& v = j["video"];
      s.video = true;
      if (v.contains("fps") && v["fps"].is_number()) s.video_fps = std::clamp(v["fps"].get<double>(), 0.2, double(cfg_.max_video_fps));
      if (v.contains("width") && v["width"].is_number_integer())
        s.video_width = std::clamp(v["width"].get<int>(), 64, cfg_.max_video_width);
    }
    c->subs[*cam] = s;
    c->ws->send_text(message("subscribed", {{"camera_id", *cam}, {"video", s.video}}));
    return;
  }
  if (type == "ping") {
    c->ws->send_text(message("pong", Json::object()));
    return;
  }
  c->ws->send_text(error_message("VALIDATION_ERROR", "unknown message type '" + type.substr(0, 40) + "'"));
}

void WsHub::deliver_detection(CameraId camera, const Json& data) {
  std::shared_ptr<const std::string> plain;  // serialised once for every client without filters
  for (auto& c : snapshot()) {
    std::unique_lock lock(c->mu);
    if (!c->principal) continue;
    auto it = c->subs.find(camera);
    if (it == c->subs.end()) continue;
    const Sub& s = it->second;
    if (s.min_confidence <= 0 && s.person_ids.empty()) {
      lock.unlock();
      if (!plain) plain = std::make_shared<const std::string>(message("detection_event", data));
      c->ws->send_shared(plain, false);
      continue;
    }
    Json filtered = data;
    Json dets = Json::array();
    for (const auto& d : data["detections"]) {
      if (d.value("confidence", 0.0) < s.min_confidence) continue;
      if (!s.person_ids.empty() && !(d["person"].is_object() && person_allowed(s.person_ids, d["person"]["id"]))) continue;
      dets.push_back(d);
    }
    // A person filter asks "tell me when these people are seen": frames without them are noise.
    if (!s.person_ids.empty() && dets.empty()) continue;
    filtered["detections"] = std::move(dets);
    lock.unlock();
    c->ws->send_text(message("detection_event", filtered));
  }
}

void WsHub::deliver_track(CameraId camera, const std::string& type, const Json& data) {
  std::shared_ptr<const std::string> text;
  for (auto& c : snapshot()) {
    std::unique_lock lock(c->mu);
    if (!c->principal) continue;
    auto it = c->subs.find(camera);
    if (it == c->subs.end()) continue;
    const Sub& s = it->second;
    if (data.value("best_confidence", 1.0) < s.min_confidence) continue;
    if (!person_allowed(s.person_ids, data.value("person_id", Json()))) continue;
    lock.unlock();
    if (!text) text = std::make_shared<const std::string>(message(type, data));
    c->ws->send_shared(text, false);
  }
}

void WsHub::deliver_to_viewers(CameraId camera, const std::string& type, const Json& data) {
  auto text = std::make_shared<const std::string>(message(type, data));
  for (auto& c : snapshot()) {
    std::unique_lock lock(c->mu);
    if (!c->principal || (camera && !c->principal->can_see_camera(camera))) continue;
    lock.unlock();
    c->ws->send_shared(text, false);
  }
}

bool WsHub::has_video_subscribers(CameraId camera) const {
  for (auto& c : snapshot()) {
    std::lock_guard lock(c->mu);
    auto it = c->subs.find(camera);
    if (it != c->subs.end() && it->second.video) return true;
  }
  return false;
}

void WsHub::pump() {
  auto next_metrics = SteadyClock::now() + std::chrono::milliseconds(cfg_.perf_interval_ms);
  auto next_check = SteadyClock::now();
  std::unique_lock lock(pump_mu_);
  while (!stopping_) {
    // 20 ms ticks: fine enough for 15 fps video, cheap when idle.
    pump_cv_.wait_for(lock, std::chrono::milliseconds(20), [&] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    try {
      send_video();
      auto now = SteadyClock::now();
      if (now >= next_metrics) {
        next_metrics = now + std::chrono::milliseconds(cfg_.perf_interval_ms);
        send_metrics();
      }
      if (now >= next_check) {
        next_check = now + std::chrono::milliseconds(500);
        close_unauthenticated();
      }
    } catch (const std::exception& e) {
      spdlog::warn("ws hub: {}", e.what());
    }
    lock.lock();
  }
}

void WsHub::send_video() {
  if (!frames_) return;
  struct Due {
    std::shared_ptr<Client> client;
    CameraId camera;
    int width;
    uint64_t last_seq;
  };
  std::vector<Due> due;
  auto now = SteadyClock::now();
  for (auto& c : snapshot()) {
    std::lock_guard lock(c->mu);
    if (!c->principal) continue;
    for (auto& [cam, s] : c->subs)
      if (s.video && now >= s.next_frame) due.push_back({c, cam, s.video_width, s.last_seq});
  }
  if (due.empty()) return;
  // One frame fetch per camera and one encode per (camera, width) per tick, however many
  // clients watch.
  std::map<CameraId, std::optional<Frame>> frames;
  std::map<std::pair<CameraId, int>, std::shared_ptr<const std::string>> encoded;
  for (auto& d : due) {
    auto fit = frames.find(d.camera);
    if (fit == frames.end()) fit = frames.emplace(d.camera, frames_(d.camera)).first;
    const auto& frame = fit->second;
    if (!frame || frame->empty() || frame->seq == d.last_seq) continue;
    auto key = std::make_pair(d.camera, d.width);
    auto eit = encoded.find(key);
    if (eit == encoded.end()) {
      auto jpeg = encode_jpeg_max_width(frame->bgr, d.width, cfg_.video_jpeg_quality);
      std::shared_ptr<const std::string> bytes;
      if (!jpeg.empty())
        bytes = std::make_shared<const std::string>(video_frame(d.camera, frame->seq, frame->received_unix_ms, jpeg));
      eit = encoded.emplace(key, std::move(bytes)).first;
    }
    if (!eit->second) continue;
    d.client->ws->send_shared(eit->second, true);
    std::lock_guard lock(d.client->mu);
    auto sit = d.client->subs.find(d.camera);
    if (sit == d.client->subs.end()) continue;
    sit->second.last_seq = frame->seq;
    sit->second.next_frame = now + std::chrono::microseconds(static_cast<int64_t>(1e6 / sit->second.video_fps));
  }
}

void WsHub::send_metrics() {
  if (!metrics_) return;
  auto clients = snapshot();
  if (clients.empty()) return;
  Json all = metrics_();
  if (!all.is_array()) return;
  for (auto& c : clients) {
    std::unique_lock lock(c->mu);
    if (!c->principal) continue;
    Json mine = Json::array();
    for (const auto& m : all)
      if (c->principal->can_see_camera(m.value("camera_id", int64_t{0}))) mine.push_back(m);
    lock.unlock();
    c->ws->send_text(message("performance_metrics", {{"cameras", mine}}));
  }
}

void WsHub::close_unauthenticated() {
  auto now = SteadyClock::now();
  int64_t now_s = now_unix_s();
  for (auto& c : snapshot()) {
    if (!c->ws->is_open() && now - c->connected > std::chrono::seconds(5)) {
      remove(c->id);  // on_close should have done this; a safety net against leaks
      continue;
    }
    std::unique_lock lock(c->mu);
    bool late = !c->principal && now - c->connected > std::chrono::milliseconds(cfg_.auth_timeout_ms);
    bool expired = c->principal && c->principal->token_exp > 0 && c->principal->token_exp < now_s;
    lock.unlock();
    if (late) reject(c, "UNAUTHORIZED", "authentication timed out");
    else if (expired) reject(c, "TOKEN_EXPIRED", "the access token expired; reconnect with a fresh one");
  }
}

}  // namespace argus::events
