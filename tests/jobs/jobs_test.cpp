// Video files as jobs (issue 4 §1: POST/GET/DELETE /api/v1/jobs) against the real server:
// clips are made at test time with ffmpeg (testsrc, or a package photo for the face part).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "integration/argus_server.h"
#include "tools/peers.h"

using namespace argus_test;
namespace fs = std::filesystem;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

const std::string kBoundary = "argus-jobs-boundary-5c1e";

HttpResult upload(HttpClient& c, const std::string& token, const std::string& filename, const std::string& bytes,
                  const std::string& sample_fps = "") {
  std::string b;
  if (!sample_fps.empty())
    b += "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"sample_fps\"\r\n\r\n" + sample_fps + "\r\n";
  b += "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename +
       "\"\r\nContent-Type: video/mp4\r\n\r\n" + bytes + "\r\n--" + kBoundary + "--\r\n";
  return c.request("POST", "/api/v1/jobs", b, {"Content-Type: multipart/form-data; boundary=" + kBoundary}, token);
}

// Polls GET /jobs/{id} until the job leaves queued/running (or the deadline passes).
Json wait_finished(HttpClient& c, const std::string& token, const std::string& id, int seconds = 120) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  Json last;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = c.get("/api/v1/jobs/" + id, token);
    if (r.status != 200) return r.json();
    last = r.json()["data"];
    std::string s = last.value("status", "");
    if (s != "queued" && s != "running") return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return last;
}

// One server for the suite, with its media folder in a temporary directory.
class JobsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    media_ = dir_->path() + "/media";
    fs::create_directories(media_);
    clip_ = make_clip(dir_->path(), "h264", 4);  // 100 frames, 320x240, 25 fps
    server_ = new ArgusServer({"--set", "storage.media_dir=" + media_});
    admin_ = server_->admin_token();
    supervisor_ = server_->token_for_role("supervisor", admin_);
    viewer_ = server_->token_for_role("viewer", admin_);
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }
  HttpClient client() { return server_->client(); }

  static inline TempDir* dir_ = nullptr;
  static inline ArgusServer* server_ = nullptr;
  static inline std::string media_, clip_, admin_, supervisor_, viewer_;
};

TEST_F(JobsTest, UploadRunsToCompletionWithProgressAndSummary) {
  ASSERT_FALSE(clip_.empty()) << "ffmpeg could not make the test clip";
  auto c = client();
  auto r = upload(c, supervisor_, "clip.mp4", read_file(clip_), "5");
  ASSERT_EQ(r.status, 202) << r.body;
  auto accepted = r.json()["data"];
  std::string id = accepted["job_id"];
  EXPECT_EQ(id.rfind("vj_", 0), 0u);
  EXPECT_EQ(accepted["status"], "queued");
  EXPECT_GE(accepted["position"].get<int>(), 1);

  Json job = wait_finished(c, viewer_, id);
  ASSERT_EQ(job["status"], "completed") << job.dump();
  EXPECT_EQ(job["type"], "video");
  EXPECT_EQ(job["source"]["kind"], "upload");
  EXPECT_EQ(job["source"]["name"], "clip.mp4");
  EXPECT_EQ(job["video"]["width"], 320);
  EXPECT_EQ(job["video"]["height"], 240);
  EXPECT_EQ(job["video"]["codec"], "h264");
  EXPECT_NEAR(job["video"]["duration_ms"].get<double>(), 4000, 100);
  const Json& p = job["progress"];
  EXPECT_EQ(p["percent"], 100);
  EXPECT_EQ(p["frames_decoded"], 100);
  EXPECT_EQ(p["frames_total"], 100);
  EXPECT_GE(p["video_ms"].get<int64_t>(), 3900);
  const Json& s = job["result"]["summary"];
  EXPECT_EQ(s["frames_decoded"], 100);
  EXPECT_NEAR(s["frames_analyzed"].get<double>(), 20, 1);  // 5 of every 25 frames
  EXPECT_EQ(s["cancelled"], false);
  EXPECT_EQ(s["tracks"], 0);  // testsrc has no faces
  EXPECT_TRUE(job["result"]["tracks"].is_array());
  EXPECT_TRUE(job["finished_at"].is_string());
  // The uploaded file is gone once the job ended.
  std::error_code ec;
  size_t left = 0;
  for (auto& e : fs::directory_iterator(server_->data_dir() + "/blobs/uploads", ec)) left += e.path().filename().string().rfind(id, 0) == 0;
  EXPECT_EQ(left, 0u);

  // Listed (newest first) for viewers; filtered by status.
  auto list = c.get("/api/v1/jobs?status=completed&per_page=100", viewer_);
  ASSERT_EQ(list.status, 200) << list.body;
  Json listed = list.json();
  bool found = false;
  for (const auto& j : listed["data"]["jobs"]) found |= j["job_id"] == id && !j["result"].contains("tracks");
  EXPECT_TRUE(found) << list.body;
  EXPECT_GE(listed["pagination"]["total"].get<int>(), 1);
  EXPECT_EQ(c.get("/api/v1/jobs?status=bogus", viewer_).status, 400);

  // Deleting a finished job removes it.
  auto del = c.del("/api/v1/jobs/" + id, supervisor_);
  ASSERT_EQ(del.status, 200) << del.body;
  EXPECT_EQ(del.json()["data"]["result"], "deleted");
  EXPECT_EQ(c.get("/api/v1/jobs/" + id, viewer_).status, 404);
}

