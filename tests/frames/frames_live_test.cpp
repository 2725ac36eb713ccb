// Frames pushed to POST /api/v1/detections/process-frame for a registered camera are frames
// of that camera (seed 001 §4.2 steps 1 and 9, issue 3 §6): their faces reach
// /detections/live, WebSocket subscribers of the camera (detection_event, track events) and
// history (one sighting per track, closed pipeline.sighting_close_ms after the last push).
// A push for a camera Argus does not manage is answered only; an unknown Argus camera id is
// a 404. Needs the face models and models/samples (skips with the reason without them).
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <set>
#include <thread>

#include "frames/frame_helpers.h"
#include "integration/argus_server.h"
#include "integration/http_stream.h"
#include "integration/ws_client.h"

using namespace argus_test;
using namespace std::chrono_literals;

namespace {

constexpr uint64_t kPushedTrackIdBase = 1'000'000'000;  // PushedFrames::kTrackIdBase

bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return cond();
}

class FramesLive : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Tracks of pushed frames end 1.5 s after the last push (default 5 s), to keep this short.
    server_ = std::make_unique<ArgusServer>(std::vector<std::string>{"--set", "pipeline.sighting_close_ms=1500"});
    admin_ = server_->admin_token();
    supervisor_ = server_->token_for_role("supervisor", admin_);
  }
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override {
    auto health = client().get("/health").json();
    if (health["data"]["components"]["models"]["status"] != "healthy")
      GTEST_SKIP() << "face models not loaded (run scripts/fetch-models.sh)";
    photo_ = sample_jpeg(1);
    if (photo_.empty()) GTEST_SKIP() << sample_path(1) << " missing (fetched by scripts/setup.sh)";
  }

  static HttpClient client() { return server_->client(); }

  // A push-mode camera (websocket type without a source: frames only arrive pushed).
  static int64_t make_camera(const std::string& name) {
    auto r = client().post_json("/api/v1/cameras", {{"name", name}, {"camera_type", "websocket"}}, admin_);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json()["data"]["camera"]["id"].get<int64_t>();
  }

  static HttpResult push(const Json& camera_id, const std::string& frame_id, const std::vector<uint8_t>& jpeg) {
    Json b = frame_body(frame_id, jpeg);
    b["camera_id"] = camera_id;
    return client().post_json("/api/v1/detections/process-frame", b, supervisor_);
  }

  static int64_t sightings_total(const std::string& query = "") {
    return client().get("/api/v1/detections?per_page=100" + query, admin_).json()["pagination"].value("total", int64_t{-1});
  }

  static std::unique_ptr<ArgusServer> server_;
  static std::string admin_, supervisor_;
  std::vector<uint8_t> photo_;
};
std::unique_ptr<ArgusServer> FramesLive::server_;
std::string FramesLive::admin_, FramesLive::supervisor_;

}  // namespace

