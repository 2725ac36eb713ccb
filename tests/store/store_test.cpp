// The Store contract. Written against the interface so a PostgreSQL backend runs the same
// cases (parameterise the factory when it exists).
#include "store/store.h"

#include <gtest/gtest.h>

#include <thread>

#include "store/migrations.h"
#include "store/sqlite_db.h"
#include "test_util.h"

using namespace argus::store;
using argus::Json;

class StoreContract : public ::testing::Test {
 protected:
  void SetUp() override { store = open_sqlite_store(dir.path() + "/t.db", 2); }
  argus_test::TempDir dir;
  std::unique_ptr<Store> store;
};

TEST_F(StoreContract, UsersUniqueAndPaged) {
  UserRecord u{0, "ann", "h", "viewer", {1, 2}, 0, 0, {}};
  auto a = store->create_user(u);
  EXPECT_GT(a.id, 0);
  EXPECT_THROW(store->create_user(u), StoreError);
  auto got = store->user_by_name("ann");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->camera_ids, (std::vector<int64_t>{1, 2}));
  for (int i = 0; i < 5; ++i) store->create_user({0, "u" + std::to_string(i), "h", "viewer", {}, 0, 0, {}});
  auto page = store->list_users({2, 2}, std::nullopt);
  EXPECT_EQ(page.total, 6);
  EXPECT_EQ(page.items.size(), 2u);
  EXPECT_EQ(store->list_users({1, 10}, std::string("u_")).total, 0);  // '_' is literal
}

TEST_F(StoreContract, RefreshTokenRevokedOnce) {
  auto u = store->create_user({0, "ann", "h", "viewer", {}, 0, 0, {}});
  store->add_refresh_token({0, u.id, "hash1", 99999999999999, {}});
  EXPECT_TRUE(store->revoke_refresh_token("hash1", 5));
  EXPECT_FALSE(store->revoke_refresh_token("hash1", 6));
  EXPECT_EQ(store->refresh_token("hash1")->revoked_at, 5);
  // Deleting the user deletes the tokens (foreign key cascade).
  store->delete_user(u.id);
  EXPECT_FALSE(store->refresh_token("hash1"));
}

TEST_F(StoreContract, PersonImagesEmbeddingsCascade) {
  auto p = store->create_person({0, "P", "", "", argus::Json::object(), false, "", 0, 0, {}});
  EmbeddingRecord e;
  e.model = "m";
  e.vector = {0.5f, 0.25f};
  std::vector<EmbeddingRecord> embs{e};
  auto img = store->add_image({0, p.id, "persons/1/a.jpg", "sha", 10, 10, 0.9, 0}, embs);
  EXPECT_GT(embs[0].id, 0);
  EXPECT_EQ(store->embedding_ids_for_image(img.id), std::vector<int64_t>{embs[0].id});
  auto all = store->all_embeddings();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].vector, (std::vector<float>{0.5f, 0.25f}));
  EXPECT_EQ(all[0].image_id, img.id);
  EXPECT_TRUE(store->delete_image(img.id));
  EXPECT_TRUE(store->all_embeddings().empty());
  std::vector<EmbeddingRecord> again{e};
  store->add_image({0, p.id, "x", "sha", 1, 1, 0, 0}, again);
  store->delete_person(p.id);
  EXPECT_TRUE(store->all_embeddings().empty());
  EXPECT_TRUE(store->person_images(p.id).empty());
}

TEST_F(StoreContract, SightingsAndAttendance) {
  auto p = store->create_person({0, "P", "", "", argus::Json::object(), false, "", 0, 0, {}});
  SightingRecord s;
  s.camera_id = 3;
  s.track_id = 9;
  s.person_id = p.id;
  s.first_seen = 1000;
  s.last_seen = 2000;
  s.best_confidence = 0.9;
  s.id = store->upsert_sighting(s);
  s.last_seen = 3000;
  s.frame_count = 7;
  store->upsert_sighting(s);
  SightingFilter f;
  f.person_id = p.id;
  auto page = store->list_sightings({1, 10}, f);
  ASSERT_EQ(page.total, 1);
  EXPECT_EQ(page.items[0].last_seen, 3000);
  EXPECT_EQ(page.items[0].person_name, "P");
  f = {};
  f.unknown_only = true;
  EXPECT_EQ(store->list_sightings({1, 10}, f).total, 0);
  store->record_attendance(p.id, "2026-01-01", 5000, 3);
  store->record_attendance(p.id, "2026-01-01", 4000, 4);
  store->record_attendance(p.id, "2026-01-01", 9000, 3);
  auto att = store->attendance(std::nullopt, std::nullopt, p.id);
  ASSERT_EQ(att.size(), 1u);
  EXPECT_EQ(att[0].first_seen, 4000);
  EXPECT_EQ(att[0].last_seen, 9000);
  EXPECT_EQ(att[0].camera_ids, (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(store->person(p.id)->last_seen, 9000);
}

TEST_F(StoreContract, VideoJobsAreReplacedListedOldestFirstAndDeleted) {
  store->put_video_job({"vj_b", 2, "queued", 200, 0, {{"status", "queued"}}});
  store->put_video_job({"vj_a", 1, "running", 100, 0, {{"status", "running"}}});
  // The same id again replaces status, end and body (not owner or creation time).
  store->put_video_job({"vj_a", 9, "completed", 999, 150, {{"status", "completed"}, {"result", {{"tracks", Json::array({1, 2})}}}}});
  auto jobs = store->video_jobs();
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].id, "vj_a");
  EXPECT_EQ(jobs[0].user_id, 1);
  EXPECT_EQ(jobs[0].created_at, 100);
  EXPECT_EQ(jobs[0].status, "completed");
  EXPECT_EQ(jobs[0].finished_at, 150);
  EXPECT_EQ(jobs[0].body["result"]["tracks"].size(), 2u);
  EXPECT_EQ(jobs[1].id, "vj_b");
  EXPECT_EQ(jobs[1].body["status"], "queued");
  EXPECT_TRUE(store->delete_video_job("vj_a"));
  EXPECT_FALSE(store->delete_video_job("vj_a"));
  // Kept across a reopen (the point of storing them).
  store.reset();
  store = open_sqlite_store(dir.path() + "/t.db", 2);
  jobs = store->video_jobs();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].id, "vj_b");
}