TEST_F(JobsTest, PathUnderTheMediaFolder) {
  ASSERT_FALSE(clip_.empty());
  fs::create_directories(media_ + "/sub");
  fs::copy_file(clip_, media_ + "/sub/clip.mp4", fs::copy_options::overwrite_existing);
  auto c = client();
  auto r = c.post_json("/api/v1/jobs", {{"path", "sub/clip.mp4"}, {"sample_fps", 2}}, supervisor_);
  ASSERT_EQ(r.status, 202) << r.body;
  std::string id = r.json()["data"]["job_id"];
  Json job = wait_finished(c, supervisor_, id);
  ASSERT_EQ(job["status"], "completed") << job.dump();
  EXPECT_EQ(job["source"]["kind"], "path");
  EXPECT_EQ(job["sample_fps"], 2);
  EXPECT_EQ(job["progress"]["percent"], 100);
  EXPECT_EQ(job["result"]["summary"]["frames_decoded"], 100);
  EXPECT_NEAR(job["result"]["summary"]["frames_analyzed"].get<double>(), 8, 1);
  // The file in the media folder is the user's: it stays after the job is deleted.
  EXPECT_EQ(c.del("/api/v1/jobs/" + id, supervisor_).status, 200);
  EXPECT_TRUE(fs::exists(media_ + "/sub/clip.mp4"));
  // An absolute path inside the folder is accepted too.
  auto abs = c.post_json("/api/v1/jobs", {{"path", fs::canonical(media_ + "/sub/clip.mp4").string()}}, supervisor_);
  EXPECT_EQ(abs.status, 202) << abs.body;
  if (abs.status == 202) wait_finished(c, supervisor_, abs.json()["data"]["job_id"]);
}

