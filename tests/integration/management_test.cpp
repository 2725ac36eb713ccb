// Cameras, persons, system and audit through the real server, plus restart persistence
// and concurrent clients.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "argus_server.h"
#include "core/time.h"
#include "store/store.h"

using namespace argus_test;

TEST(Cameras, CrudWithMaskedCredentials) {
  ArgusServer s;
  auto c = s.client();
  std::string t = s.admin_token();
  auto r = c.post_json("/api/v1/cameras", {{"name", "Gate"}, {"source", "rtsp://root:hunter2@10.0.0.5:554/live"}, {"camera_type", "rtsp"},
                                           {"location", {{"site", "HQ"}, {"floor", "1"}, {"zone", "gate"}}}}, t);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.body.find("hunter2"), std::string::npos);
  auto cam = r.json()["data"]["camera"];
  EXPECT_EQ(cam["source"], "rtsp://***:***@10.0.0.5:554/live");
  EXPECT_TRUE(cam["hasCredentials"].get<bool>());
  EXPECT_EQ(cam["location"]["zone"], "gate");
  EXPECT_EQ(cam["detection"]["fps_limit"], 5.0);
  std::string id = std::to_string(cam["id"].get<int64_t>());
  // Credentials in fields work too and are not echoed.
  auto f = c.post_json("/api/v1/cameras", {{"name", "Lobby"}, {"source", "http://10.0.0.6/mjpg"}, {"camera_type", "http_mjpeg"},
                                           {"username", "u"}, {"password", "s3cret-pw"}}, t);
  ASSERT_EQ(f.status, 201);
  EXPECT_EQ(f.body.find("s3cret-pw"), std::string::npos);
  EXPECT_EQ(f.json()["data"]["camera"]["source"], "http://***:***@10.0.0.6/mjpg");
  // Nothing in the database file holds the password in clear.
  std::ifstream db(s.data_dir() + "/argus.db", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(db)), {});
  std::ifstream wal(s.data_dir() + "/argus.db-wal", std::ios::binary);
  bytes.append((std::istreambuf_iterator<char>(wal)), {});
  EXPECT_EQ(bytes.find("hunter2"), std::string::npos);
  EXPECT_EQ(bytes.find("s3cret-pw"), std::string::npos);

  auto settings = c.put_json("/api/v1/cameras/" + id + "/settings",
                             {{"fps", 15}, {"detection", {{"fps_limit", 2.5}, {"min_face_size", 40}}}, {"settings", {{"brightness", 60}}}}, t);
  ASSERT_EQ(settings.status, 200) << settings.body;
  EXPECT_EQ(settings.json()["data"]["camera"]["fps"], 15);
  EXPECT_EQ(settings.json()["data"]["camera"]["detection"]["min_face_size"], 40);
  EXPECT_EQ(settings.json()["data"]["camera"]["detection"]["enabled"], true);
  EXPECT_EQ(settings.json()["data"]["camera"]["settings"]["brightness"], 60);
  EXPECT_EQ(c.put_json("/api/v1/cameras/" + id + "/settings", {{"name", "x"}}, t).status, 400);

  auto filtered = c.get("/api/v1/cameras?type=http_mjpeg", t).json();
  EXPECT_EQ(filtered["pagination"]["total"], 1);
  EXPECT_EQ(c.get("/api/v1/cameras?search=Gate", t).json()["pagination"]["total"], 1);
  EXPECT_EQ(c.get("/api/v1/cameras?search=HQ", t).json()["pagination"]["total"], 1);
  EXPECT_EQ(c.get("/api/v1/cameras?status=inactive", t).json()["pagination"]["total"], 2);
  auto upd = c.put_json("/api/v1/cameras/" + id, {{"name", "Gate 2"}}, t);
  EXPECT_EQ(upd.json()["data"]["camera"]["name"], "Gate 2");
  EXPECT_EQ(upd.json()["data"]["camera"]["source"], "rtsp://***:***@10.0.0.5:554/live");
  EXPECT_EQ(c.del("/api/v1/cameras/" + id, t).status, 200);
  EXPECT_EQ(c.get("/api/v1/cameras/" + id, t).status, 404);
  EXPECT_EQ(c.del("/api/v1/cameras/" + id, t).status, 404);
}