TEST_F(StoreContract, MigrationsAreIdempotentAcrossReopen) {
  store->create_user({0, "ann", "h", "viewer", {}, 0, 0, {}});
  store.reset();
  store = open_sqlite_store(dir.path() + "/t.db", 2);
  EXPECT_EQ(store->count_users(), 1);
  EXPECT_EQ(store->integrity_check(), "ok");
}

TEST_F(StoreContract, ConcurrentReadersAndWriter) {
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        if (t == 0) {
          CameraRecord c;
          c.name = "c" + std::to_string(i);
          c.camera_type = "rtsp";
          c.source_masked = "rtsp://h";
          c.source_sealed = {1, 2, 3};
          store->create_camera(c);
        } else {
          store->list_cameras({1, 20}, {});
        }
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(store->list_cameras({1, 20}, {}).total, 50);
}

// SQLite alone would hand a deleted camera's id to the next camera (largest rowid + 1):
// its sightings and any user limited to that id would then point at the wrong camera.
TEST_F(StoreContract, IdsOfDeletedRowsAreNeverReused) {
  CameraRecord c;
  c.name = "a";
  c.camera_type = "rtsp";
  c.status = "inactive";
  c.source_masked = "rtsp://h";
  c.source_sealed = {1, 2, 3};
  store->create_camera(c);
  auto second = store->create_camera(c);
  ASSERT_TRUE(store->delete_camera(second.id));
  auto third = store->create_camera(c);
  EXPECT_GT(third.id, second.id);

  auto p1 = store->create_person(PersonRecord{.name = "p1"});
  ASSERT_TRUE(store->delete_person(p1.id));
  EXPECT_GT(store->create_person(PersonRecord{.name = "p2"}).id, p1.id);

  auto u1 = store->create_user({0, "gone", "h", "viewer", {}, 0, 0, {}});
  ASSERT_TRUE(store->delete_user(u1.id));
  EXPECT_GT(store->create_user({0, "new", "h", "viewer", {}, 0, 0, {}}).id, u1.id);

  // A failed create (duplicate username) leaves the store usable and ids still increasing.
  EXPECT_THROW(store->create_user({0, "new", "h", "viewer", {}, 0, 0, {}}), StoreError);
  EXPECT_GT(store->create_camera(c).id, third.id);
}

// An install at schema version 3 upgraded: USB cameras holding the untouched column defaults
// (1920x1080 at 25, which asked nothing of the device before version 4) get 0 = the device's
// default; a size someone typed, and other camera types, are kept.
TEST(StoreMigrations, UsbCamerasWithTheOldDefaultsKeepCapturingAsBefore) {
  argus_test::TempDir dir;
  const std::string path = dir.path() + "/old.db";
  {
    argus::store::Db db(path);
    db.exec("CREATE TABLE schema_migrations(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
    for (const auto& m : sqlite_migrations()) {
      if (m.version > 3) break;
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_migrations(version, name, applied_at) VALUES(?,?,1)").bind(1, m.version).bind(2, m.name).exec();
    }
    auto add = [&](int64_t id, const char* type, int w, int h, int fps) {
      db.prepare("INSERT INTO cameras(id, name, source_masked, source_sealed, camera_type, resolution_width, resolution_height, fps,"
                 " created_at, updated_at) VALUES(?, 'c', 's', x'00', ?, ?, ?, ?, 1, 1)")
          .bind(1, id).bind(2, type).bind(3, w).bind(4, h).bind(5, fps).exec();
    };
    add(1, "usb", 1920, 1080, 25);
    add(2, "usb", 1280, 720, 30);
    add(3, "rtsp", 1920, 1080, 25);
  }
  auto store = open_sqlite_store(path, 1);
  auto untouched = store->camera(1), chosen = store->camera(2), network = store->camera(3);
  ASSERT_TRUE(untouched && chosen && network);
  EXPECT_EQ(std::tie(untouched->width, untouched->height, untouched->fps), std::make_tuple(0, 0, 0));
  EXPECT_EQ(std::tie(chosen->width, chosen->height, chosen->fps), std::make_tuple(1280, 720, 30));
  EXPECT_EQ(std::tie(network->width, network->height, network->fps), std::make_tuple(1920, 1080, 25));
}
