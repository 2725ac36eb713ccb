#pragma once
// Live and history routes (issue 4): /detections (sightings), /detections/live,
// /detections/statistics, /attendance, /system/alerts, MJPEG and snapshots per camera, camera discovery,
// the /ws WebSocket and the /ingest/ws/{id} push endpoint. Registered by the live runtime
// (src/cli/live_runtime.cpp) into the same route table as the core routes.
#include <string>

#include "api/app.h"
#include "events/alert_monitor.h"
#include "events/live_cache.h"
#include "events/ws_hub.h"
#include "pipeline/camera_manager.h"
#include "pipeline/live_frames.h"

namespace argus::api {

struct LiveContext {
  CameraManager& manager;
  const LiveFrames& frames;  // the live view's pictures: the session's or pushed frames
  events::LiveCache& cache;
  events::WsHub& hub;
  const events::AlertMonitor& alerts;
  std::string blob_dir;    // <data>/blobs (sighting snapshots live under snapshots/)
  std::string ingest_key;  // HMAC key for per-camera ingest tokens (the JWT key)
  int jpeg_quality = 80;
  int ingest_auth_timeout_ms = 10000;  // an ingest socket without its token is closed then
};

// The per-camera push token: base64url(HMAC-SHA256(key, "ingest:<id>")). Derived, not
// stored, so nothing new sits in the database; rotating the JWT key rotates these too.
std::string ingest_token(const std::string& key, int64_t camera_id);

void add_live_routes(ApiApp& app, LiveContext& live);

}  // namespace argus::api