TEST_F(FramesLive, PushedFramesJoinTheCamerasLiveViewWebSocketAndHistory) {
  int64_t cam = make_camera("Pushed door");
  std::string sid = std::to_string(cam);
  WsClient ws(server_->port(), "/api/v1/ws?token=" + admin_);
  ASSERT_TRUE(ws.read_type("connection_established"));
  ws.send({{"type", "subscribe"}, {"camera_id", cam}});
  ASSERT_TRUE(ws.read_type("subscribed"));

  // The same photo four times: every face is seen in every frame, so each becomes one track
  // (tentative on the first frame, confirmed from the second: tracker min_hits 2).
  std::set<uint64_t> tracks;
  size_t faces = 0;
  for (int i = 0; i < 4; ++i) {
    auto r = push(cam, "live_" + sid + "_" + std::to_string(i), photo_);
    ASSERT_EQ(r.status, 200) << r.body;
    Json j = r.json();
    EXPECT_EQ(j["processing_info"]["camera_name"], "Pushed door");
    const Json& dets = j["detections"];
    ASSERT_FALSE(dets.empty()) << "no face found in " << sample_path(1);
    if (i == 0) faces = dets.size();
    EXPECT_EQ(dets.size(), faces) << "frame " << i;
    for (const auto& d : dets) {
      ASSERT_TRUE(d["track_id"].is_number_unsigned()) << d.dump();
      uint64_t t = d["track_id"];
      if (i == 0) {
        EXPECT_EQ(t, 0u) << "a track is confirmed on its second frame";
      } else {
        EXPECT_GT(t, kPushedTrackIdBase);
        tracks.insert(t);
      }
    }
  }
  EXPECT_EQ(tracks.size(), faces) << "one track per face over the sequence";

  // Live cache: the latest pushed frame's detections, in the cameras' detection_event shape.
  auto live = client().get("/api/v1/detections/live?camera_id=" + sid, admin_);
  ASSERT_EQ(live.status, 200) << live.body;
  const Json results = live.json()["data"]["results"];
  ASSERT_EQ(results.size(), 1u) << live.body;
  EXPECT_EQ(results[0]["camera_id"], cam);
  EXPECT_EQ(results[0]["detections"].size(), faces);
  for (const auto& d : results[0]["detections"]) EXPECT_TRUE(tracks.count(d["track_id"].get<uint64_t>())) << d.dump();
  EXPECT_TRUE(results[0]["timings"].contains("total_ms"));

  // WebSocket: the subscriber got detection_events for the camera, with the track ids.
  Json event;
  ASSERT_TRUE(ws.read_until([&](const WsClient::Msg& m) {
    Json j = m.binary ? Json() : m.json();
    if (!j.is_object() || j.value("type", "") != "detection_event") return false;
    if (j["data"]["camera_id"] != cam || j["data"]["detections"].empty()) return false;
    if (j["data"]["detections"][0]["track_id"] == 0) return false;  // the first, tentative frame
    event = j;
    return true;
  }, 10s)) << "no detection_event for camera " << cam;
  for (const char* k : {"frame_seq", "frame_ts", "width", "height", "detections", "timings", "model"})
    EXPECT_TRUE(event["data"].contains(k)) << k << " " << event.dump().substr(0, 300);
  EXPECT_TRUE(tracks.count(event["data"]["detections"][0]["track_id"].get<uint64_t>()));

  // No more pushes: each track ends after sighting_close_ms, and the subscriber hears it.
  std::set<uint64_t> ended;
  ASSERT_TRUE(ws.read_until([&](const WsClient::Msg& m) {
    Json j = m.binary ? Json() : m.json();
    if (j.is_object() && j.value("type", "") == "track_update" && j["data"].value("event", "") == "track_ended")
      ended.insert(j["data"]["track_id"].get<uint64_t>());
    return ended.size() == tracks.size();
  }, 15s)) << ended.size() << " of " << tracks.size() << " tracks ended";
  EXPECT_EQ(ended, tracks);

  // History: exactly one sighting per track (not one per frame), each seen in >= 3 frames.
  ASSERT_TRUE(wait_until([&] { return sightings_total("&camera_id=" + sid) == static_cast<int64_t>(tracks.size()); }, 5s))
      << client().get("/api/v1/detections?camera_id=" + sid, admin_).body;
  std::set<uint64_t> stored;
  const Json rows = client().get("/api/v1/detections?per_page=100&camera_id=" + sid, admin_).json()["data"]["detections"];
  for (const auto& s : rows) {
    stored.insert(s["track_id"].get<uint64_t>());
    EXPECT_EQ(s["camera_name"], "Pushed door");
    EXPECT_GE(s["frame_count"].get<int64_t>(), 3) << s.dump();
  }
  EXPECT_EQ(stored, tracks);

  // A later push is a new visit: new tracks, numbered on, not the ended ones.
  auto again = push(cam, "live_" + sid + "_again0", photo_);
  again = push(cam, "live_" + sid + "_again1", photo_);
  ASSERT_EQ(again.status, 200) << again.body;
  const Json again_dets = again.json()["detections"];
  for (const auto& d : again_dets) EXPECT_FALSE(tracks.count(d["track_id"].get<uint64_t>())) << d.dump();

  // Deleting the camera ends its open tracks at once (no error, no stray sightings later).
  EXPECT_EQ(client().del("/api/v1/cameras/" + sid, admin_).status, 200);
}

