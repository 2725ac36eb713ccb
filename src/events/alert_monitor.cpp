#include "events/alert_monitor.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "core/time.h"

namespace argus::events {

namespace {

std::string camera_label(const CameraSnapshot& c) {
  return c.name.empty() ? "Camera " + std::to_string(c.id) : "Camera '" + c.name + "'";
}

std::string seconds(int64_t ms) { return std::to_string(std::llround(ms / 1000.0)) + " s"; }

std::string megabytes(uint64_t bytes) { return std::to_string(bytes >> 20) + " MB"; }

}  // namespace

AlertConfig AlertConfig::from_pipeline(const Json& p) {
  AlertConfig c;
  c.offline_after_ms = p.value("alert_offline_s", int64_t{30}) * 1000;
  c.overload_ratio = p.value("alert_overload_ratio", 0.1);
  c.disk_free_bytes = p.value("alert_disk_free_mb", uint64_t{1024}) << 20;
  return c;
}

CameraSnapshot CameraSnapshot::from_stats(const Json& s) {
  CameraSnapshot c;
  c.id = s.value("camera_id", CameraId{0});
  c.name = s.value("name", "");
  c.state = s.value("state", "");
  c.last_error = s.value("last_error", "");
  c.state_since_ms = s.value("state_since", int64_t{0});
  c.idle_alert_ms = s.value("idle_alert_s", int64_t{0}) * 1000;
  c.detections_missed = s.value("detections_missed", uint64_t{0});
  c.frames_processed = s.value("frames_processed", uint64_t{0});
  return c;
}

Json Alert::to_json() const {
  return Json{{"id", id},
              {"alert", kind},
              {"severity", severity},
              {"camera_id", camera ? Json(*camera) : Json(nullptr)},
              {"message", message},
              {"since", iso8601_ms(since_ms)},
              {"active", active}};
}

void AlertMonitor::raise(Alert a, std::vector<Alert>& changes) {
  if (active_.count(a.id)) return;  // announced once; its message is not refreshed
  active_[a.id] = a;
  changes.push_back(std::move(a));
}

void AlertMonitor::clear(const std::string& id, const std::string& message, std::vector<Alert>& changes) {
  auto it = active_.find(id);
  if (it == active_.end()) return;
  Alert done = std::move(it->second);
  active_.erase(it);
  done.active = false;
  done.message = message;
  changes.push_back(std::move(done));
}

void AlertMonitor::check_idle(const CameraSnapshot& cam, int64_t now_ms, std::vector<Alert>& changes) {
  const std::string id = "camera_idle:" + std::to_string(cam.id);
  if (cam.state != "waiting" || cam.idle_alert_ms <= 0) {
    const char* why = cam.state == "waiting" ? ": its idle alert was turned off"
                      : cam.state == "live"  ? " receives frames again"
                                             : " is no longer waiting for frames";
    clear(id, camera_label(cam) + why, changes);
    return;
  }
  // A waiting session keeps its state_since while it looks again for a pusher (CameraSession).
  const int64_t since = cam.state_since_ms > 0 ? std::min(cam.state_since_ms, now_ms) : now_ms;
  if (now_ms - since >= cam.idle_alert_ms)
    raise({id, "camera_idle", "warning", cam.id,
           camera_label(cam) + " has received no frames for " + seconds(now_ms - since) +
               " (its idle alert is set to " + seconds(cam.idle_alert_ms) + "): is the device that pushes them down?",
           since, true},
          changes);
}

void AlertMonitor::check_overload(const CameraSnapshot& cam, int64_t now_ms, std::vector<Alert>& changes) {
  const std::string id = "analysis_overloaded:" + std::to_string(cam.id);
  auto& h = history_[cam.id];
  // A restarted session counts from zero again: its old samples say nothing about it.
  if (!h.empty() && (cam.detections_missed < h.back().missed || cam.frames_processed < h.back().processed)) h.clear();
  h.push_back({now_ms, cam.detections_missed, cam.frames_processed});
  while (h.size() > 1 && now_ms - h[1].t_ms >= cfg_.overload_window_ms) h.pop_front();
  if (cfg_.overload_ratio <= 0 || now_ms - h.front().t_ms < cfg_.overload_window_ms * 9 / 10) return;
  uint64_t missed = cam.detections_missed - h.front().missed;
  uint64_t processed = cam.frames_processed - h.front().processed;
  double ratio = missed + processed ? static_cast<double>(missed) / static_cast<double>(missed + processed) : 0.0;
  if (ratio >= cfg_.overload_ratio && missed >= 3) {
    int pct = static_cast<int>(std::lround(ratio * 100));
    raise({id, "analysis_overloaded", "warning", cam.id,
           camera_label(cam) + " missed " + std::to_string(pct) + " % of its detection slots in the last " +
               seconds(now_ms - h.front().t_ms) + ": analysis cannot keep up (lower its fps_limit, or fewer cameras)",
           h.front().t_ms, true},
          changes);
  } else if (ratio < cfg_.overload_ratio / 2) {
    clear(id, camera_label(cam) + " keeps up with its detection slots again", changes);
  }
}

std::vector<Alert> AlertMonitor::update(const std::vector<CameraSnapshot>& cameras, std::optional<uint64_t> disk_free,
                                        int64_t now_ms) {
  std::vector<Alert> changes;
  std::lock_guard lock(mu_);
  std::set<CameraId> running;
  for (const auto& cam : cameras) {
    running.insert(cam.id);
    const std::string offline_id = "camera_offline:" + std::to_string(cam.id);
    if (cam.state == "live" || cam.state == "waiting") {
      // waiting: a push camera nobody feeds is idle, not offline (CameraSession kWaiting).
      down_since_.erase(cam.id);
      clear(offline_id, camera_label(cam) + (cam.state == "live" ? " is live again" : " is waiting for pushed frames"), changes);
    } else {
      // Reconnecting cycles connecting -> error -> connecting, each with a new state_since:
      // the outage began at the first of them.
      auto [it, fresh] = down_since_.emplace(cam.id, cam.state_since_ms > 0 ? std::min(cam.state_since_ms, now_ms) : now_ms);
      int64_t down_ms = now_ms - it->second;
      if (cfg_.offline_after_ms > 0 && down_ms >= cfg_.offline_after_ms)
        raise({offline_id, "camera_offline", "warning", cam.id,
               camera_label(cam) + " has not been live for " + seconds(down_ms) +
                   (cam.last_error.empty() ? "" : ": " + cam.last_error),
               it->second, true},
              changes);
    }
    check_idle(cam, now_ms, changes);
    check_overload(cam, now_ms, changes);
  }
  // Cameras that stopped running: their conditions end with them.
  std::vector<std::string> gone;
  for (const auto& [id, a] : active_)
    if (a.camera && !running.count(*a.camera)) gone.push_back(id);
  for (const auto& id : gone)
    clear(id, "Camera " + std::to_string(*active_.at(id).camera) + " was stopped or removed", changes);
  std::erase_if(down_since_, [&](const auto& kv) { return !running.count(kv.first); });
  std::erase_if(history_, [&](const auto& kv) { return !running.count(kv.first); });

  if (disk_free && cfg_.disk_free_bytes > 0) {
    if (*disk_free < cfg_.disk_free_bytes)
      raise({"disk_low", "disk_low", "critical", std::nullopt,
             "The data directory's disk has " + megabytes(*disk_free) + " free (alert below " +
                 megabytes(cfg_.disk_free_bytes) + "): snapshots and the database may fail to write",
             now_ms, true},
            changes);
    else if (*disk_free >= cfg_.disk_free_bytes + cfg_.disk_free_bytes / 4)
      clear("disk_low", "The data directory's disk has " + megabytes(*disk_free) + " free again", changes);
  }
  return changes;
}

std::vector<Alert> AlertMonitor::active() const {
  std::lock_guard lock(mu_);
  std::vector<Alert> out;
  for (const auto& [id, a] : active_) out.push_back(a);
  std::stable_sort(out.begin(), out.end(), [](const Alert& a, const Alert& b) { return a.since_ms < b.since_ms; });
  return out;
}

}  // namespace argus::events