TEST(Cameras, FileSourcesMustLiveInTheMediaFolder) {
  TempDir media;
  std::ofstream(media.path() + "/clip.mp4") << "not really a video";
  ArgusServer s({"--set", "storage.media_dir=" + media.path()});
  auto c = s.client();
  std::string t = s.admin_token();
  EXPECT_EQ(c.post_json("/api/v1/cameras", {{"name", "f"}, {"source", "clip.mp4"}, {"camera_type", "file"}}, t).status, 201);
  EXPECT_EQ(c.post_json("/api/v1/cameras", {{"name", "f"}, {"source", media.path() + "/clip.mp4"}, {"camera_type", "file"}}, t).status, 201);
  EXPECT_EQ(c.post_json("/api/v1/cameras", {{"name", "f"}, {"source", media.path() + "/../clip.mp4"}, {"camera_type", "file"}}, t).status, 400);
  EXPECT_EQ(c.post_json("/api/v1/cameras", {{"name", "f"}, {"source", "missing.mp4"}, {"camera_type", "file"}}, t).status, 400);
  EXPECT_EQ(c.post_json("/api/v1/cameras", {{"name", "w"}, {"camera_type", "websocket"}}, t).status, 201);
  EXPECT_EQ(c.post_json("/api/v1/cameras", {{"name", "t"}, {"source", "tcp://127.0.0.1:9000"}, {"camera_type", "socket"}}, t).status, 201);
  EXPECT_EQ(c.post_json("/api/v1/cameras", {{"name", "u"}, {"source", "/dev/video0"}, {"camera_type", "usb"}}, t).status, 201);
}

TEST(Persons, CrudAndSearch) {
  ArgusServer s;
  auto c = s.client();
  std::string t = s.admin_token();
  auto r = c.post_json("/api/v1/persons", {{"name", "Ada Lovelace"}, {"employee_id", "E-1"}, {"department", "Engineering"},
                                           {"metadata", {{"badge", 7}}}, {"consent_given", true}, {"consent_date", "2026-01-02"}}, t);
  ASSERT_EQ(r.status, 201) << r.body;
  auto p = r.json()["data"]["person"];
  EXPECT_EQ(p["consent"]["given"], true);
  EXPECT_TRUE(p["lastSeen"].is_null());
  std::string id = std::to_string(p["id"].get<int64_t>());
  c.post_json("/api/v1/persons", {{"name", "Grace Hopper"}, {"department", "Navy"}}, t);
  EXPECT_EQ(c.get("/api/v1/persons?search=Engin", t).json()["pagination"]["total"], 1);
  EXPECT_EQ(c.get("/api/v1/persons?search=E-1", t).json()["pagination"]["total"], 1);
  EXPECT_EQ(c.get("/api/v1/persons", t).json()["pagination"]["total"], 2);
  auto u = c.put_json("/api/v1/persons/" + id, {{"department", "Maths"}}, t);
  EXPECT_EQ(u.json()["data"]["person"]["department"], "Maths");
  EXPECT_EQ(u.json()["data"]["person"]["name"], "Ada Lovelace");
  EXPECT_EQ(c.put_json("/api/v1/persons/" + id, {{"consent_date", "someday"}}, t).status, 400);
  EXPECT_EQ(c.del("/api/v1/persons/" + id, t).status, 200);
  EXPECT_EQ(c.get("/api/v1/persons/" + id, t).status, 404);
}

