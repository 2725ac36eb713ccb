// POST /api/v1/detections/process-frame and the async job API against the real server
// (seed 001 §4.1.1, §4.3, §5.1-5.3). Frames are built in-test from models/samples/*.jpg
// (fetched by scripts/setup.sh) and from blank images.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "frames/frame_helpers.h"
#include "integration/argus_server.h"

using namespace argus_test;

namespace {

// A tiny HTTP/1.1 server on 127.0.0.1 that records POST bodies and answers with the next
// status from a script (the last one repeats).
class CallbackServer {
 public:
  explicit CallbackServer(std::vector<int> statuses) : statuses_(std::move(statuses)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd_, 16) != 0) throw std::runtime_error("bind");
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { loop(); });
  }
  ~CallbackServer() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  std::vector<Json> bodies() {
    std::lock_guard l(mu_);
    return bodies_;
  }
  size_t count() {
    std::lock_guard l(mu_);
    return bodies_.size();
  }

 private:
  void loop() {
    while (!stop_) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      timeval tv{5, 0};
      setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      std::string req;
      char buf[65536];
      size_t need = std::string::npos;
      while (true) {
        ssize_t n = recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        req.append(buf, static_cast<size_t>(n));
        auto hdr_end = req.find("\r\n\r\n");
        if (hdr_end != std::string::npos && need == std::string::npos) {
          std::string lower = req.substr(0, hdr_end);
          for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
          auto cl = lower.find("content-length:");
          need = hdr_end + 4 + (cl == std::string::npos ? 0 : std::stoul(lower.substr(cl + 15)));
        }
        if (need != std::string::npos && req.size() >= need) break;
      }
      int status;
      {
        std::lock_guard l(mu_);
        auto hdr_end = req.find("\r\n\r\n");
        bodies_.push_back(hdr_end == std::string::npos ? Json() : Json::parse(req.substr(hdr_end + 4), nullptr, false));
        status = statuses_[std::min(bodies_.size() - 1, statuses_.size() - 1)];
      }
      std::string resp = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
      send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
      close(c);
    }
  }
  std::vector<int> statuses_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<Json> bodies_;
  std::thread thread_;
};

template <class F>
bool wait_for(F f, int ms) {
  for (int waited = 0; waited < ms; waited += 50) {
    if (f()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return f();
}

// One server for most tests (fast callback backoff so the retry tests take < 1 s).
class Frames : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = std::make_unique<ArgusServer>(std::vector<std::string>{
        "--set", "pipeline.callback_backoff_ms=100", "--set", "pipeline.callback_timeout_ms=2000"});
    admin_ = server_->admin_token();
    supervisor_ = server_->token_for_role("supervisor", admin_);
    viewer_ = server_->token_for_role("viewer", admin_);
  }
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override {
    // Without the face models the endpoint answers 503 UNAVAILABLE: nothing to check then.
    static int models = -1;
    if (models < 0) {
      auto r = post(frame_body("probe_models", blank_jpeg()));
      models = r.status == 503 && r.json()["error"]["code"] == "UNAVAILABLE" ? 0 : 1;
    }
    if (!models) GTEST_SKIP() << "face models not loaded (run scripts/fetch-models.sh)";
  }

  HttpResult post(const Json& body, const std::string& token = "") {
    return server_->client().post_json("/api/v1/detections/process-frame", body, token.empty() ? supervisor_ : token);
  }

  static std::unique_ptr<ArgusServer> server_;
  static std::string admin_, supervisor_, viewer_;
};
std::unique_ptr<ArgusServer> Frames::server_;
std::string Frames::admin_, Frames::supervisor_, Frames::viewer_;

#define NEED_SAMPLE(var)                                                                   \
  auto var = sample_jpeg();                                                                \
  if (var.empty()) GTEST_SKIP() << sample_path(1) << " missing (fetched by scripts/setup.sh)"