// A camera fed only through process-frame shows its pushed frames in the live view (snapshot,
// MJPEG, WebSocket video), each picture labelled with the frame_seq / frame_ts its detections
// carry, so the dashboard draws the boxes on the right picture.
TEST_F(FramesLive, PushedFramesShowInTheLiveVideo) {
  int64_t cam = make_camera("Pushed lobby");
  std::string sid = std::to_string(cam);
  EXPECT_EQ(client().get("/api/v1/cameras/" + sid + "/snapshot", admin_).status, 409) << "no frame yet";

  WsClient ws(server_->port(), "/api/v1/ws?token=" + admin_);
  ASSERT_TRUE(ws.read_type("connection_established"));
  ws.send({{"type", "subscribe"}, {"camera_id", cam}, {"video", {{"fps", 5}, {"width", 320}}}});
  ASSERT_TRUE(ws.read_type("subscribed"));

  auto r = push(cam, "video_" + sid, photo_);
  ASSERT_EQ(r.status, 200) << r.body;
  auto live = client().get("/api/v1/detections/live?camera_id=" + sid, admin_);
  ASSERT_EQ(live.status, 200) << live.body;
  const Json result = live.json()["data"]["results"][0];
  const uint64_t seq = result["frame_seq"];
  const int64_t ts = result["frame_ts"];
  EXPECT_EQ(seq, 1u) << "the camera's first pushed frame";

  auto snap = client().get("/api/v1/cameras/" + sid + "/snapshot", admin_);
  ASSERT_EQ(snap.status, 200) << snap.body.substr(0, 200);
  EXPECT_EQ(snap.headers["content-type"], "image/jpeg");
  ASSERT_GT(snap.body.size(), 1000u);
  EXPECT_EQ(static_cast<unsigned char>(snap.body[0]), 0xFF);
  EXPECT_EQ(static_cast<unsigned char>(snap.body[1]), 0xD8);

  // MJPEG: the stream starts with the last pushed frame, then waits for the next push.
  auto mj = get_some(server_->port(), "/api/v1/cameras/" + sid + "/mjpeg?fps=10&token=" + admin_, 2000, 3);
  EXPECT_EQ(mj.status, 200) << mj.body.substr(0, 200);
  EXPECT_NE(mj.body.find("X-Frame-Seq: " + std::to_string(seq) + "\r\n"), std::string::npos) << mj.body.substr(0, 200);
  EXPECT_NE(mj.body.find("X-Frame-Timestamp: " + std::to_string(ts) + "\r\n"), std::string::npos) << mj.body.substr(0, 200);

  // WebSocket video: 16-byte header (u32 camera, u32 seq, f64 timestamp ms, little-endian) + JPEG.
  WsClient::Msg video;
  ASSERT_TRUE(ws.read_until([&](const WsClient::Msg& m) {
    if (!m.binary) return false;
    video = m;
    return true;
  }, 10s)) << "no video frame for a pushed-only camera";
  ASSERT_GT(video.data.size(), 18u);
  uint32_t vcam = 0, vseq = 0;
  double vts = 0;
  std::memcpy(&vcam, video.data.data(), 4);  // the test host is little-endian (x86-64)
  std::memcpy(&vseq, video.data.data() + 4, 4);
  std::memcpy(&vts, video.data.data() + 8, 8);
  EXPECT_EQ(vcam, static_cast<uint32_t>(cam));
  EXPECT_EQ(vseq, seq);
  EXPECT_EQ(static_cast<int64_t>(vts), ts);
  EXPECT_EQ(static_cast<unsigned char>(video.data[16]), 0xFF);
  EXPECT_EQ(static_cast<unsigned char>(video.data[17]), 0xD8);

  // Deleted: no live view any more.
  EXPECT_EQ(client().del("/api/v1/cameras/" + sid, admin_).status, 200);
  EXPECT_EQ(client().get("/api/v1/cameras/" + sid + "/snapshot", admin_).status, 404);
}

TEST_F(FramesLive, ExternalCameraIsAnsweredOnlyAndUnknownArgusCameraIs404) {
  int64_t before = sightings_total();
  auto live_before = client().get("/api/v1/detections/live", admin_).json()["data"]["results"].size();
  for (int i = 0; i < 4; ++i) {
    auto r = push("cam_550e8400-e29b-41d4-a716-446655440000", "ext_" + std::to_string(i), photo_);
    ASSERT_EQ(r.status, 200) << r.body;
    const Json dets = r.json()["detections"];
    ASSERT_FALSE(dets.empty());
    for (const auto& d : dets) EXPECT_TRUE(d["track_id"].is_null()) << d.dump();
    EXPECT_TRUE(r.json()["processing_info"]["camera_name"].is_null());
  }
  EXPECT_EQ(client().get("/api/v1/detections/live", admin_).json()["data"]["results"].size(), live_before);
  std::this_thread::sleep_for(2s);  // past sighting_close_ms: any track would have been written
  EXPECT_EQ(sightings_total(), before);

  for (const Json& id : {Json(987654), Json("987654")}) {
    auto r = push(id, std::string("unknown_") + (id.is_string() ? "s" : "i"), photo_);
    EXPECT_EQ(r.status, 404) << r.body;
    EXPECT_EQ(r.json()["error"]["code"], "NOT_FOUND") << r.body;
  }
}
