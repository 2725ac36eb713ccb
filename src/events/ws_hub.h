#pragma once
// WsHub: the /api/v1/ws clients. Each client authenticates (upgrade header or first message
// {"type":"auth","token"}), subscribes per camera with filters (seed 001 §9.1.2) and optional
// binary video, and receives detection_event / recognition_event / track_update /
// camera_status_changed / performance_metrics. Publishing never blocks on a client: sends
// go to the connection's own bounded queue (WsConnection drops the oldest and counts).
//
// publish_*() only queue the event (bounded: the oldest is dropped and counted in
// argus_ws_publish_dropped_total): the caller is a camera's analysis or the sighting writer,
// and going through hundreds of clients there would delay that camera's next frame. One
// publisher thread serialises each event once and queues the same bytes on every subscriber,
// in the order published. One pump thread sends video frames at each subscriber's rate,
// performance_metrics every perf_interval_ms, and closes clients that never authenticate.
// Both threads are owned, started in start() and joined in stop().
#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/server.h"
#include "auth/principal.h"
#include "core/bounded_queue.h"
#include "core/json.h"
#include "core/result.h"
#include "ingest/frame.h"
#include "core/types.h"

namespace argus::events {

struct HubConfig {
  int perf_interval_ms = 5000;
  int auth_timeout_ms = 10000;    // unauthenticated clients are closed after this
  size_t max_subscriptions = 64;  // per client
  int max_video_fps = 15;
  int max_video_width = 1920;
  int video_jpeg_quality = 70;
  size_t publish_queue = 512;     // events waiting for the publisher thread; oldest dropped
};

class WsHub {
 public:
  using Authenticator = std::function<Result<auth::Principal>(const std::string& token)>;
  using FrameProvider = std::function<std::optional<Frame>(CameraId)>;
  using MetricsProvider = std::function<Json()>;  // array of per-camera {camera_id, ...}

  WsHub(HubConfig config, Authenticator authenticate, FrameProvider frames, MetricsProvider metrics);
  ~WsHub();
  WsHub(const WsHub&) = delete;
  WsHub& operator=(const WsHub&) = delete;

  void start();
  // Joins the pump and the publisher (after it delivered what was queued); clients stay
  // attached until their sockets close. Events published while stopped are dropped.
  void stop();

  // Takes over a freshly upgraded connection. principal: set when the upgrade carried a
  // valid token; otherwise the first message must be {"type":"auth","token":...}.
  void attach(std::shared_ptr<api::WsConnection> ws, std::optional<auth::Principal> principal);

  // detection_event for subscribers of `camera`, with each client's filters applied.
  void publish_detection(CameraId camera, Json data);
  // recognition_event / track_update (sighting-shaped data) for subscribers of `camera`.
  void publish_track(CameraId camera, const std::string& type, Json data);
  // camera_status_changed for every authenticated client allowed to see `camera`
  // (camera_name: shown by the dashboard's notices; omitted when empty).
  void publish_status(CameraId camera, const std::string& status, const std::string& detail,
                      const std::string& camera_name = "");
  // system_alert (AlertMonitor's Alert::to_json()): a camera's alert to the clients allowed to
  // see that camera, subscribed or not; an alert without a camera to every client.
  void publish_alert(std::optional<CameraId> camera, Json data);

  size_t client_count() const;
  // Subscribers of `camera` that asked for video (the pump only decodes what is watched).
  bool has_video_subscribers(CameraId camera) const;

 private:
  struct Sub {
    double min_confidence = 0;
    std::vector<int64_t> person_ids;  // empty: everyone (and unknowns)
    bool video = false;
    double video_fps = 5;
    int video_width = 640;
    SteadyClock::time_point next_frame{};
    uint64_t last_seq = 0;
  };
  struct Client {
    uint64_t id = 0;
    std::shared_ptr<api::WsConnection> ws;
    SteadyClock::time_point connected;
    std::mutex mu;  // principal and subs
    std::optional<auth::Principal> principal;
    std::map<CameraId, Sub> subs;
  };

  // One published event, delivered on the publisher thread.
  struct Outgoing {
    enum class Kind { kDetection, kTrack, kStatus, kAlert } kind = Kind::kDetection;
    CameraId camera = 0;  // kAlert: 0 for an alert about no camera (ids start at 1)
    std::string type;     // kTrack: message type
    Json data;            // the message's data
  };
  void enqueue(Outgoing out);
  void publish_loop();
  void deliver_detection(CameraId camera, const Json& data);
  void deliver_track(CameraId camera, const std::string& type, const Json& data);
  // `type` to every authenticated client allowed to see `camera` (0: every client).
  void deliver_to_viewers(CameraId camera, const std::string& type, const Json& data);

  void on_message(const std::shared_ptr<Client>& c, const std::string& msg, bool binary);
  void remove(uint64_t id);
  void reject(const std::shared_ptr<Client>& c, const std::string& code, const std::string& message);
  std::vector<std::shared_ptr<Client>> snapshot() const;
  void pump();
  void send_video();
  void send_metrics();
  void close_unauthenticated();

  HubConfig cfg_;
  Authenticator authenticate_;
  FrameProvider frames_;
  MetricsProvider metrics_;
  mutable std::shared_mutex mu_;
  std::map<uint64_t, std::shared_ptr<Client>> clients_;
  std::atomic<uint64_t> next_id_{1};

  BoundedQueue<Outgoing> outbox_;  // closed while stopped

  std::mutex pump_mu_;
  std::condition_variable pump_cv_;
  bool stopping_ = false;
  std::thread publisher_;  // started in start(), joined in stop()
  std::thread pump_;       // last: started in start(), joined in stop()
};

}  // namespace argus::events