void expect_keys(const Json& j, std::initializer_list<const char*> keys, const std::string& where) {
  for (auto k : keys) EXPECT_TRUE(j.contains(k)) << where << " lacks " << k << ": " << j.dump().substr(0, 400);
}

}  // namespace

TEST_F(Frames, SyncResultHasThe001Shape) {
  NEED_SAMPLE(jpeg);
  auto r = post(frame_body("shape_1", jpeg, {{"priority", "high"}, {"timeout_ms", 60000}},
                           {{"return_snapshots", true}, {"return_embeddings", true}, {"min_confidence", 0.5}}));
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 500);
  Json j = r.json();
  expect_keys(j, {"status", "message", "processing_info", "detections", "summary", "model_info"}, "response");
  EXPECT_FALSE(j.contains("success")) << "001 shape is not wrapped in the data envelope";
  EXPECT_EQ(j["status"], "success");
  EXPECT_EQ(j["message"], "Frame processed successfully");
  expect_keys(j["processing_info"], {"frame_id", "camera_id", "camera_name", "timestamp", "processing_started_at",
                                     "processing_completed_at", "processing_time_ms", "queue_time_ms", "detection_time_ms",
                                     "recognition_time_ms"}, "processing_info");
  EXPECT_EQ(j["processing_info"]["frame_id"], "shape_1");
  EXPECT_EQ(j["processing_info"]["camera_id"], "cam_test");
  ASSERT_GE(j["detections"].size(), 2u) << "the sample is a group photo";
  for (auto& d : j["detections"]) {
    expect_keys(d, {"detection_id", "detection_type", "bounding_box", "confidence", "person", "face_attributes", "snapshot",
                    "embedding", "metadata"}, "detection");
    EXPECT_EQ(d["detection_type"], "face");
    expect_keys(d["bounding_box"], {"x", "y", "width", "height", "normalized"}, "bounding_box");
    for (auto k : {"x", "y", "width", "height"}) {
      double v = d["bounding_box"]["normalized"][k];
      EXPECT_GE(v, 0.0);
      EXPECT_LE(v, 1.0);
    }
    EXPECT_LE(d["bounding_box"]["normalized"]["x"].get<double>() + d["bounding_box"]["normalized"]["width"].get<double>(), 1.0001);
    EXPECT_TRUE(d["person"].is_null() || d["person"].is_object());
    expect_keys(d["face_attributes"], {"quality_score", "is_blurry", "sharpness", "brightness", "face_size_pixels", "pose"},
                "face_attributes");
    expect_keys(d["face_attributes"]["pose"], {"yaw", "pitch", "roll"}, "pose");
    expect_keys(d["snapshot"], {"url", "storage_path", "size_bytes", "format", "resolution"}, "snapshot");
    ASSERT_TRUE(d["embedding"].is_array());
    EXPECT_GE(d["embedding"].size(), 128u);
    expect_keys(d["metadata"], {"created_at"}, "metadata");
  }
  expect_keys(j["summary"], {"total_detections", "identified_persons", "unknown_persons", "avg_confidence"}, "summary");
  EXPECT_EQ(j["summary"]["total_detections"], j["detections"].size());
  EXPECT_EQ(j["summary"]["unknown_persons"].get<size_t>() + j["summary"]["identified_persons"].get<size_t>(), j["detections"].size());
  expect_keys(j["model_info"], {"detection_model", "recognition_model", "fallback_used"}, "model_info");
  expect_keys(j["model_info"]["detection_model"], {"name", "version", "device", "latency_ms"}, "detection_model");
  expect_keys(j["model_info"]["recognition_model"], {"name", "version", "device", "latency_ms", "embedding_size"}, "recognition_model");
  EXPECT_EQ(j["model_info"]["recognition_model"]["embedding_size"], j["detections"][0]["embedding"].size());

  // The snapshot is served (with ?token= for <img>), and only our names are.
  std::string url = j["detections"][0]["snapshot"]["url"];
  auto snap = server_->client().get(url + "?token=" + viewer_);
  EXPECT_EQ(snap.status, 200);
  EXPECT_EQ(snap.headers["content-type"], "image/jpeg");
  EXPECT_EQ(snap.body.size(), j["detections"][0]["snapshot"]["size_bytes"].get<size_t>());
  EXPECT_EQ(server_->client().get("/api/v1/detections/frames/snapshots/..%2Fargus.db", viewer_).status, 404);
  EXPECT_EQ(server_->client().get(url).status, 401);
}

