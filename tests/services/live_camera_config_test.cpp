// A stored camera as the live pipeline sees it: CameraService writes the record from a
// request body, live_camera_config reads it (real SQLite store).
#include "services/live_camera_config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "services/audit_service.h"
#include "services/camera_service.h"
#include "test_util.h"

using namespace argus;

namespace {

class LiveCameraConfig : public ::testing::Test {
 protected:
  void SetUp() override { store = store::open_sqlite_store(dir.path() + "/t.db", 2); }
  store::CameraRecord create(const Json& body) {
    auto c = cameras->create(body, admin, "test");
    EXPECT_TRUE(static_cast<bool>(c)) << (c ? "" : c.error().message);
    return c ? *c : store::CameraRecord{};
  }
  CameraConfig live(const store::CameraRecord& c) {
    auto src = cameras->source(c.id);
    EXPECT_TRUE(src.has_value());
    return services::live_camera_config(*store->camera(c.id), src ? src->url : "", 5);
  }
  argus_test::TempDir dir;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<services::AuditService> audit;
  std::unique_ptr<services::CameraService> cameras;
  auth::Principal admin{1, "admin", auth::Role::admin, {}, "", 0};

 public:
  void init() {
    audit = std::make_unique<services::AuditService>(*store);
    cameras = std::make_unique<services::CameraService>(*store, *audit, std::string(32, 'k'), dir.path());
  }
};

TEST_F(LiveCameraConfig, AUsbCameraAsksTheDeviceForItsStoredSizeAndRateOnlyWhenSet) {
  init();
  // What the live pipeline will ask the device for ("" = nothing, the device's default).
  using Asked = std::pair<std::string, std::string>;
  auto asks = [&](const store::CameraRecord& r) {
    CameraConfig c = live(r);
    return Asked{c.source.video_size, c.source.framerate};
  };
  auto update = [&](int64_t id, const Json& body) {
    auto r = cameras->update(id, body, admin, "test");
    EXPECT_TRUE(static_cast<bool>(r)) << (r ? "" : r.error().message);
    return r ? *r : store::CameraRecord{};
  };

  // Created without a format: the device's default, nothing requested.
  auto plain = create({{"name", "webcam"}, {"camera_type", "usb"}, {"source", "/dev/video0"}});
  EXPECT_EQ(plain.width, 0);
  EXPECT_EQ(plain.fps, 0);
  EXPECT_EQ(live(plain).url, "/dev/video0");
  EXPECT_EQ(asks(plain), Asked("", ""));

  auto sized = create({{"name", "desk"}, {"camera_type", "usb"}, {"source", "/dev/video1"},
                       {"resolution_width", 1280}, {"resolution_height", 720}, {"fps", 30}});
  EXPECT_EQ(asks(sized), Asked("1280x720", "30"));
  // An edit back to 0 returns the choice to the device.
  EXPECT_EQ(asks(update(sized.id, {{"resolution_width", 0}, {"resolution_height", 0}, {"fps", 0}})), Asked("", ""));

  // An RTSP camera turned USB does not ask the device for the stream's old size.
  auto was_rtsp = create({{"name", "moved"}, {"camera_type", "rtsp"}, {"source", "rtsp://10.0.0.9/s"},
                          {"resolution_width", 2560}, {"resolution_height", 1440}, {"fps", 20}});
  EXPECT_EQ(asks(update(was_rtsp.id, {{"camera_type", "usb"}, {"source", "/dev/video2"}})), Asked("", ""));
  // A USB camera edited without a format (the form sends its type again) keeps the one it asks for.
  auto kept = create({{"name", "door"}, {"camera_type", "usb"}, {"source", "/dev/video3"},
                      {"resolution_width", 640}, {"resolution_height", 480}, {"fps", 15}});
  EXPECT_EQ(asks(update(kept.id, {{"name", "door 2"}, {"camera_type", "usb"}})), Asked("640x480", "15"));

  // 1..15 px is no size at all: refused with the field named, the record unchanged.
  auto bad = cameras->update(kept.id, {{"resolution_width", 8}}, admin, "test");
  ASSERT_FALSE(static_cast<bool>(bad));
  EXPECT_TRUE(bad.error().details.contains("resolution_width")) << bad.error().message;
  ASSERT_TRUE(store->camera(kept.id).has_value());
  EXPECT_EQ(asks(*store->camera(kept.id)), Asked("640x480", "15"));
}

TEST_F(LiveCameraConfig, NetworkStreamsKeepTheirOwnFormatAndCarryTheirDetectionSettings) {
  init();
  auto cam = create({{"name", "door"}, {"camera_type", "rtsp"}, {"source", "rtsp://10.0.0.5/stream1"},
                     {"resolution_width", 1280}, {"resolution_height", 720}, {"fps", 15},
                     {"settings", {{"rtsp_transport", "udp"}}},
                     {"detection", {{"fps_limit", 2}, {"min_face_size", 48}, {"confidence_threshold", 0.7},
                                    {"max_faces_per_frame", 3}, {"enabled", false}}}});
  CameraConfig c = live(cam);
  EXPECT_EQ(c.type, "rtsp");
  EXPECT_EQ(c.source.video_size, "");  // an RTSP camera sends what it is configured to send
  EXPECT_EQ(c.source.framerate, "");
  EXPECT_EQ(c.source.rtsp_transport, "udp");
  EXPECT_DOUBLE_EQ(c.fps_limit, 2);
  EXPECT_FALSE(c.detection_enabled);
  EXPECT_FLOAT_EQ(c.limits.min_face_size, 48);
  EXPECT_FLOAT_EQ(c.limits.min_confidence, 0.7f);
  EXPECT_EQ(c.limits.max_faces, 3);

  std::ofstream(dir.path() + "/clip.mp4") << "not decoded here";
  auto file = create({{"name", "clip"}, {"camera_type", "file"}, {"source", "clip.mp4"}, {"settings", {{"loop", false}}}});
  c = live(file);
  EXPECT_TRUE(c.source.realtime);
  EXPECT_FALSE(c.source.loop);
}

TEST_F(LiveCameraConfig, SettingsTheServerActsOnAreCheckedAndAPushCameraCarriesItsIdleAlert) {
  init();
  auto push = create({{"name", "tablet"}, {"camera_type", "websocket"}, {"settings", {{"idle_alert_s", 300}, {"note", "lobby"}}}});
  EXPECT_EQ(live(push).idle_alert_ms, 300'000);
  EXPECT_EQ(store->camera(push.id)->settings["note"], "lobby") << "keys of the caller's own are kept";
  // Only a push camera waits for frames; any other kind goes offline instead.
  auto rtsp = create({{"name", "gate"}, {"camera_type", "rtsp"}, {"source", "rtsp://10.0.0.5/s"}, {"settings", {{"idle_alert_s", 300}}}});
  EXPECT_EQ(live(rtsp).idle_alert_ms, 0);

  // A wrong value would surface only as a camera that fails to connect or loops forever:
  // refused with the field named, the record unchanged.
  for (const Json& bad : {Json{{"rtsp_transport", "http"}}, Json{{"loop", "yes"}}, Json{{"idle_alert_s", -1}},
                          Json{{"idle_alert_s", 1.5}}, Json{{"idle_alert_s", 8 * 86400}}}) {
    auto r = cameras->update(push.id, {{"settings", bad}}, admin, "test");
    ASSERT_FALSE(static_cast<bool>(r)) << bad.dump();
    EXPECT_TRUE(r.error().details.contains("settings." + bad.begin().key())) << bad.dump() << " " << Json(r.error().details).dump();
  }
  EXPECT_EQ(live(*store->camera(push.id)).idle_alert_ms, 300'000);
  // 0 turns it off.
  ASSERT_TRUE(static_cast<bool>(cameras->update(push.id, {{"settings", {{"idle_alert_s", 0}}}}, admin, "test")));
  EXPECT_EQ(live(*store->camera(push.id)).idle_alert_ms, 0);
}

}  // namespace
