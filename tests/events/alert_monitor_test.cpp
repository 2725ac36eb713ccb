#include <gtest/gtest.h>

#include "events/alert_monitor.h"

using argus::events::Alert;
using argus::events::AlertConfig;
using argus::events::AlertMonitor;
using argus::events::CameraSnapshot;

namespace {

CameraSnapshot camera(int64_t id, const std::string& state, int64_t since_ms, uint64_t missed = 0, uint64_t processed = 0) {
  CameraSnapshot c;
  c.id = id;
  c.name = "Door " + std::to_string(id);
  c.state = state;
  c.state_since_ms = since_ms;
  c.last_error = state == "live" ? "" : "OPEN_FAILED: connection refused";
  c.detections_missed = missed;
  c.frames_processed = processed;
  return c;
}

AlertConfig config() {
  AlertConfig c;
  c.offline_after_ms = 30000;
  c.overload_ratio = 0.1;
  c.overload_window_ms = 60000;
  c.disk_free_bytes = 1000ull << 20;
  return c;
}

}  // namespace

TEST(AlertMonitor, ACameraDownLongerThanTheLimitIsRaisedOnceAndClearedWhenLive) {
  AlertMonitor m(config());
  const int64_t t0 = 1'700'000'000'000;
  EXPECT_TRUE(m.update({camera(3, "connecting", t0)}, std::nullopt, t0 + 1000).empty());
  // Reconnecting cycles error -> connecting with fresh state_since; the outage still began at t0.
  EXPECT_TRUE(m.update({camera(3, "error", t0 + 20000)}, std::nullopt, t0 + 20000).empty());
  auto raised = m.update({camera(3, "connecting", t0 + 29000)}, std::nullopt, t0 + 31000);
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].id, "camera_offline:3");
  EXPECT_EQ(raised[0].kind, "camera_offline");
  EXPECT_TRUE(raised[0].active);
  EXPECT_EQ(raised[0].since_ms, t0);
  EXPECT_EQ(raised[0].camera, 3);
  EXPECT_NE(raised[0].message.find("Door 3"), std::string::npos) << raised[0].message;
  EXPECT_NE(raised[0].message.find("connection refused"), std::string::npos) << raised[0].message;
  EXPECT_TRUE(m.update({camera(3, "error", t0 + 40000)}, std::nullopt, t0 + 60000).empty()) << "announced once";
  ASSERT_EQ(m.active().size(), 1u);
  auto cleared = m.update({camera(3, "live", t0 + 61000)}, std::nullopt, t0 + 62000);
  ASSERT_EQ(cleared.size(), 1u);
  EXPECT_EQ(cleared[0].id, "camera_offline:3");
  EXPECT_FALSE(cleared[0].active);
  EXPECT_TRUE(m.active().empty());
  // A new outage starts a new count.
  EXPECT_TRUE(m.update({camera(3, "error", t0 + 70000)}, std::nullopt, t0 + 70000).empty());
}

TEST(AlertMonitor, AStoppedOrRemovedCameraClearsItsAlerts) {
  AlertMonitor m(config());
  const int64_t t0 = 1'700'000'000'000;
  ASSERT_EQ(m.update({camera(1, "error", t0), camera(2, "live", t0)}, std::nullopt, t0 + 40000).size(), 1u);
  auto cleared = m.update({camera(2, "live", t0)}, std::nullopt, t0 + 42000);
  ASSERT_EQ(cleared.size(), 1u);
  EXPECT_EQ(cleared[0].id, "camera_offline:1");
  EXPECT_FALSE(cleared[0].active);
  // Started again later: down only from its new start.
  EXPECT_TRUE(m.update({camera(1, "connecting", t0 + 50000), camera(2, "live", t0)}, std::nullopt, t0 + 52000).empty());
}