TEST_F(Frames, EnrolledPersonIsIdentified) {
  cv::Mat photo = cv::imread(sample_path(2));
  if (photo.empty()) GTEST_SKIP() << sample_path(2) << " missing";
  auto jpeg = jpeg_of(photo);
  auto first = post(frame_body("ident_1", jpeg));
  ASSERT_EQ(first.status, 200) << first.body.substr(0, 300);
  // Enrol the largest face (cropped as a portrait) through the persons API.
  Json best, first_j = first.json();
  for (auto& d : first_j["detections"])
    if (best.is_null() || d["bounding_box"]["width"] > best["bounding_box"]["width"]) best = d;
  ASSERT_FALSE(best.is_null());
  int x = best["bounding_box"]["x"], y = best["bounding_box"]["y"], w = best["bounding_box"]["width"], h = best["bounding_box"]["height"];
  cv::Rect crop = cv::Rect(x - w, y - w, w * 3, h + 2 * w) & cv::Rect(0, 0, photo.cols, photo.rows);
  std::vector<uint8_t> face;
  cv::imencode(".jpg", photo(crop), face, {cv::IMWRITE_JPEG_QUALITY, 95});
  std::string boundary = "frames-test-boundary";
  std::string body;
  for (auto [k, v] : {std::pair{"name", "Jane Doe"}, std::pair{"employee_id", "EMP-201"}, std::pair{"department", "Engineering"}})
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + k + "\"\r\n\r\n" + v + "\r\n";
  body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"images\"; filename=\"jane.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n" +
          std::string(face.begin(), face.end()) + "\r\n--" + boundary + "--\r\n";
  auto enrol = server_->client().request("POST", "/api/v1/persons", body, {"Content-Type: multipart/form-data; boundary=" + boundary}, admin_);
  ASSERT_EQ(enrol.status, 201) << enrol.body.substr(0, 400);
  int64_t person_id = enrol.json()["data"]["person"]["id"];

  auto again = post(frame_body("ident_2", jpeg));
  ASSERT_EQ(again.status, 200);
  Json j = again.json();
  EXPECT_GE(j["summary"]["identified_persons"].get<int>(), 1);
  EXPECT_EQ(j["summary"]["identified_persons"].get<int>() + j["summary"]["unknown_persons"].get<int>(),
            j["summary"]["total_detections"].get<int>());
  Json person;
  for (auto& d : j["detections"])
    if (!d["person"].is_null()) person = d["person"];
  ASSERT_FALSE(person.is_null()) << j.dump().substr(0, 600);
  expect_keys(person, {"person_id", "employee_id", "name", "department", "match_confidence", "match_distance", "enrollment_status",
                       "face_encoding_count"}, "person");
  EXPECT_EQ(person["person_id"], person_id);
  EXPECT_EQ(person["name"], "Jane Doe");
  EXPECT_EQ(person["employee_id"], "EMP-201");
  EXPECT_EQ(person["department"], "Engineering");
  EXPECT_EQ(person["enrollment_status"], "active");
  EXPECT_EQ(person["face_encoding_count"], 1);
  double conf = person["match_confidence"], dist = person["match_distance"];
  EXPECT_GT(conf, 0.0);
  EXPECT_LE(conf, 1.0);
  EXPECT_NEAR(conf + dist, 1.0, 1e-3);
}