TEST_F(JobsTest, PathsOutsideTheMediaFolderAreRefused) {
  ASSERT_FALSE(clip_.empty());
  auto c = client();
  // A real video outside the folder, reached by traversal, by absolute path and by a symlink.
  fs::copy_file(clip_, dir_->path() + "/outside.mp4", fs::copy_options::overwrite_existing);
  fs::remove(media_ + "/link.mp4");
  fs::create_symlink(dir_->path() + "/outside.mp4", media_ + "/link.mp4");
  fs::remove(media_ + "/dirlink");
  fs::create_directory_symlink(dir_->path(), media_ + "/dirlink");
  for (const std::string& p : {std::string("../outside.mp4"), std::string("sub/../../outside.mp4"), dir_->path() + "/outside.mp4",
                               std::string("/etc/passwd"), std::string("link.mp4"), std::string("dirlink/outside.mp4"),
                               std::string("../does-not-exist.mp4")}) {
    auto r = c.post_json("/api/v1/jobs", {{"path", p}}, supervisor_);
    EXPECT_EQ(r.status, 403) << p << ": " << r.body;
    EXPECT_EQ(r.json()["error"]["code"], "FORBIDDEN") << p;
  }
  fs::create_directories(media_ + "/adir");
  for (const std::string& p : {std::string("adir"), std::string("missing.mp4"), std::string("")}) {
    auto r = c.post_json("/api/v1/jobs", {{"path", p}}, supervisor_);
    EXPECT_EQ(r.status, 400) << p << ": " << r.body;
    EXPECT_TRUE(r.json()["error"]["details"].contains("path")) << r.body;
  }
  EXPECT_EQ(c.post_json("/api/v1/jobs", Json::object(), supervisor_).status, 400);
  EXPECT_EQ(c.post_json("/api/v1/jobs", {{"path", "sub/clip.mp4"}, {"sample_fps", 0}}, supervisor_).status, 400);
  EXPECT_EQ(c.post_json("/api/v1/jobs", {{"path", "sub/clip.mp4"}, {"bogus", 1}}, supervisor_).status, 400);
}

TEST_F(JobsTest, NotAVideoIs422) {
  auto c = client();
  auto r = upload(c, supervisor_, "notes.mp4", "This is plain text, not a video.\n" + std::string(4096, 'x'));
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(r.json()["error"]["code"], "INVALID_VIDEO");
  EXPECT_NE(r.json()["error"]["message"].get<std::string>().find("Not a video"), std::string::npos);
  std::ofstream(media_ + "/notes.txt") << "hello\n";
  auto p = c.post_json("/api/v1/jobs", {{"path", "notes.txt"}}, supervisor_);
  EXPECT_EQ(p.status, 422) << p.body;
  // A multipart body without the file part.
  std::string b = "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"sample_fps\"\r\n\r\n5\r\n--" + kBoundary + "--\r\n";
  auto nofile = c.request("POST", "/api/v1/jobs", b, {"Content-Type: multipart/form-data; boundary=" + kBoundary}, supervisor_);
  EXPECT_EQ(nofile.status, 400) << nofile.body;
  // Nothing of the refused uploads is left behind.
  std::error_code ec;
  EXPECT_TRUE(fs::is_empty(server_->data_dir() + "/blobs/uploads", ec));
}

