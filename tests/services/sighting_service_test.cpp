// Sightings, their statistics and attendance as users ask for them, against a real SQLite
// store: hour buckets, identified/unknown counts, and camera-limited users.
#include "services/sighting_service.h"

#include <gtest/gtest.h>

#include "test_util.h"

using namespace argus;

namespace {

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kNow = 1'800'000'000'000 + 30 * 60'000;  // half past a whole hour

class SightingServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store = store::open_sqlite_store(dir.path() + "/t.db", 2);
    for (const char* name : {"Door", "Lobby"}) {
      store::CameraRecord c;
      c.name = name;
      c.camera_type = "rtsp";
      c.source_sealed = {1};  // not opened here
      cameras.push_back(store->create_camera(c).id);
    }
    store::PersonRecord p;
    p.name = "Ada";
    ada = store->create_person(p).id;
  }
  // A sighting on camera `cam` (index) from `first` to `last` ms before kNow.
  void sighting(size_t cam, int64_t first_ago, int64_t last_ago, std::optional<int64_t> person) {
    store::SightingRecord s;
    s.camera_id = cameras[cam];
    s.track_id = ++track;
    s.first_seen = kNow - first_ago;
    s.last_seen = kNow - last_ago;
    s.person_id = person;
    s.best_confidence = 0.9;
    store->upsert_sighting(s);
  }
  auth::Principal user(std::vector<int64_t> cams = {}) { return auth::Principal{7, "u", auth::Role::viewer, std::move(cams), "", 0}; }

  argus_test::TempDir dir;
  std::unique_ptr<store::Store> store;
  std::vector<int64_t> cameras;
  int64_t ada = 0, track = 0;
};

}  // namespace

TEST_F(SightingServiceTest, StatisticsCountTheHoursSightingsBeganInAndOnlyTheUsersCameras) {
  sighting(0, 10 * 60'000, 5 * 60'000, ada);          // this hour, Ada at the door
  sighting(0, 70 * 60'000, 65 * 60'000, std::nullopt);  // the hour before, unknown
  sighting(1, 3 * kHour, 20 * 60'000, ada);            // began before the period, seen in it
  sighting(1, 5 * kHour, 4 * kHour, std::nullopt);     // over before the period: not counted
  services::SightingService svc(*store);

  auto st = svc.statistics(2, user(), kNow);
  EXPECT_EQ(st.start_ms, kNow - 2 * kHour);
  EXPECT_EQ(st.total, 3);
  EXPECT_EQ(st.identified, 2);
  EXPECT_EQ(st.unique_persons, 1);
  EXPECT_FALSE(st.truncated);
  ASSERT_EQ(st.per_hour.size(), 3u);  // the hour holding the start, the one after, the current one
  EXPECT_EQ(st.per_hour[0].start_ms, kNow - 2 * kHour - 30 * 60'000);
  EXPECT_EQ(st.per_hour[0].count, 1) << "a sighting that began earlier counts in the first hour";
  EXPECT_EQ(st.per_hour[1].unknown, 1);
  EXPECT_EQ(st.per_hour[2].identified, 1);
  ASSERT_EQ(st.per_camera.size(), 2u);
  EXPECT_EQ(st.per_camera[0].camera_name, "Door");
  EXPECT_EQ(st.per_camera[0].count, 2);
  EXPECT_EQ(st.per_camera[1].count, 1);

  // A user of the lobby only sees the lobby's.
  auto lobby = svc.statistics(2, user({cameras[1]}), kNow);
  EXPECT_EQ(lobby.total, 1);
  ASSERT_EQ(lobby.per_camera.size(), 1u);
  EXPECT_EQ(lobby.per_camera[0].camera_name, "Lobby");

  // A cap: counted up to it, and said so.
  auto capped = svc.statistics(2, user(), kNow, 2);
  EXPECT_EQ(capped.total, 2);
  EXPECT_TRUE(capped.truncated);
}

TEST_F(SightingServiceTest, ACameraTheUserMayNotSeeIsNeitherListedNorFound) {
  sighting(0, 60'000, 0, ada);
  sighting(1, 60'000, 0, std::nullopt);
  services::SightingService svc(*store);
  EXPECT_EQ(svc.list({1, 20}, {}, user()).total, 2);
  auto lobby_user = user({cameras[1]});
  auto mine = svc.list({1, 20}, {}, lobby_user);
  ASSERT_EQ(mine.items.size(), 1u);
  EXPECT_EQ(mine.items[0].camera_id, cameras[1]);
  store::SightingFilter door;
  door.camera_id = cameras[0];
  EXPECT_EQ(svc.list({1, 20}, door, lobby_user).total, 0);
  auto all = svc.list({1, 20}, {}, user());
  for (const auto& s : all.items)
    EXPECT_EQ(svc.get(s.id, lobby_user).has_value(), s.camera_id == cameras[1]) << s.camera_id;
}

TEST_F(SightingServiceTest, AttendanceOfACameraLimitedUserListsOnlyTheirCameras) {
  store->record_attendance(ada, "2027-01-15", kNow - kHour, cameras[0]);
  store->record_attendance(ada, "2027-01-15", kNow, cameras[1]);
  store->record_attendance(ada, "2027-01-16", kNow + 24 * kHour, cameras[0]);
  services::SightingService svc(*store);
  auto all = svc.attendance("2027-01-15", "2027-01-16", std::nullopt, user());
  ASSERT_EQ(all.size(), 2u);
  auto lobby = svc.attendance("2027-01-15", "2027-01-16", std::nullopt, user({cameras[1]}));
  ASSERT_EQ(lobby.size(), 1u) << "the 16th was seen by the door only";
  EXPECT_EQ(lobby[0].date, "2027-01-15");
  EXPECT_EQ(lobby[0].camera_ids, std::vector<int64_t>{cameras[1]});
}