TEST_F(Frames, KnownCameraGetsItsName) {
  auto cam = server_->client().post_json("/api/v1/cameras", {{"name", "Main Entrance"}, {"source", "rtsp://10.0.0.9/x"}, {"camera_type", "rtsp"}}, admin_);
  ASSERT_EQ(cam.status, 201);
  int64_t id = cam.json()["data"]["camera"]["id"];
  Json b = frame_body("named_cam", blank_jpeg());
  b["camera_id"] = id;
  auto r = post(b);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["processing_info"]["camera_name"], "Main Entrance");
  EXPECT_EQ(r.json()["processing_info"]["camera_id"], std::to_string(id));
}

TEST_F(Frames, ZeroFaces) {
  auto r = post(frame_body("blank_1", blank_jpeg()));
  ASSERT_EQ(r.status, 200) << r.body;
  Json j = r.json();
  EXPECT_EQ(j["status"], "success");
  EXPECT_EQ(j["message"], "No faces detected in frame");
  EXPECT_TRUE(j["detections"].is_array());
  EXPECT_TRUE(j["detections"].empty());
  EXPECT_EQ(j["summary"]["total_detections"], 0);
  EXPECT_EQ(j["summary"]["identified_persons"], 0);
  EXPECT_EQ(j["summary"]["unknown_persons"], 0);
  EXPECT_TRUE(j["processing_info"].is_object());
}

TEST_F(Frames, BadFramesAreRejectedWithClear400s) {
  auto code = [&](const Json& body) {
    auto r = post(body);
    EXPECT_EQ(r.status, 400) << r.body.substr(0, 300);
    return r.json()["error"]["code"].get<std::string>();
  };
  Json b = frame_body("bad_1", blank_jpeg());
  b["frame_data"] = "!!!! not base64 ####";
  EXPECT_EQ(code(b), "INVALID_BASE64");
  b["frame_data"] = b64(std::vector<uint8_t>(300, 0x42));
  EXPECT_EQ(code(b), "INVALID_IMAGE");

  // Truncated JPEG: the first half of a real one.
  auto full = jpeg_of(cv::Mat(480, 640, CV_8UC3, cv::Scalar(30, 90, 200)));
  std::vector<uint8_t> half(full.begin(), full.begin() + static_cast<long>(full.size() / 2));
  b["frame_data"] = b64(half);
  EXPECT_EQ(code(b), "INVALID_IMAGE");

  // 1x1 PNG.
  std::vector<uint8_t> tiny;
  cv::imencode(".png", cv::Mat(1, 1, CV_8UC3, cv::Scalar(0, 0, 0)), tiny);
  b["frame_data"] = b64(tiny);
  b["frame_metadata"]["format"] = "png";
  EXPECT_EQ(code(b), "IMAGE_TOO_SMALL");
  b["frame_metadata"]["format"] = "jpeg";

  // A small JPEG whose header claims 20000x20000: rejected from the header alone.
  auto small = jpeg_of(cv::Mat(64, 64, CV_8UC3, cv::Scalar(1, 2, 3)));
  bool patched = false;
  for (size_t i = 2; i + 9 < small.size(); ++i) {
    if (small[i] == 0xFF && (small[i + 1] == 0xC0 || small[i + 1] == 0xC2)) {
      small[i + 5] = 20000 >> 8, small[i + 6] = 20000 & 0xFF, small[i + 7] = 20000 >> 8, small[i + 8] = 20000 & 0xFF;
      patched = true;
      break;
    }
  }
  ASSERT_TRUE(patched);
  b["frame_data"] = b64(small);
  EXPECT_EQ(code(b), "IMAGE_TOO_LARGE");

  // The declared format must match the bytes.
  b["frame_data"] = b64(blank_jpeg());
  b["frame_metadata"]["format"] = "png";
  auto mismatch = post(b);
  EXPECT_EQ(mismatch.status, 400);
  EXPECT_TRUE(mismatch.json()["error"]["details"].contains("frame_metadata.format"));

  // Field errors, each named.
  auto r = post({{"stream_type", "VHS"},
                 {"timestamp", "yesterday"},
                 {"frame_data", 5},
                 {"detection_options", {{"parameters", {{"min_confidence", 2}, {"max_faces", 0}}},
                                        {"processing", {{"priority", "asap"}, {"timeout_ms", 0}, {"async", "yes"}}},
                                        {"bogus", 1}}},
                 {"client_context", {{"callback_url", "ftp://x/y"}}}});
  ASSERT_EQ(r.status, 400);
  Json d = r.json()["error"]["details"];
  EXPECT_EQ(r.json()["error"]["code"], "VALIDATION_ERROR");
  for (auto k : {"camera_id", "frame_id", "stream_type", "timestamp", "frame_data", "detection_options.parameters.min_confidence",
                 "detection_options.parameters.max_faces", "detection_options.processing.priority",
                 "detection_options.processing.timeout_ms", "detection_options.processing.async", "detection_options.bogus",
                 "client_context.callback_url"})
    EXPECT_TRUE(d.contains(k)) << k << " in " << d.dump();

  // Not JSON at all.
  auto raw = server_->client().request("POST", "/api/v1/detections/process-frame", "{", {"Content-Type: application/json"}, supervisor_);
  EXPECT_EQ(raw.status, 400);
}