TEST_F(JobsTest, CancelRunningAndQueuedJobs) {
  TempDir tmp;
  // Long enough that it is still running when the DELETE arrives.
  std::string long_clip = make_clip(tmp.path(), "h264", 120, "640x480", 25);
  ASSERT_FALSE(long_clip.empty());
  fs::copy_file(long_clip, media_ + "/long.mp4", fs::copy_options::overwrite_existing);
  auto c = client();
  auto a = c.post_json("/api/v1/jobs", {{"path", "long.mp4"}, {"sample_fps", 30}}, supervisor_);
  auto b = c.post_json("/api/v1/jobs", {{"path", "long.mp4"}, {"sample_fps", 30}}, supervisor_);
  ASSERT_EQ(a.status, 202) << a.body;
  ASSERT_EQ(b.status, 202) << b.body;
  std::string ida = a.json()["data"]["job_id"], idb = b.json()["data"]["job_id"];
  // B waits behind A: cancelling it is immediate.
  auto cb = c.del("/api/v1/jobs/" + idb, supervisor_);
  ASSERT_EQ(cb.status, 200) << cb.body;
  EXPECT_EQ(cb.json()["data"]["result"], "cancelled");
  EXPECT_EQ(c.get("/api/v1/jobs/" + idb, viewer_).json()["data"]["status"], "cancelled");
  // A runs (or is about to): wait until it has made progress, then cancel it.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    auto j = c.get("/api/v1/jobs/" + ida, viewer_).json()["data"];
    if (j["status"] == "running" && j["progress"]["frames_analyzed"].get<int>() > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto ca = c.del("/api/v1/jobs/" + ida, supervisor_);
  ASSERT_EQ(ca.status, 200) << ca.body;
  EXPECT_EQ(ca.json()["data"]["result"], "cancelled");
  Json job = wait_finished(c, viewer_, ida);
  EXPECT_EQ(job["status"], "cancelled") << job.dump();
  EXPECT_EQ(job["cancel_requested"], true);
  EXPECT_LT(job["progress"]["percent"].get<double>(), 100);
  EXPECT_EQ(job["result"]["summary"]["cancelled"], true);
  // A second DELETE removes it.
  EXPECT_EQ(c.del("/api/v1/jobs/" + ida, supervisor_).json()["data"]["result"], "deleted");
  EXPECT_EQ(c.get("/api/v1/jobs/" + ida, viewer_).status, 404);
  fs::remove(media_ + "/long.mp4");
}

TEST_F(JobsTest, RolesAndIds) {
  auto c = client();
  // Viewers read, they do not submit or cancel.
  auto r = c.post_json("/api/v1/jobs", {{"path", "sub/clip.mp4"}}, viewer_);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.json()["error"]["code"], "FORBIDDEN");
  EXPECT_EQ(upload(c, viewer_, "clip.mp4", "x").status, 403);
  EXPECT_EQ(c.del("/api/v1/jobs/vj_0000000000000000", viewer_).status, 403);
  EXPECT_EQ(c.get("/api/v1/jobs", viewer_).status, 200);
  EXPECT_EQ(c.post_json("/api/v1/jobs", {{"path", "sub/clip.mp4"}}).status, 401);
  // Unknown ids of either kind; the push-frame routes beside them still answer.
  EXPECT_EQ(c.get("/api/v1/jobs/vj_0000000000000000", viewer_).status, 404);
  EXPECT_EQ(c.get("/api/v1/jobs/job_0000000000000000", viewer_).status, 404);
  EXPECT_EQ(c.del("/api/v1/jobs/job_0000000000000000", supervisor_).status, 404);
  EXPECT_EQ(c.get("/api/v1/jobs/dead-letters", admin_).status, 200);
  // The route table documents the upload limit.
  auto spec = c.get("/api/v1/openapi.json").json();
  EXPECT_EQ(spec["paths"]["/api/v1/jobs"]["post"]["x-min-role"], "supervisor");
  EXPECT_EQ(spec["paths"]["/api/v1/jobs"]["post"]["x-max-body-bytes"], 268435456);
  EXPECT_EQ(spec["paths"]["/api/v1/jobs"]["get"]["x-min-role"], "viewer");
  EXPECT_EQ(spec["paths"]["/api/v1/jobs/{name}"]["delete"]["x-min-role"], "supervisor");
}

// The upload limit is the route's, above server.max_body_bytes, and only for callers allowed to post.
TEST(JobsUploadLimit, PerRouteBodyLimit) {
  TempDir tmp;
  // Raw frames: 20 x 320x240 yuv420p = 2.3 MB of valid video.
  std::string y4m = tmp.path() + "/raw.y4m";
  ASSERT_TRUE(run_command("ffmpeg -v error -y -f lavfi -i testsrc=size=320x240:rate=10 -t 2 -pix_fmt yuv420p " + y4m + " < /dev/null"));
  std::string bytes = read_file(y4m);
  ASSERT_GT(bytes.size(), 2u << 20);
  ArgusServer s({"--set", "server.max_body_bytes=1048576", "--set", "pipeline.video_upload_max_bytes=3145728"});
  auto c = s.client();
  std::string admin = s.admin_token();
  std::string viewer = s.token_for_role("viewer", admin);
  auto ok = upload(c, admin, "raw.y4m", bytes);
  ASSERT_EQ(ok.status, 202) << ok.body;
  Json job = wait_finished(c, admin, ok.json()["data"]["job_id"]);
  EXPECT_EQ(job["status"], "completed") << job.dump();
  EXPECT_EQ(job["result"]["summary"]["frames_decoded"], 20);
  // Above the route's limit.
  EXPECT_EQ(upload(c, admin, "big.y4m", bytes + std::string(1 << 20, '\0')).status, 413);
  // Without a token, or with a role that may not post, only server.max_body_bytes applies.
  EXPECT_EQ(upload(c, "", "raw.y4m", bytes).status, 413);
  EXPECT_EQ(upload(c, viewer, "raw.y4m", bytes).status, 413);
  // Other routes keep the server's limit.
  auto big_json = c.request("POST", "/api/v1/persons", std::string(2 << 20, ' '), {"Content-Type: application/json"}, admin);
  EXPECT_EQ(big_json.status, 413);
}

