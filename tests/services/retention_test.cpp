// Retention of sightings and snapshots (system configuration eventRetentionDays,
// snapshotRetentionDays), against a real SQLite store and real files.
#include "services/retention.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "test_util.h"

using namespace argus;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kNow = 1'800'000'000'000;

class Retention : public ::testing::Test {
 protected:
  void SetUp() override {
    store = store::open_sqlite_store(dir.path() + "/t.db", 2);
    blobs = dir.path() + "/blobs";
  }
  // A sighting last seen `age_days` ago, with a snapshot file when `snapshot`.
  int64_t sighting(double age_days, bool snapshot) {
    store::SightingRecord s;
    s.camera_id = 1;
    s.track_id = ++track;
    s.last_seen = kNow - static_cast<int64_t>(age_days * kDay);
    s.first_seen = s.last_seen - 1000;
    s.best_confidence = 0.9;
    s.id = store->upsert_sighting(s);
    if (snapshot) {
      s.snapshot_path = "snapshots/1/" + std::to_string(s.id) + ".jpg";
      fs::create_directories(blobs + "/snapshots/1");
      std::ofstream(blobs + "/" + s.snapshot_path) << "jpeg";
      store->upsert_sighting(s);
    }
    return s.id;
  }
  bool file_of(int64_t id) { return fs::exists(blobs + "/snapshots/1/" + std::to_string(id) + ".jpg"); }

  argus_test::TempDir dir;
  std::unique_ptr<store::Store> store;
  std::string blobs;
  int64_t track = 0;
};

}  // namespace

TEST_F(Retention, OldSightingsGoWithTheirSnapshotsOlderSnapshotsGoAlone) {
  int64_t recent = sighting(1, true);          // kept whole
  int64_t month = sighting(45, true);          // past snapshotRetentionDays (30): loses its picture
  int64_t month_bare = sighting(40, false);    // nothing to delete
  int64_t old = sighting(100, true);           // past eventRetentionDays (90): deleted with its file
  int64_t old_bare = sighting(200, false);     // deleted
  Json cfg = {{"eventRetentionDays", 90}, {"snapshotRetentionDays", 30}};

  auto r = services::apply_retention(*store, blobs, cfg, kNow);
  EXPECT_EQ(r.sightings_deleted, 2u);
  EXPECT_EQ(r.snapshots_deleted, 2u);
  EXPECT_FALSE(store->sighting(old));
  EXPECT_FALSE(store->sighting(old_bare));
  EXPECT_FALSE(file_of(old));
  ASSERT_TRUE(store->sighting(month));
  EXPECT_EQ(store->sighting(month)->snapshot_path, "");
  EXPECT_FALSE(file_of(month));
  EXPECT_TRUE(store->sighting(month_bare));
  ASSERT_TRUE(store->sighting(recent));
  EXPECT_NE(store->sighting(recent)->snapshot_path, "");
  EXPECT_TRUE(file_of(recent));

  // A second pass finds nothing more.
  r = services::apply_retention(*store, blobs, cfg, kNow);
  EXPECT_EQ(r.sightings_deleted, 0u);
  EXPECT_EQ(r.snapshots_deleted, 0u);
}

TEST_F(Retention, NoSettingsKeepEverythingAndForeignPathsAreNotDeleted) {
  int64_t old = sighting(1000, true);
  auto r = services::apply_retention(*store, blobs, Json::object(), kNow);
  EXPECT_EQ(r.sightings_deleted, 0u);
  EXPECT_TRUE(store->sighting(old));
  EXPECT_TRUE(file_of(old));

  // A stored path that leaves the blob folder is cleared from the row but its file is not touched.
  std::string outside = dir.path() + "/outside.jpg";
  std::ofstream(outside) << "not ours";
  store::SightingRecord s = *store->sighting(old);
  s.snapshot_path = "../outside.jpg";
  store->upsert_sighting(s);
  r = services::apply_retention(*store, blobs, {{"snapshotRetentionDays", 30}}, kNow);
  EXPECT_EQ(r.snapshots_deleted, 0u);
  EXPECT_TRUE(fs::exists(outside));
  EXPECT_EQ(store->sighting(old)->snapshot_path, "");
}