TEST(AlertMonitor, OverloadNeedsAFullWindowAndClearsBelowHalfTheRatio) {
  AlertMonitor m(config());
  const int64_t t0 = 1'700'000'000'000;
  // 5 analyses a second, 20 % of slots missed from the start: no verdict before ~a minute.
  uint64_t missed = 0, processed = 0;
  std::vector<Alert> raised;
  for (int s = 0; s <= 60; s += 2) {
    auto changes = m.update({camera(4, "live", t0, missed, processed)}, std::nullopt, t0 + s * 1000);
    if (s < 54) {
      EXPECT_TRUE(changes.empty()) << "at " << s << " s";
    }
    raised.insert(raised.end(), changes.begin(), changes.end());
    missed += 2;     // 1 per second
    processed += 8;  // 4 per second
  }
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].id, "analysis_overloaded:4");
  EXPECT_NE(raised[0].message.find("20 %"), std::string::npos) << raised[0].message;
  // About 6 % (between half the ratio and the ratio): stays raised.
  for (int s = 62; s <= 130; s += 2) {
    processed += 10;
    if (s % 10 == 0) missed += 3;  // 3 per 10 s against 40 analyses
    EXPECT_TRUE(m.update({camera(4, "live", t0, missed, processed)}, std::nullopt, t0 + s * 1000).empty()) << s;
  }
  // Nothing missed for a minute: cleared.
  std::vector<Alert> cleared;
  for (int s = 132; s <= 200 && cleared.empty(); s += 2) {
    processed += 10;
    cleared = m.update({camera(4, "live", t0, missed, processed)}, std::nullopt, t0 + s * 1000);
  }
  ASSERT_EQ(cleared.size(), 1u);
  EXPECT_FALSE(cleared[0].active);
  EXPECT_TRUE(m.active().empty());
}

TEST(AlertMonitor, ARestartedSessionDoesNotLookOverloaded) {
  AlertMonitor m(config());
  const int64_t t0 = 1'700'000'000'000;
  m.update({camera(5, "live", t0, 0, 0)}, std::nullopt, t0);
  m.update({camera(5, "live", t0, 100, 10)}, std::nullopt, t0 + 30000);  // an old session, overloaded
  // Counters back near zero: a new session. Its first minute has no verdict.
  EXPECT_TRUE(m.update({camera(5, "live", t0, 0, 5)}, std::nullopt, t0 + 62000).empty());
  EXPECT_TRUE(m.update({camera(5, "live", t0, 0, 300)}, std::nullopt, t0 + 100000).empty());
}

TEST(AlertMonitor, DiskLowIsCriticalAndClearsWithMargin) {
  AlertMonitor m(config());
  const int64_t t0 = 1'700'000'000'000;
  EXPECT_TRUE(m.update({}, 2000ull << 20, t0).empty());
  auto raised = m.update({}, 900ull << 20, t0 + 2000);
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].id, "disk_low");
  EXPECT_EQ(raised[0].severity, "critical");
  EXPECT_FALSE(raised[0].camera);
  EXPECT_NE(raised[0].message.find("900 MB"), std::string::npos) << raised[0].message;
  EXPECT_TRUE(m.update({}, 1100ull << 20, t0 + 4000).empty()) << "just above the limit: not yet cleared";
  EXPECT_TRUE(m.update({}, std::nullopt, t0 + 5000).empty()) << "unknown free space changes nothing";
  auto cleared = m.update({}, 1300ull << 20, t0 + 6000);
  ASSERT_EQ(cleared.size(), 1u);
  EXPECT_FALSE(cleared[0].active);
}

TEST(AlertMonitor, ZeroTurnsARuleOff) {
  AlertConfig off;
  off.offline_after_ms = 0;
  off.overload_ratio = 0;
  off.disk_free_bytes = 0;
  AlertMonitor m(off);
  const int64_t t0 = 1'700'000'000'000;
  for (int s = 0; s <= 120; s += 2)
    EXPECT_TRUE(m.update({camera(6, "error", t0, s * 10, 0)}, uint64_t{0}, t0 + s * 1000).empty());
}

TEST(AlertMonitor, JsonShape) {
  Alert a{"camera_offline:3", "camera_offline", "warning", 3, "Camera 'Door' has not been live for 31 s", 1'700'000'000'000, true};
  auto j = a.to_json();
  EXPECT_EQ(j["id"], "camera_offline:3");
  EXPECT_EQ(j["alert"], "camera_offline");
  EXPECT_EQ(j["severity"], "warning");
  EXPECT_EQ(j["camera_id"], 3);
  EXPECT_EQ(j["active"], true);
  EXPECT_EQ(j["since"], "2023-11-14T22:13:20.000Z");
  a.camera.reset();
  EXPECT_TRUE(a.to_json()["camera_id"].is_null());
}