// With the face models installed, a clip of a package photo yields tracks.
TEST(JobsFaces, PhotoClipYieldsTracks) {
  std::string photo = std::string(ARGUS_SOURCE_DIR) + "/models/samples/sample1.jpg";
  if (!fs::exists(photo)) GTEST_SKIP() << "models/samples/sample1.jpg is missing (scripts/setup.sh fetches it)";
  ArgusServer s;
  auto c = s.client();
  std::string admin = s.admin_token();
  auto health = c.get("/health").json()["data"];
  std::string models = health.contains("components") ? health["components"]["models"].value("status", "") : "";
  if (models != "healthy") GTEST_SKIP() << "face models are not installed: " << health.dump();
  TempDir tmp;
  std::string clip = tmp.path() + "/photo.mp4";
  ASSERT_TRUE(run_command("ffmpeg -v error -y -loop 1 -i " + photo +
                          " -t 3 -r 10 -vf 'scale=trunc(iw/2)*2:trunc(ih/2)*2' -c:v libx264 -preset ultrafast -pix_fmt yuv420p " +
                          clip + " < /dev/null"));
  auto r = upload(c, admin, "photo.mp4", read_file(clip));
  ASSERT_EQ(r.status, 202) << r.body;
  Json job = wait_finished(c, admin, r.json()["data"]["job_id"], 300);
  ASSERT_EQ(job["status"], "completed") << job.dump();
  const Json& summary = job["result"]["summary"];
  EXPECT_EQ(summary["analyzer"], true);
  EXPECT_GT(summary["faces"].get<int>(), 0);
  ASSERT_GE(job["result"]["tracks"].size(), 1u) << job.dump();
  for (const auto& t : job["result"]["tracks"]) {
    EXPECT_GT(t["track_id"].get<int64_t>(), 0);
    EXPECT_LE(t["first_ms"].get<int64_t>(), t["last_ms"].get<int64_t>());
    EXPECT_LE(t["last_ms"].get<int64_t>(), 3100);
    EXPECT_GT(t["frames"].get<int>(), 0);
    EXPECT_GT(t["best_confidence"].get<double>(), 0);
    EXPECT_EQ(t["person_name"], "unknown");  // nobody is enrolled
  }
}