TEST(System, StatusHealthMetricsOpenApi) {
  ArgusServer s;
  auto c = s.client();
  std::string t = s.admin_token();
  auto st = c.get("/api/v1/system/status", t).json()["data"];
  EXPECT_GT(st["performance"]["memoryUsage"].get<double>(), 0);
  EXPECT_GT(st["process"]["rss_bytes"].get<int64_t>(), 1000000);
  EXPECT_GT(st["process"]["threads"].get<int>(), 1);
  EXPECT_GE(st["performance"]["diskUsage"].get<double>(), 0);
  auto h = c.get("/health").json()["data"];
  EXPECT_EQ(h["status"], "healthy");
  EXPECT_EQ(h["components"]["store"]["status"], "healthy");
  auto m = c.get("/metrics");
  EXPECT_NE(m.headers["content-type"].find("text/plain"), std::string::npos);
  EXPECT_NE(m.body.find("argus_http_requests_total{method=\"GET\",route=\"/api/v1/system/status\",status=\"200\"} 1"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("argus_http_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(m.body.find("process_resident_memory_bytes"), std::string::npos);
  auto spec = c.get("/api/v1/openapi.json").json();
  EXPECT_EQ(spec["openapi"], "3.0.3");
  EXPECT_TRUE(spec["paths"]["/api/v1/cameras"]["post"].contains("requestBody"));
  EXPECT_EQ(spec["paths"]["/api/v1/users"]["get"]["x-min-role"], "admin");
  auto docs = c.get("/api/docs");
  EXPECT_EQ(docs.status, 200);
  EXPECT_NE(docs.body.find("/api/v1/cameras/{id}/settings"), std::string::npos);
}

// The system configuration's detection keys are a new camera's detection defaults; what each
// key does is described in the response (the System page shows it under the field).
TEST(System, DetectionKeysAreTheDefaultsOfANewCamera) {
  ArgusServer s;
  auto c = s.client();
  std::string admin = s.admin_token();
  auto cfg = c.get("/api/v1/system/config", admin).json()["data"];
  for (auto& [key, _] : cfg["config"].items())
    EXPECT_TRUE(cfg["descriptions"].contains(key) && cfg["descriptions"][key].is_string()) << key;
  auto put = c.put_json("/api/v1/system/config",
                        {{"samplingRate", 8}, {"detectionThreshold", 0.75}, {"minFaceSize", 48}, {"maxFacesPerFrame", 6}}, admin);
  ASSERT_EQ(put.status, 200) << put.body;
  // What the camera form starts from: the server's own mapping, not a copy of it in the web app.
  Json offered = c.get("/api/v1/system/config", admin).json()["data"]["camera_defaults"]["detection"];
  EXPECT_EQ(offered, Json({{"enabled", true}, {"fps_limit", 8}, {"confidence_threshold", 0.75}, {"min_face_size", 48},
                           {"max_faces_per_frame", 6}}));
  auto made = c.post_json("/api/v1/cameras", {{"name", "gate"}, {"source", "rtsp://10.0.0.1/x"}, {"camera_type", "rtsp"}}, admin);
  ASSERT_EQ(made.status, 201) << made.body;
  Json det = made.json()["data"]["camera"]["detection"];
  EXPECT_EQ(det["fps_limit"], 8);
  EXPECT_DOUBLE_EQ(det["confidence_threshold"].get<double>(), 0.75);
  EXPECT_EQ(det["min_face_size"], 48);
  EXPECT_EQ(det["max_faces_per_frame"], 6);
  EXPECT_EQ(det["enabled"], true);
  EXPECT_EQ(det, offered);
  // A camera's own values win; the ones it leaves out come from the system configuration.
  auto own = c.post_json("/api/v1/cameras", {{"name", "own"}, {"source", "rtsp://10.0.0.2/x"}, {"camera_type", "rtsp"},
                                             {"detection", {{"min_face_size", 64}}}}, admin);
  ASSERT_EQ(own.status, 201) << own.body;
  EXPECT_EQ(own.json()["data"]["camera"]["detection"]["min_face_size"], 64);
  EXPECT_EQ(own.json()["data"]["camera"]["detection"]["max_faces_per_frame"], 6);
}

// Retention end to end: sightings older than eventRetentionDays are gone (with their snapshot
// files) and older snapshots are dropped, at the server's first housekeeping pass after start.
TEST(System, RetentionDeletesOldSightingsAndSnapshots) {
  namespace fs = std::filesystem;
  ArgusServer s;
  std::string admin = s.admin_token();
  ASSERT_EQ(s.client().put_json("/api/v1/system/config", {{"eventRetentionDays", 10}, {"snapshotRetentionDays", 3}}, admin).status, 200);
  s.stop_and_check();
  // History as the live pipeline writes it, aged: rows in the database, pictures under blobs/.
  const int64_t day = 86'400'000, now = argus::now_unix_ms();
  std::string blobs = s.data_dir() + "/blobs";
  fs::create_directories(blobs + "/snapshots/7");
  std::map<std::string, int64_t> ids;
  {
    auto store = argus::store::open_sqlite_store(s.data_dir() + "/argus.db");
    for (auto [name, age] : {std::pair{"fresh", 1}, {"stale_picture", 5}, {"expired", 20}}) {
      argus::store::SightingRecord r;
      r.camera_id = 7;
      r.track_id = age;
      r.last_seen = now - age * day;
      r.first_seen = r.last_seen - 5000;
      r.best_confidence = 0.9;
      r.id = store->upsert_sighting(r);
      r.snapshot_path = "snapshots/7/" + std::to_string(r.id) + ".jpg";
      std::ofstream(blobs + "/" + r.snapshot_path) << "jpeg";
      store->upsert_sighting(r);
      ids[name] = r.id;
    }
  }
  s.start();
  admin = s.admin_token();
  auto c = s.client();
  auto get = [&](const std::string& name) { return c.get("/api/v1/detections/" + std::to_string(ids[name]), admin); };
  for (int i = 0; i < 75 && get("expired").status != 404; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_EQ(get("expired").status, 404) << get("expired").body;
  EXPECT_FALSE(fs::exists(blobs + "/snapshots/7/" + std::to_string(ids["expired"]) + ".jpg"));
  auto stale = get("stale_picture").json()["data"]["detection"];
  EXPECT_TRUE(stale["snapshot_url"].is_null()) << stale.dump();
  EXPECT_FALSE(fs::exists(blobs + "/snapshots/7/" + std::to_string(ids["stale_picture"]) + ".jpg"));
  auto fresh = get("fresh").json()["data"]["detection"];
  EXPECT_TRUE(fresh["snapshot_url"].is_string()) << fresh.dump();
  EXPECT_TRUE(fs::exists(blobs + "/snapshots/7/" + std::to_string(ids["fresh"]) + ".jpg"));
  auto metrics = c.get("/metrics").body;
  EXPECT_NE(metrics.find("argus_retention_deleted_total{kind=\"sighting\"} 1"), std::string::npos);
  EXPECT_NE(metrics.find("argus_retention_deleted_total{kind=\"snapshot\"} 2"), std::string::npos);
}

TEST(Audit, EveryChangeIsRecordedWithFilters) {
  ArgusServer s;
  auto c = s.client();
  std::string t = s.admin_token();
  auto cam = c.post_json("/api/v1/cameras", {{"name", "a"}, {"source", "rtsp://h/a"}, {"camera_type", "rtsp"}}, t).json();
  std::string id = std::to_string(cam["data"]["camera"]["id"].get<int64_t>());
  c.put_json("/api/v1/cameras/" + id, {{"name", "b"}}, t);
  c.del("/api/v1/cameras/" + id, t);
  c.post_json("/api/v1/persons", {{"name", "p"}}, t);
  c.put_json("/api/v1/system/config", {{"samplingRate", 10}}, t);
  auto all = c.get("/api/v1/audit?resource=camera", t).json();
  std::vector<std::string> actions;
  for (auto& e : all["data"]["entries"]) actions.push_back(e["action"]);
  EXPECT_EQ(actions, (std::vector<std::string>{"delete", "update", "create"}));
  EXPECT_EQ(all["data"]["entries"][0]["user"], "admin");
  EXPECT_EQ(c.get("/api/v1/audit?resource=person&action=create", t).json()["pagination"]["total"], 1);
  EXPECT_EQ(c.get("/api/v1/audit?resource=system_config", t).json()["pagination"]["total"], 1);
  EXPECT_EQ(c.get("/api/v1/audit?start_time=2999-01-01", t).json()["pagination"]["total"], 0);
  EXPECT_EQ(c.get("/api/v1/audit?start_time=yesterday", t).status, 400);
}

TEST(Persistence, DataSurvivesRestart) {
  ArgusServer s;
  auto c = s.client();
  std::string t = s.admin_token();
  std::string pw = s.admin_password();
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(c.post_json("/api/v1/cameras", {{"name", "c" + std::to_string(i)}, {"source", "rtsp://h/" + std::to_string(i)}, {"camera_type", "rtsp"}}, t).status, 201);
  c.put_json("/api/v1/system/config", {{"samplingRate", 12}}, t);
  s.restart();
  auto c2 = s.client();
  std::string t2 = s.login("admin", pw);  // the same password, no second admin
  EXPECT_EQ(c2.get("/api/v1/cameras", t2).json()["pagination"]["total"], 5);
  EXPECT_EQ(c2.get("/api/v1/system/config", t2).json()["data"]["config"]["samplingRate"], 12);
  // Tokens signed before the restart stay valid (same secret key).
  EXPECT_EQ(c2.get("/api/v1/cameras", t).status, 200);
  EXPECT_EQ(c2.get("/api/v1/users", t2).json()["pagination"]["total"], 1);
}

TEST(Concurrency, FiftyClientsAtOnce) {
  ArgusServer s;
  std::string t = s.admin_token();
  std::atomic<int> ok{0}, bad{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 50; ++i)
    clients.emplace_back([&, i] {
      auto c = s.client();
      for (int k = 0; k < 10; ++k) {
        auto r = k % 2 == 0 ? c.post_json("/api/v1/cameras", {{"name", "c" + std::to_string(i * 100 + k)}, {"source", "rtsp://h/x"}, {"camera_type", "rtsp"}}, t)
                            : c.get("/api/v1/cameras?per_page=20", t);
        (r.status == 200 || r.status == 201 ? ok : bad)++;
      }
    });
  for (auto& th : clients) th.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(ok.load(), 500);
  EXPECT_EQ(s.client().get("/api/v1/cameras", t).json()["pagination"]["total"], 250);
}

TEST(Shutdown, SigtermIsGracefulAndExitsZero) {
  ArgusServer s;
  std::string t = s.admin_token();
  ASSERT_EQ(s.client().get("/api/v1/cameras", t).status, 200);
  int status = s.stop(SIGTERM);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(Cli, UserAddListPasswdAndConfigPrint) {
  TempDir dir;
  std::string bin = ArgusServer::binary();
  std::string data = dir.path() + "/d";
  auto run = [&](const std::string& args) {
    std::string out;
    FILE* p = popen((bin + " " + args + " --data " + data + " 2>&1 </dev/null").c_str(), "r");
    char buf[512];
    while (fgets(buf, sizeof buf, p)) out += buf;
    int rc = pclose(p);
    return std::make_pair(WEXITSTATUS(rc), out);
  };
  auto [rc1, out1] = run("user add carol --role supervisor --password carol-password");
  EXPECT_EQ(rc1, 0) << out1;
  auto [rc2, out2] = run("user list");
  EXPECT_NE(out2.find("carol\tsupervisor"), std::string::npos) << out2;
  auto [rc3, out3] = run("user add carol --password carol-password");
  EXPECT_NE(rc3, 0);
  auto [rc4, out4] = run("user passwd carol --password new-carol-password");
  EXPECT_EQ(rc4, 0) << out4;
  auto [rc5, out5] = run("config print --set server.port=9999");
  EXPECT_EQ(rc5, 0);
  EXPECT_NE(out5.find("9999"), std::string::npos);
  auto [rc6, out6] = run("config print --set server.nope=1");
  EXPECT_NE(rc6, 0);
  EXPECT_NE(out6.find("server.nope"), std::string::npos);
  ArgusServer s({}, data);
  EXPECT_NO_THROW(s.login("carol", "new-carol-password"));
}
