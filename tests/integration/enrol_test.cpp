// Enrolment with photos, per-image verdicts, person images, gallery updates and the model
// registry, through the real server with the real models (fetched by setup).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "argus_server.h"

using namespace argus_test;
namespace fs = std::filesystem;

namespace {

std::string models_dir() { return std::string(ARGUS_SOURCE_DIR) + "/models"; }

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

// A single-face photo cut from a package-shipped group photo: `argus detect` finds the
// faces, we crop the largest with a margin.
std::string single_face_jpeg(const std::string& photo, int which = 0) {
  // Run from the source root, where models/ lives.
  std::string cmd = "cd " + std::string(ARGUS_SOURCE_DIR) + " && " + ArgusServer::binary() + " detect --json " + photo + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  pclose(p);
  auto j = Json::parse(out, nullptr, false);
  if (j.is_discarded()) return "";
  // {"detections": [{"count": N, "faces": [{"bbox": {...}, ...}]}]}, one entry per image.
  if (!j.contains("detections") || !j["detections"].is_array() || j["detections"].empty()) return "";
  Json dets = j["detections"][0]["faces"];
  if (!dets.is_array() || dets.empty()) return "";
  std::vector<cv::Rect> boxes;
  for (auto& d : dets) {
    const auto& b = d["bbox"];
    boxes.emplace_back(static_cast<int>(b["x"].get<double>()), static_cast<int>(b["y"].get<double>()),
                       static_cast<int>(b["width"].get<double>()), static_cast<int>(b["height"].get<double>()));
  }
  std::sort(boxes.begin(), boxes.end(), [](auto& a, auto& b) { return a.area() > b.area(); });
  cv::Mat img = cv::imread(photo);
  cv::Rect r = boxes[std::min<size_t>(which, boxes.size() - 1)];
  int m = r.width;  // the face should fill about a third of the photo, as in a portrait
  cv::Rect crop = (cv::Rect(r.x - m, r.y - m, r.width + 2 * m, r.height + 2 * m)) & cv::Rect(0, 0, img.cols, img.rows);
  cv::Mat face = img(crop).clone();
  if (face.cols < 200) cv::resize(face, face, cv::Size(), 200.0 / face.cols, 200.0 / face.cols, cv::INTER_CUBIC);
  std::vector<uchar> jpeg;
  cv::imencode(".jpg", face, jpeg, {cv::IMWRITE_JPEG_QUALITY, 95});
  return std::string(jpeg.begin(), jpeg.end());
}

std::string multipart_body(const std::string& boundary, const std::vector<std::pair<std::string, std::string>>& fields,
                           const std::vector<std::pair<std::string, std::string>>& files) {
  std::string b;
  for (auto& [k, v] : fields) b += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + k + "\"\r\n\r\n" + v + "\r\n";
  for (auto& [name, data] : files)
    b += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"images\"; filename=\"" + name +
         "\"\r\nContent-Type: image/jpeg\r\n\r\n" + data + "\r\n";
  return b + "--" + boundary + "--\r\n";
}

HttpResult post_multipart(HttpClient& c, const std::string& path, const std::vector<std::pair<std::string, std::string>>& fields,
                          const std::vector<std::pair<std::string, std::string>>& files, const std::string& token) {
  std::string boundary = "argus-test-boundary-7d2f";
  return c.request("POST", path, multipart_body(boundary, fields, files),
                   {"Content-Type: multipart/form-data; boundary=" + boundary}, token);
}

class Enrol : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(models_dir() + "/fr_detect.onnx") || !fs::exists(models_dir() + "/samples/sample2.jpg"))
      GTEST_SKIP() << "models/ not fetched (scripts/fetch-models.sh)";
    face_a = single_face_jpeg(models_dir() + "/samples/sample2.jpg", 0);
    face_b = single_face_jpeg(models_dir() + "/samples/sample3.jpg", 0);
    ASSERT_FALSE(face_a.empty());
    server = std::make_unique<ArgusServer>();
    token = server->admin_token();
  }
  int64_t gallery_size() { return server->client().get("/api/v1/models", token).json()["data"]["gallery_size"]; }
  int64_t person_count() { return server->client().get("/api/v1/persons", token).json()["pagination"]["total"]; }
  std::string face_a, face_b;
  std::unique_ptr<ArgusServer> server;
  std::string token;
};

}  // namespace