// Jobs are kept in the store: a restart keeps finished results (tracks included) and reports
// the jobs it cut short as failed with INTERRUPTED, after a crash as after a clean stop.
TEST(JobsRestart, FinishedJobsSurviveAndInterruptedOnesSaySo) {
  TempDir tmp;
  std::string media = tmp.path() + "/media";
  fs::create_directories(media);
  // Faces when the package photo is there (so the kept result has tracks), else testsrc.
  std::string photo = std::string(ARGUS_SOURCE_DIR) + "/models/samples/sample1.jpg";
  std::string short_clip = media + "/short.mp4";
  if (fs::exists(photo))
    ASSERT_TRUE(run_command("ffmpeg -v error -y -loop 1 -i " + photo +
                            " -t 2 -r 10 -vf 'scale=trunc(iw/2)*2:trunc(ih/2)*2' -c:v libx264 -preset ultrafast -pix_fmt yuv420p " +
                            short_clip + " < /dev/null"));
  else
    fs::copy_file(make_clip(tmp.path(), "h264", 2), short_clip);
  std::string long_clip = make_clip(tmp.path(), "h264", 120, "640x480", 25);
  ASSERT_FALSE(long_clip.empty());
  fs::copy_file(long_clip, media + "/long.mp4");

  ArgusServer s({"--set", "storage.media_dir=" + media});
  auto c = s.client();
  std::string admin = s.admin_token();
  auto submit = [&](const std::string& path) {
    auto r = c.post_json("/api/v1/jobs", {{"path", path}, {"sample_fps", 30}}, admin);
    EXPECT_EQ(r.status, 202) << r.body;
    return r.json()["data"].value("job_id", std::string());
  };
  auto get = [&](const std::string& id) { return c.get("/api/v1/jobs/" + id, admin); };
  auto wait_running = [&](const std::string& id) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      Json j = get(id).json()["data"];
      if (j["status"] == "running" && j["progress"]["frames_analyzed"].get<int>() > 0) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  };

  std::string done_id = submit("short.mp4");
  Json done = wait_finished(c, admin, done_id, 300);
  ASSERT_EQ(done["status"], "completed") << done.dump();
  std::string running_id = submit("long.mp4"), queued_id = submit("long.mp4");
  ASSERT_TRUE(wait_running(running_id));

  // A crash: nothing is written at the end.
  s.stop(SIGKILL);
  s.start();
  c = s.client();
  admin = s.admin_token();
  auto kept = get(done_id);
  ASSERT_EQ(kept.status, 200) << kept.body;
  EXPECT_EQ(kept.json()["data"], done);  // the same result, tracks and all
  if (fs::exists(photo)) {
    EXPECT_GE(done["result"]["tracks"].size(), 1u);
  }
  for (const auto& id : {running_id, queued_id}) {
    auto r = get(id);
    ASSERT_EQ(r.status, 200) << r.body;
    Json j = r.json()["data"];
    EXPECT_EQ(j["status"], "failed") << j.dump();
    EXPECT_EQ(j["error"]["code"], "INTERRUPTED") << j.dump();
    EXPECT_TRUE(j["finished_at"].is_string());
    EXPECT_FALSE(j.contains("position"));
  }
  auto list = c.get("/api/v1/jobs?status=failed", admin).json();
  EXPECT_EQ(list["pagination"]["total"], 2) << list.dump();
  list = c.get("/api/v1/jobs", admin).json();
  ASSERT_EQ(list["data"]["jobs"].size(), 3u) << list.dump();
  EXPECT_FALSE(list["data"]["jobs"][2]["result"].contains("tracks"));  // lists leave them out

  // A clean stop ends the running job as interrupted (not cancelled), with what it found so far.
  std::string stopped_id = submit("long.mp4");
  ASSERT_TRUE(wait_running(stopped_id));
  s.restart();
  c = s.client();
  admin = s.admin_token();
  Json stopped = get(stopped_id).json()["data"];
  EXPECT_EQ(stopped["status"], "failed") << stopped.dump();
  EXPECT_EQ(stopped["error"]["code"], "INTERRUPTED");
  EXPECT_EQ(stopped["error"]["message"].get<std::string>().find("while the job ran") != std::string::npos, true);
  EXPECT_GT(stopped["result"]["summary"]["frames_analyzed"].get<int>(), 0);

  // Deleted jobs stay deleted.
  EXPECT_EQ(c.del("/api/v1/jobs/" + done_id, admin).json()["data"]["result"], "deleted");
  s.restart();
  c = s.client();
  admin = s.admin_token();
  EXPECT_EQ(get(done_id).status, 404);
  EXPECT_EQ(get(stopped_id).status, 200);
}

}  // namespace