// A push camera nobody feeds is "waiting": idle, never offline; an outage before it ends there.
TEST(AlertMonitor, AWaitingPushCameraIsNeverOffline) {
  AlertMonitor m(config());
  const int64_t t0 = 1'700'000'000'000;
  EXPECT_TRUE(m.update({camera(4, "waiting", t0)}, std::nullopt, t0 + 1000).empty());
  EXPECT_TRUE(m.update({camera(4, "waiting", t0)}, std::nullopt, t0 + 3'600'000).empty()) << "an hour idle is no alert";
  ASSERT_EQ(m.update({camera(4, "error", t0 + 3'600'000)}, std::nullopt, t0 + 3'640'000).size(), 1u);  // a real fault is
  auto cleared = m.update({camera(4, "waiting", t0 + 3'650'000)}, std::nullopt, t0 + 3'650'000);
  ASSERT_EQ(cleared.size(), 1u);
  EXPECT_FALSE(cleared[0].active);
  EXPECT_NE(cleared[0].message.find("waiting"), std::string::npos) << cleared[0].message;
  EXPECT_TRUE(m.active().empty());
}

// ... unless its owner asked to hear of it: a device that pushes frames and dies is waiting too.
TEST(AlertMonitor, APushCameraWaitingLongerThanItsIdleAlertIsRaisedAndClearedByFrames) {
  AlertMonitor m(config());
  const int64_t t0 = 1'700'000'000'000;
  auto waiting = [&](int64_t since, int64_t idle_ms) {
    auto c = camera(5, "waiting", since);
    c.idle_alert_ms = idle_ms;
    return c;
  };
  EXPECT_TRUE(m.update({waiting(t0, 300'000)}, std::nullopt, t0 + 299'000).empty());
  auto raised = m.update({waiting(t0, 300'000)}, std::nullopt, t0 + 301'000);
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].id, "camera_idle:5");
  EXPECT_EQ(raised[0].kind, "camera_idle");
  EXPECT_EQ(raised[0].since_ms, t0);
  EXPECT_EQ(raised[0].camera, 5);
  EXPECT_NE(raised[0].message.find("Door 5"), std::string::npos) << raised[0].message;
  EXPECT_NE(raised[0].message.find("301 s"), std::string::npos) << raised[0].message;
  EXPECT_TRUE(m.update({waiting(t0, 300'000)}, std::nullopt, t0 + 400'000).empty()) << "announced once";
  auto cleared = m.update({camera(5, "live", t0 + 410'000)}, std::nullopt, t0 + 410'000);
  ASSERT_EQ(cleared.size(), 1u);
  EXPECT_EQ(cleared[0].id, "camera_idle:5");
  EXPECT_FALSE(cleared[0].active);
  EXPECT_NE(cleared[0].message.find("frames again"), std::string::npos) << cleared[0].message;

  // Waiting again counts from the new state_since; turning the setting off clears the alert.
  EXPECT_TRUE(m.update({waiting(t0 + 500'000, 300'000)}, std::nullopt, t0 + 700'000).empty());
  ASSERT_EQ(m.update({waiting(t0 + 500'000, 300'000)}, std::nullopt, t0 + 800'000).size(), 1u);
  auto off = m.update({waiting(t0 + 500'000, 0)}, std::nullopt, t0 + 810'000);
  ASSERT_EQ(off.size(), 1u);
  EXPECT_FALSE(off[0].active);
  EXPECT_NE(off[0].message.find("turned off"), std::string::npos) << off[0].message;
  EXPECT_TRUE(m.update({waiting(t0 + 500'000, 0)}, std::nullopt, t0 + 9'000'000).empty()) << "0: never";
  EXPECT_TRUE(m.active().empty());

  // The setting arrives through the session's statistics.
  auto snap = CameraSnapshot::from_stats({{"camera_id", 5}, {"state", "waiting"}, {"idle_alert_s", 120}});
  EXPECT_EQ(snap.idle_alert_ms, 120'000);
}
