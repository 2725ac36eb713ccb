#pragma once
// AlertMonitor: the conditions an operator has to act on, raised once and cleared once as
// system_alert messages (issue 4 §6). It only compares the snapshots it is given - the live
// runtime feeds it every few seconds from the camera sessions and the data directory's
// filesystem - so every rule is testable without a clock, a camera or a full disk.
//
//   camera_offline       a running camera has not been live for alert_offline_s (it cannot
//                        connect, or its stream died and reconnecting keeps failing). Cleared
//                        when it is live again, or stopped or removed.
//   camera_idle          a push camera has been waiting for frames for its own idle_alert_s
//                        (settings; 0 or absent: never). Waiting is normal for a browser
//                        webcam, so it is not camera_offline; an edge device that pushes and
//                        dies looks the same, and this setting is how its owner hears of it.
//                        Cleared when frames come again, the setting is turned off, or the
//                        camera is stopped or removed.
//   analysis_overloaded  a camera missed at least alert_overload_ratio of its detection slots
//                        over the last minute: the inference pool cannot keep up. Cleared
//                        below half of that ratio (no flapping around the limit).
//   disk_low             the data directory's filesystem has less than alert_disk_free_mb
//                        free. Cleared above 1.25 times that.
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/types.h"

namespace argus::events {

struct AlertConfig {
  int64_t offline_after_ms = 30000;        // pipeline.alert_offline_s; 0: off
  double overload_ratio = 0.1;             // pipeline.alert_overload_ratio; 0: off
  int64_t overload_window_ms = 60000;
  uint64_t disk_free_bytes = 1024ull << 20;  // pipeline.alert_disk_free_mb; 0: off

  // From the "pipeline" config section (range-checked by the config loader).
  static AlertConfig from_pipeline(const Json& pipeline);
};

// One running camera as the monitor sees it (from CameraSession::stats()).
struct CameraSnapshot {
  CameraId id = 0;
  std::string name, state, last_error;  // state: connecting, live, error, waiting
  int64_t state_since_ms = 0;           // wall clock of its last state change
  int64_t idle_alert_ms = 0;            // camera_idle after waiting this long; 0: never
  uint64_t detections_missed = 0, frames_processed = 0;

  static CameraSnapshot from_stats(const Json& stats);
};

struct Alert {
  std::string id;        // stable per condition: "camera_offline:3", "disk_low"
  std::string kind;      // camera_offline, camera_idle, analysis_overloaded, disk_low
  std::string severity;  // warning, critical
  std::optional<CameraId> camera;
  std::string message;
  int64_t since_ms = 0;  // when the condition began
  bool active = true;    // false: this message clears the alert

  Json to_json() const;  // data of a system_alert message, and an item of GET /system/alerts
};

class AlertMonitor {
 public:
  explicit AlertMonitor(AlertConfig config) : cfg_(config) {}

  // The alerts raised or cleared since the previous call. `cameras`: every running camera
  // (one that is missing was stopped or removed); `disk_free`: nullopt when unknown.
  std::vector<Alert> update(const std::vector<CameraSnapshot>& cameras, std::optional<uint64_t> disk_free,
                            int64_t now_ms);
  // The alerts in force, oldest first. Thread-safe (the API reads it while update() runs).
  std::vector<Alert> active() const;

 private:
  struct Sample {
    int64_t t_ms;
    uint64_t missed, processed;
  };
  // Under mu_: sets or clears alert `a.id`; appends to `changes` only on a transition.
  void raise(Alert a, std::vector<Alert>& changes);
  void clear(const std::string& id, const std::string& message, std::vector<Alert>& changes);
  void check_idle(const CameraSnapshot& cam, int64_t now_ms, std::vector<Alert>& changes);
  void check_overload(const CameraSnapshot& cam, int64_t now_ms, std::vector<Alert>& changes);

  AlertConfig cfg_;
  mutable std::mutex mu_;
  std::map<std::string, Alert> active_;
  std::map<CameraId, int64_t> down_since_;  // first moment seen not live
  std::map<CameraId, std::deque<Sample>> history_;
};

}  // namespace argus::events