TEST_F(Frames, SameFrameIdWithinFiveSecondsIsADuplicate) {
  auto first = post(frame_body("dup_1", blank_jpeg()));
  ASSERT_EQ(first.status, 200);
  auto again = post(frame_body("dup_1", blank_jpeg()));
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json()["status"], "duplicate");
  EXPECT_EQ(again.json()["processing_info"], first.json()["processing_info"]) << "the cached result";
  // Another frame id is processed.
  EXPECT_EQ(post(frame_body("dup_2", blank_jpeg())).json()["status"], "success");
}

TEST_F(Frames, ModelTimeout) {
  NEED_SAMPLE(jpeg);
  auto r = post(frame_body("timeout_1", jpeg, {{"timeout_ms", 1}}));
  ASSERT_EQ(r.status, 504) << r.body.substr(0, 300);
  Json j = r.json();
  EXPECT_EQ(j["success"], false);
  EXPECT_EQ(j["status"], "error");
  EXPECT_EQ(j["error"]["code"], "MODEL_TIMEOUT");
  EXPECT_EQ(j["error"]["frame_id"], "timeout_1");
  EXPECT_EQ(j["error"]["timeout_ms"], 1);
  EXPECT_TRUE(j["error"].contains("fallback_used"));
  EXPECT_TRUE(j["error"].contains("fallback_model"));
  // A timed-out frame is not remembered: the retry is processed.
  auto retry = post(frame_body("timeout_1", jpeg, {{"timeout_ms", 60000}}));
  EXPECT_EQ(retry.status, 200) << retry.body.substr(0, 300);
}

TEST_F(Frames, AsyncJobCompletesAndCallsBack) {
  NEED_SAMPLE(jpeg);
  CallbackServer hook({200});
  Json b = frame_body("async_1", jpeg, {{"async", true}, {"priority", "low"}, {"timeout_ms", 60000}});
  b["client_context"]["callback_url"] = hook.url();
  auto r = post(b);
  ASSERT_EQ(r.status, 202) << r.body.substr(0, 300);
  Json a = r.json();
  expect_keys(a, {"status", "message", "job_id", "frame_id", "estimated_completion_ms", "queue_position", "callback_url"}, "accepted");
  EXPECT_EQ(a["status"], "accepted");
  EXPECT_GE(a["queue_position"].get<int>(), 1);
  std::string id = a["job_id"];
  Json job;
  ASSERT_TRUE(wait_for([&] {
    job = server_->client().get("/api/v1/jobs/" + id, viewer_).json()["data"];
    return job.value("status", "") == "completed" || job.value("status", "") == "failed";
  }, 60000));
  ASSERT_EQ(job["status"], "completed") << job.dump().substr(0, 400);
  EXPECT_GE(job["result"]["detections"].size(), 2u);
  ASSERT_TRUE(wait_for([&] { return hook.count() >= 1; }, 10000));
  Json cb = hook.bodies()[0];
  EXPECT_EQ(cb["job_id"], id);
  EXPECT_EQ(cb["status"], "completed");
  EXPECT_EQ(cb["detections"].size(), job["result"]["detections"].size());
  EXPECT_EQ(server_->client().get("/api/v1/jobs/job_nope", viewer_).status, 404);
}