TEST_F(Enrol, PhotoEnrolsAndIsServedBack) {
  auto c = server->client();
  auto r = post_multipart(c, "/api/v1/persons", {{"name", "Ann Example"}, {"employee_id", "E-7"}, {"consent_given", "true"}},
                          {{"a.jpg", face_a}}, token);
  ASSERT_EQ(r.status, 201) << r.body;
  auto j = r.json()["data"];
  EXPECT_TRUE(j["images"][0]["ok"].get<bool>());
  EXPECT_GT(j["images"][0]["quality"].get<double>(), 0.0);
  ASSERT_EQ(j["person"]["images"].size(), 1u);
  EXPECT_EQ(j["person"]["consent"]["given"], true);
  EXPECT_EQ(gallery_size(), 1);
  std::string url = j["person"]["images"][0]["url"];
  auto img = c.get(url, token);
  EXPECT_EQ(img.status, 200);
  EXPECT_EQ(img.headers["content-type"], "image/jpeg");
  EXPECT_EQ(img.body.substr(0, 2), "\xff\xd8");
  EXPECT_EQ(c.get(url).status, 401);
  EXPECT_EQ(c.get(url + "?token=" + token).status, 200);
  // The gallery survives a restart (loaded from the store).
  std::string pw = server->admin_password();
  server->restart();
  token = server->login("admin", pw);
  EXPECT_EQ(gallery_size(), 1);
}

TEST_F(Enrol, BadPhotosGetReasonsAndStoreNothing) {
  auto c = server->client();
  int64_t before = person_count();
  auto group = post_multipart(c, "/api/v1/persons", {{"name", "Crowd"}}, {{"g.jpg", read_file(models_dir() + "/samples/sample1.jpg")}}, token);
  ASSERT_EQ(group.status, 422) << group.body;
  EXPECT_EQ(group.json()["error"]["details"]["images"][0]["reason"], "multiple_faces");
  {  // the audit trail says the person created for those photos was taken back, and why
    const Json audit = c.get("/api/v1/audit?resource=person&action=delete", token).json();
    bool taken_back = false;
    for (const auto& e : audit["data"]["entries"])
      taken_back = taken_back || (e["details"].is_object() && e["details"].value("reason", "") == "enrolment photos refused");
    EXPECT_TRUE(taken_back) << audit.dump();
  }
  auto junk = post_multipart(c, "/api/v1/persons", {{"name", "Junk"}}, {{"x.jpg", "this is not a picture"}, {"a.jpg", face_a}}, token);
  ASSERT_EQ(junk.status, 422);
  auto v = junk.json()["error"]["details"]["images"];
  EXPECT_EQ(v[0]["reason"], "not_an_image");
  EXPECT_TRUE(v[1]["ok"].get<bool>());
  cv::Mat tiny(1, 1, CV_8UC3, cv::Scalar(0, 0, 0));
  std::vector<uchar> png;
  cv::imencode(".png", tiny, png);
  auto small = post_multipart(c, "/api/v1/persons", {{"name", "Tiny"}}, {{"t.png", std::string(png.begin(), png.end())}}, token);
  EXPECT_EQ(small.status, 422);
  cv::Mat blank(480, 640, CV_8UC3, cv::Scalar(120, 120, 120));
  std::vector<uchar> blank_jpg;
  cv::imencode(".jpg", blank, blank_jpg);
  auto none = post_multipart(c, "/api/v1/persons", {{"name", "Nobody"}}, {{"b.jpg", std::string(blank_jpg.begin(), blank_jpg.end())}}, token);
  EXPECT_EQ(none.json()["error"]["details"]["images"][0]["reason"], "no_face");
  EXPECT_EQ(person_count(), before);
  EXPECT_EQ(gallery_size(), 0);
  auto truncated = post_multipart(c, "/api/v1/persons", {{"name", "T"}}, {{"t.jpg", face_a.substr(0, face_a.size() / 3)}}, token);
  EXPECT_EQ(truncated.status, 422);
  auto no_boundary = c.request("POST", "/api/v1/persons", "garbage", {"Content-Type: multipart/form-data"}, token);
  EXPECT_EQ(no_boundary.status, 400);
  EXPECT_EQ(c.get("/health").status, 200);
}