TEST_F(Frames, CallbackRetriedThenDeadLettered) {
  CallbackServer flaky({500, 200});
  Json b = frame_body("cb_retry", blank_jpeg(), {{"async", true}});
  b["client_context"]["callback_url"] = flaky.url();
  ASSERT_EQ(post(b).status, 202);
  ASSERT_TRUE(wait_for([&] { return flaky.count() >= 2; }, 10000)) << "retried after a 500";
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(flaky.count(), 2u) << "no attempt after the 200";

  CallbackServer down({500});
  Json d = frame_body("cb_dead", blank_jpeg(), {{"async", true}});
  d["client_context"]["callback_url"] = down.url();
  auto acc = post(d);
  ASSERT_EQ(acc.status, 202);
  std::string id = acc.json()["job_id"];
  Json letters;
  ASSERT_TRUE(wait_for([&] {
    letters = server_->client().get("/api/v1/jobs/dead-letters", admin_).json()["data"]["dead_letters"];
    for (auto& l : letters)
      if (l["job_id"] == id) return true;
    return false;
  }, 10000));
  EXPECT_EQ(down.count(), 3u) << "callback_max_attempts = 3";
  for (auto& l : letters)
    if (l["job_id"] == id) {
      EXPECT_EQ(l["attempts"], 3);
      EXPECT_EQ(l["last_error"], "HTTP 500");
    }
  EXPECT_EQ(server_->client().get("/api/v1/jobs/dead-letters", viewer_).status, 403);
}

TEST_F(Frames, Roles) {
  auto r = post(frame_body("role_1", blank_jpeg()), viewer_);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.json()["error"]["code"], "FORBIDDEN");
  auto anon = server_->client().post_json("/api/v1/detections/process-frame", frame_body("role_2", blank_jpeg()));
  EXPECT_EQ(anon.status, 401);
  EXPECT_EQ(post(frame_body("role_3", blank_jpeg()), admin_).status, 200);
}

TEST_F(Frames, MetricsAreExported) {
  auto m = server_->client().get("/metrics").body;
  EXPECT_NE(m.find("argus_frame_queue_depth"), std::string::npos);
  EXPECT_NE(m.find("argus_frame_requests_total"), std::string::npos);
  EXPECT_NE(m.find("argus_frame_stage_seconds"), std::string::npos);
}