TEST_F(Enrol, DuplicateFaceIsFlaggedAndImagesDelete) {
  auto c = server->client();
  auto first = post_multipart(c, "/api/v1/persons", {{"name", "First"}}, {{"a.jpg", face_a}}, token).json()["data"];
  int64_t first_id = first["person"]["id"];
  // The same face under another name is accepted but flagged.
  auto second = post_multipart(c, "/api/v1/persons", {{"name", "Second"}}, {{"a.jpg", face_a}}, token);
  ASSERT_EQ(second.status, 201) << second.body;
  auto dup = second.json()["data"]["images"][0]["duplicate_of"];
  ASSERT_TRUE(dup.is_object()) << second.body;
  EXPECT_EQ(dup["person_id"], first_id);
  int64_t second_id = second.json()["data"]["person"]["id"];
  // More photos for the first person through /persons/{id}/images.
  auto more = post_multipart(c, "/api/v1/persons/" + std::to_string(first_id) + "/images", {}, {{"b.jpg", face_b}}, token);
  ASSERT_EQ(more.status, 201) << more.body;
  EXPECT_EQ(gallery_size(), 3);
  int64_t image_id = more.json()["data"]["images"][0]["image_id"];
  EXPECT_EQ(c.del("/api/v1/persons/" + std::to_string(second_id) + "/images/" + std::to_string(image_id), token).status, 404);
  EXPECT_EQ(c.del("/api/v1/persons/" + std::to_string(first_id) + "/images/" + std::to_string(image_id), token).status, 200);
  EXPECT_EQ(gallery_size(), 2);
  EXPECT_EQ(c.del("/api/v1/persons/" + std::to_string(first_id), token).status, 200);
  EXPECT_EQ(gallery_size(), 1);
  EXPECT_FALSE(fs::exists(server->data_dir() + "/blobs/persons/" + std::to_string(first_id)));
}

TEST_F(Enrol, ModelRegistryListsAndSwitches) {
  auto c = server->client();
  auto j = c.get("/api/v1/models", token).json()["data"];
  ASSERT_TRUE(j["models"].is_array());
  std::string other;
  for (auto& m : j["models"]) {
    EXPECT_TRUE(m.contains("sha256") || m.contains("task"));
    if (m["task"] == "detector" && !m["active"].get<bool>() && m.value("status", "ready") == "ready") other = m["id"];
  }
  ASSERT_FALSE(other.empty()) << j.dump();
  auto sw = c.put_json("/api/v1/models/detector", {{"model_id", other}}, token);
  ASSERT_EQ(sw.status, 200) << sw.body;
  EXPECT_EQ(sw.json()["data"]["active"]["detector"], other);
  EXPECT_EQ(c.put_json("/api/v1/models/detector", {{"model_id", "no-such-model"}}, token).status, 404);
  std::string viewer = server->token_for_role("viewer", token);
  EXPECT_EQ(c.put_json("/api/v1/models/detector", {{"model_id", other}}, viewer).status, 403);
}

TEST(CliFaces, EnrollThenIdentify) {
  std::string data = eval_data_dir();
  if (data.empty()) GTEST_SKIP() << "../shared/data is absent (ARGUS_EVAL_DATA)";
  if (!fs::exists(models_dir() + "/fr_feature.onnx")) GTEST_SKIP() << "models/ not fetched";
  TempDir dir;
  std::string imgs = data + "/identification/lfw10x10/images/";
  auto run = [&](const std::string& args) {
    std::string out;
    FILE* p = popen(("cd " + std::string(ARGUS_SOURCE_DIR) + " && " + ArgusServer::binary() + " " + args +
                     " --data " + dir.path() + " --set vision.warmup_runs=1 2>/dev/null").c_str(), "r");
    char buf[4096];
    while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    int rc = pclose(p);
    return std::make_pair(WEXITSTATUS(rc), Json::parse(out, nullptr, false));
  };
  auto [rc, enrolled] = run("enroll --name 'Colin Powell' " + imgs + "Colin_Powell/Colin_Powell_0002.jpg " + imgs +
                            "Colin_Powell/Colin_Powell_0003.jpg");
  ASSERT_EQ(rc, 0) << enrolled.dump();
  EXPECT_TRUE(enrolled["enrolled"].get<bool>());
  auto [rc2, found] = run("identify " + imgs + "Colin_Powell/Colin_Powell_0005.jpg " + imgs + "Tony_Blair/Tony_Blair_0003.jpg");
  ASSERT_EQ(rc2, 0);
  EXPECT_EQ(found["results"][0]["faces"][0]["person"]["name"], "Colin Powell");
  EXPECT_TRUE(found["results"][1]["faces"][0]["person"].is_null());
}