// A tiny queue (1) and one worker: bursts are shed with 503 QUEUE_FULL, a higher priority
// evicts a queued lower one, and a duplicate of a queued frame is 409. The worker is kept
// busy by one expensive frame (a 2x2 mosaic of a group photo) while cheap blank frames,
// each a few ms to submit, probe the queue.
TEST(FramesQueue, QueueFullEvictionAndInProgressDuplicate) {
  cv::Mat m = cv::imread(sample_path(5));
  if (m.empty()) GTEST_SKIP() << sample_path(5) << " missing";
  cv::Mat row, big;
  cv::hconcat(std::vector<cv::Mat>{m, m}, row);
  cv::vconcat(std::vector<cv::Mat>{row, row}, big);
  auto slow = jpeg_of(big);
  auto blank = blank_jpeg();
  ArgusServer s({"--set", "pipeline.frame_queue_capacity=1", "--set", "pipeline.frame_workers=1"});
  auto c = s.client();
  std::string admin = s.admin_token();
  auto post = [&](const Json& b) { return c.post_json("/api/v1/detections/process-frame", b, admin); };
  auto probe = post(frame_body("probe", blank));
  if (probe.status == 503) GTEST_SKIP() << "face models not loaded";

  auto t0 = std::chrono::steady_clock::now();
  auto busy = post(frame_body("busy", slow, {{"async", true}, {"priority", "low"}, {"timeout_ms", 60000}}));
  ASSERT_EQ(busy.status, 202);
  std::string busy_job = busy.json()["job_id"];
  ASSERT_TRUE(wait_for([&] { return c.get("/api/v1/jobs/" + busy_job, admin).json()["data"]["status"] == "processing"; }, 10000));

  // A queued frame past its deadline gives its place up to the next arrival (504 for it).
  auto stale = post(frame_body("stale", blank, {{"async", true}, {"priority", "low"}, {"timeout_ms", 1}}));
  ASSERT_EQ(stale.status, 202);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto low = post(frame_body("low_q", blank, {{"async", true}, {"priority", "low"}, {"timeout_ms", 60000}}));
  ASSERT_EQ(low.status, 202);
  auto stale_job = c.get("/api/v1/jobs/" + stale.json()["job_id"].get<std::string>(), admin).json()["data"];
  EXPECT_EQ(stale_job["status"], "failed");
  EXPECT_EQ(stale_job["error"]["code"], "MODEL_TIMEOUT");
  EXPECT_EQ(stale_job["error"]["timeout_ms"], 1);
  EXPECT_EQ(low.json()["queue_position"], 1);
  std::string low_job = low.json()["job_id"];
  // Duplicate of a frame still queued.
  auto dup = post(frame_body("low_q", blank, {{"async", true}, {"priority", "low"}}));
  EXPECT_EQ(dup.status, 409) << dup.body;
  EXPECT_EQ(dup.json()["error"]["code"], "DUPLICATE_FRAME");
  EXPECT_EQ(dup.json()["error"]["job_id"], low_job);
  // Same priority while full: refused.
  auto refused = post(frame_body("low_2", blank, {{"async", true}, {"priority", "low"}}));
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(refused.json()["error"]["code"], "QUEUE_FULL");
  EXPECT_EQ(refused.headers["retry-after"], "1");
  // Higher priority: admitted, the queued low one is shed.
  auto high = post(frame_body("high_1", blank, {{"async", true}, {"priority", "high"}, {"timeout_ms", 60000}}));
  EXPECT_EQ(high.status, 202) << high.body;
  auto shed = c.get("/api/v1/jobs/" + low_job, admin).json()["data"];
  EXPECT_EQ(shed["status"], "failed");
  EXPECT_EQ(shed["error"]["code"], "QUEUE_FULL");
  // A burst of synchronous normals: the queue holds "high_1", which they cannot evict.
  int full = 0;
  for (int i = 0; i < 4; ++i) {
    auto r = post(frame_body("burst_" + std::to_string(i), blank, {{"priority", "normal"}, {"timeout_ms", 5000}}));
    if (r.status == 503 && r.json()["error"]["code"] == "QUEUE_FULL") ++full;
  }
  EXPECT_EQ(full, 4);
  auto still = c.get("/api/v1/jobs/" + busy_job, admin).json()["data"]["status"];
  EXPECT_EQ(still, "processing") << "the busy frame must outlast the probes for this test to mean anything ("
                                 << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() << " s)";
  // Everything admitted finishes.
  ASSERT_TRUE(wait_for([&] { return c.get("/api/v1/jobs/" + busy_job, admin).json()["data"]["status"] == "completed"; }, 30000));
  std::string high_job = high.json()["job_id"];
  ASSERT_TRUE(wait_for([&] { return c.get("/api/v1/jobs/" + high_job, admin).json()["data"]["status"] == "completed"; }, 30000));
  auto metrics = c.get("/metrics").body;
  EXPECT_NE(metrics.find("outcome=\"queue_full\""), std::string::npos);
  EXPECT_NE(metrics.find("outcome=\"evicted\""), std::string::npos);
  EXPECT_NE(metrics.find("argus_frame_queue_depth 0"), std::string::npos);
}
