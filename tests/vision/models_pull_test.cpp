// `argus models pull` end to end: a loopback HTTP server serves ../shared/data/baseline-models
// (the catalogue's mirror_path layout), the argus binary downloads, verifies and registers,
// and ModelRegistry loads what was pulled (UltraFace-640 and YuNet decoders on real photos).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <opencv2/imgcodecs.hpp>

#include <array>
#include <cstdio>
#include <fstream>
#include <mutex>

#include "core/json.h"
#include "tools/peers.h"
#include "vision/model_registry.h"
#include "vision_test_util.h"

using namespace argus;
using namespace argus::vision;
namespace fs = std::filesystem;

namespace {

std::string argus_bin() {
  const char* b = std::getenv("ARGUS_BIN");
  return b ? b : std::string(ARGUS_BINARY_DIR) + "/argus";
}

std::string baseline_dir() {
  std::string d = argus_test::eval_data_dir();
  return d.empty() || !fs::is_directory(d + "/baseline-models") ? std::string() : d + "/baseline-models";
}

#define REQUIRE_ARGUS()                                                                 \
  do {                                                                                 \
    if (!fs::exists(argus_bin())) GTEST_SKIP() << "argus binary not built";            \
  } while (0)
#define REQUIRE_BASELINE_AND_ARGUS()                                                                   \
  do {                                                                                                 \
    if (baseline_dir().empty())                                                                        \
      GTEST_SKIP() << "../shared/data/baseline-models absent (set ARGUS_EVAL_DATA): nothing to serve"; \
    REQUIRE_ARGUS();                                                                                   \
  } while (0)

Json catalogue() {
  std::ifstream in(std::string(ARGUS_SOURCE_DIR) + "/config/model-catalogue.json");
  return Json::parse(in);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Serves `root` over HTTP/1.0 on 127.0.0.1. Besides plain files:
//   /corrupt/<path>   the file with one byte flipped
//   /redirect/<path>  302 to /<path>
//   /loop/<n>         302 to /loop/<n+1>, forever
class ModelMirror {
 public:
  explicit ModelMirror(std::string root)
      : root_(std::move(root)), server_([this](int fd, const std::atomic<bool>&) { serve(fd); }) {}
  std::string base() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }
  std::vector<std::string> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  static void send_all(int fd, const std::string& s) {
    for (size_t off = 0; off < s.size();) {
      ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += size_t(n);
    }
  }
  static void reply(int fd, const std::string& status, const std::string& body, const std::string& extra = "") {
    send_all(fd, "HTTP/1.0 " + status + "\r\nContent-Length: " + std::to_string(body.size()) +
                     "\r\nConnection: close\r\n" + extra + "\r\n" + body);
  }
  void serve(int fd) {
    std::string head = argus_test::read_http_head(fd);
    auto sp1 = head.find(' '), sp2 = head.find(' ', sp1 + 1);
    if (sp1 == std::string::npos || sp2 == std::string::npos) return;
    std::string path = head.substr(sp1 + 1, sp2 - sp1 - 1);
    {
      std::lock_guard lock(mu_);
      requests_.push_back(path);
    }
    auto starts = [&](const char* p) { return path.rfind(p, 0) == 0; };
    if (starts("/loop/")) {
      int n = std::atoi(path.c_str() + 6);
      return reply(fd, "302 Found", "", "Location: /loop/" + std::to_string(n + 1) + "\r\n");
    }
    if (starts("/redirect/")) return reply(fd, "302 Found", "", "Location: " + path.substr(9) + "\r\n");
    bool corrupt = starts("/corrupt/");
    std::string rel = corrupt ? path.substr(8) : path;
    if (rel.find("..") != std::string::npos || !fs::is_regular_file(root_ + rel))
      return reply(fd, "404 Not Found", "not found\n");
    std::string body = slurp(root_ + rel);
    if (corrupt && !body.empty()) body[body.size() / 2] ^= 0x5a;
    reply(fd, "200 OK", body, "Content-Type: application/octet-stream\r\n");
  }

  std::string root_;
  mutable std::mutex mu_;
  std::vector<std::string> requests_;
  argus_test::LoopbackServer server_;  // last: stops before the members it uses go away
};

struct CmdResult {
  int rc = -1;
  std::string out;  // stdout and stderr
};

CmdResult run_argus(const std::string& args, const std::string& env = "") {
  CmdResult r;
  std::string cmd = (env.empty() ? "" : "env " + env + " ") + argus_bin() + " " + args + " 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), pclose);
  if (!p) return r;
  std::array<char, 4096> buf;
  for (size_t n; (n = fread(buf.data(), 1, buf.size(), p.get())) > 0;) r.out.append(buf.data(), n);
  int st = pclose(p.release());
  r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

CmdResult pull(const std::string& name, const std::string& dir, const ModelMirror& mirror, const std::string& extra = "") {
  return run_argus("models pull " + name + " --models-dir " + dir + " " + extra, "ARGUS_MODEL_MIRROR=" + mirror.base());
}

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// A failed pull: its exit code, `why` in what it printed, and nothing left in `dir` (or no
// `dir` at all when the pull would have created it).
void expect_failed(const CmdResult& r, int rc, const std::string& why, const std::string& dir) {
  EXPECT_EQ(r.rc, rc) << r.out;
  EXPECT_NE(r.out.find(why), std::string::npos) << r.out;
  EXPECT_TRUE(files_in(dir).empty()) << r.out;
}

// A models folder with the bundled models the registry needs (linked from models/) beside
// what gets pulled into it.
void link_bundled_models(const std::string& dir) {
  for (const char* f : {"fr_detect.onnx", "fr_feature_ort.onnx", "samples"})
    fs::create_symlink(argus_test::models_dir() + "/" + f, dir + "/" + f);
}

std::shared_ptr<ModelRegistry> load_registry(const std::string& dir) {
  VisionConfig cfg = argus_test::test_vision_config();
  cfg.models_dir = dir;
  RegistryOptions ro;
  ro.warmup_runs = 2;
  ro.opencv_variants = false;
  ro.classic_detectors = false;
  auto reg = ModelRegistry::create(cfg, ro);
  EXPECT_TRUE(reg.ok()) << (reg.ok() ? "" : reg.error().message);
  return reg.ok() ? *reg : nullptr;
}

size_t count_faces(const ModelRegistry& reg, const std::string& id, const cv::Mat& img) {
  auto m = reg.get(id);
  if (!m) return 0;
  auto d = m->detector->detect(img, DetectOptions{});
  return d.ok() ? d->size() : 0;
}

}  // namespace

TEST(models_pull, CatalogueMatchesBaselineModels) {
  if (baseline_dir().empty()) GTEST_SKIP() << "../shared/data/baseline-models absent (set ARGUS_EVAL_DATA)";
  Json cat = catalogue();
  ASSERT_TRUE(cat["models"].contains("ultraface-640"));
  ASSERT_TRUE(cat["models"].contains("yunet-n-320"));
  for (const auto& [name, m] : cat["models"].items()) {
    std::string path = baseline_dir() + "/" + m["mirror_path"].get<std::string>();
    EXPECT_EQ(sha256_file(path), m["sha256"]) << name;
    EXPECT_EQ(int64_t(fs::file_size(path)), m["size"].get<int64_t>()) << name;
    EXPECT_TRUE(pulled_decoder_supported(m["task"].get<std::string>(), m["decoder"].get<std::string>())) << name;
    EXPECT_EQ(m["url"].get<std::string>().rfind("https://raw.githubusercontent.com/", 0), 0u) << name;
  }
}

TEST(models_pull, PullVerifiesAndRegisters) {
  REQUIRE_BASELINE_AND_ARGUS();
  ModelMirror mirror(baseline_dir());
  argus_test::TempDir tmp;
  const std::string dir = tmp.path() + "/models";  // created by the pull
  Json cat = catalogue()["models"];
  for (const char* name : {"ultraface-640", "yunet-n-320"}) {
    auto r = pull(name, dir, mirror);
    ASSERT_EQ(r.rc, 0) << r.out;
    EXPECT_NE(r.out.find("SHA-256 verified"), std::string::npos) << r.out;
    std::string file = dir + "/" + cat[name]["file"].get<std::string>();
    ASSERT_TRUE(fs::exists(file)) << r.out;
    EXPECT_EQ(sha256_file(file), cat[name]["sha256"]);
  }
  EXPECT_EQ(files_in(dir), (std::vector<std::string>{"pulled.json", "version-RFB-640.onnx", "yunet_n_320_320.onnx"}));
  auto pulled = read_pulled_models(dir);
  ASSERT_TRUE(pulled.ok());
  ASSERT_EQ(pulled->size(), 2u);
  EXPECT_EQ((*pulled)[0].id, "ultraface-640");
  EXPECT_EQ((*pulled)[0].decoder, "ultraface");
  EXPECT_EQ((*pulled)[0].input_size, "640x480");
  EXPECT_EQ((*pulled)[0].url, mirror.base() + "/ultraface/version-RFB-640.onnx");
  EXPECT_EQ((*pulled)[1].id, "yunet-n-320");
  EXPECT_EQ((*pulled)[1].sha256, cat["yunet-n-320"]["sha256"]);
  EXPECT_EQ((*pulled)[1].licence, "Apache-2.0");
  EXPECT_FALSE((*pulled)[1].pulled_at.empty());

  // A second pull of a verified file downloads nothing.
  size_t before = mirror.requests().size();
  auto again = pull("yunet-n-320", dir, mirror);
  EXPECT_EQ(again.rc, 0) << again.out;
  EXPECT_NE(again.out.find("already present"), std::string::npos) << again.out;
  EXPECT_EQ(mirror.requests().size(), before);
  EXPECT_EQ(read_pulled_models(dir)->size(), 2u);

  // `models list` shows the catalogue with what is installed.
  auto list = run_argus("models list --json --models-dir " + dir);
  ASSERT_EQ(list.rc, 0) << list.out;
  Json lj = Json::parse(list.out);
  std::map<std::string, std::string> status;
  for (const auto& m : lj["models"]) status[m["name"].get<std::string>()] = m["status"].get<std::string>();
  EXPECT_EQ(status["ultraface-640"], "installed");
  EXPECT_EQ(status["yunet-n-320"], "installed");
  EXPECT_EQ(status["yunet-n-640"], "not installed");
}

TEST(models_pull, FollowsARedirect) {
  REQUIRE_BASELINE_AND_ARGUS();
  ModelMirror mirror(baseline_dir());
  argus_test::TempDir tmp;
  auto r = pull("yunet-n-640", tmp.path(), mirror, "--url " + mirror.base() + "/redirect/yunet/yunet_n_640_640.onnx");
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_TRUE(fs::exists(tmp.path() + "/yunet_n_640_640.onnx"));
  EXPECT_EQ(mirror.requests(), (std::vector<std::string>{"/redirect/yunet/yunet_n_640_640.onnx",
                                                         "/yunet/yunet_n_640_640.onnx"}));
}

TEST(models_pull, ChecksumMismatchLeavesNothingBehind) {
  REQUIRE_BASELINE_AND_ARGUS();
  ModelMirror mirror(baseline_dir());
  argus_test::TempDir tmp;
  // Into a folder the pull would create: the folder goes too.
  const std::string fresh = tmp.path() + "/models";
  auto r = pull("yunet-n-320", fresh, mirror, "--url " + mirror.base() + "/corrupt/yunet/yunet_n_320_320.onnx");
  expect_failed(r, 1, "SHA-256 mismatch", fresh);
  EXPECT_NE(r.out.find("nothing was installed"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(fresh));
  // Into an existing folder that already has a pulled model: it stays as it was.
  ASSERT_EQ(pull("yunet-n-640", tmp.path(), mirror).rc, 0);
  std::string registry_before = slurp(tmp.path() + "/pulled.json");
  r = pull("ultraface-640", tmp.path(), mirror, "--mirror " + mirror.base() + "/corrupt");
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("SHA-256 mismatch"), std::string::npos) << r.out;
  EXPECT_EQ(files_in(tmp.path()), (std::vector<std::string>{"pulled.json", "yunet_n_640_640.onnx"}));
  EXPECT_EQ(slurp(tmp.path() + "/pulled.json"), registry_before);
}

TEST(models_pull, HttpErrorsFailCleanly) {
  REQUIRE_BASELINE_AND_ARGUS();
  ModelMirror mirror(baseline_dir());
  argus_test::TempDir tmp;
  auto r = pull("yunet-n-320", tmp.path(), mirror, "--url " + mirror.base() + "/no/such/file.onnx");
  expect_failed(r, 1, "HTTP 404", tmp.path());
  r = pull("yunet-n-320", tmp.path(), mirror, "--url " + mirror.base() + "/loop/0");
  expect_failed(r, 1, "more than 5 redirects", tmp.path());
  // Only http(s).
  r = pull("yunet-n-320", tmp.path(), mirror, "--url file://" + baseline_dir() + "/yunet/yunet_n_320_320.onnx");
  expect_failed(r, 2, "only http:// and https://", tmp.path());
}

// HTTPS peers are verified: a self-signed certificate is refused.
TEST(models_pull, UntrustedHttpsCertificateFails) {
  REQUIRE_ARGUS();
  argus_test::TempDir tmp;
  const std::string key = tmp.path() + "/key.pem", cert = tmp.path() + "/cert.pem";
  if (!argus_test::run_command("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
                               "-addext subjectAltName=IP:127.0.0.1 -keyout " + key + " -out " + cert + " 2>/dev/null"))
    GTEST_SKIP() << "openssl could not make a test certificate";
  const char* server =
      "import http.server, os, ssl, sys\n"
      "os.chdir(sys.argv[1])\n"
      "srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), http.server.SimpleHTTPRequestHandler)\n"
      "ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
      "ctx.load_cert_chain(sys.argv[2], sys.argv[3])\n"
      "srv.socket = ctx.wrap_socket(srv.socket, server_side=True)\n"
      "print('READY', srv.server_address[1], flush=True)\n"
      "srv.serve_forever()\n";
  argus_test::ChildProcess https({"/usr/bin/python3", "-c", server, tmp.path(), cert, key});
  std::string ready = https.wait_for_line("READY", std::chrono::seconds(20));
  if (ready.empty()) GTEST_SKIP() << "python3 HTTPS server did not start";
  const std::string dir = tmp.path() + "/models";
  auto r = run_argus("models pull yunet-n-320 --models-dir " + dir + " --url https://127.0.0.1:" + ready.substr(6) +
                     "/yunet/yunet_n_320_320.onnx");
  expect_failed(r, 1, "TLS certificate verification failed", dir);
  EXPECT_FALSE(fs::exists(dir));
}

TEST(models_pull, UnreachableHostFails) {
  REQUIRE_ARGUS();
  int port = 0;
  {
    argus_test::LoopbackServer closed([](int, const std::atomic<bool>&) {});
    port = closed.port();
  }  // stopped: nothing listens there now
  argus_test::TempDir tmp;
  auto r = run_argus("models pull yunet-n-320 --models-dir " + tmp.path() + " --timeout 20 --url http://127.0.0.1:" +
                     std::to_string(port) + "/yunet/yunet_n_320_320.onnx");
  expect_failed(r, 1, "download from", tmp.path());
}

TEST(models_pull, UnknownNameFails) {
  REQUIRE_ARGUS();
  argus_test::TempDir tmp;
  auto r = run_argus("models pull no-such-model --models-dir " + tmp.path());
  expect_failed(r, 2, "unknown model", tmp.path());
  EXPECT_NE(r.out.find("yunet-n-320"), std::string::npos) << r.out;  // lists what there is
}

// The decoders on their own, straight from the baseline files: every face the bundled
// detector finds in the package photos, and YuNet's 5 keypoints inside each box.
TEST(models_pull, DecodersFindFacesInSamplePhotos) {
  REQUIRE_MODELS();
  if (baseline_dir().empty()) GTEST_SKIP() << "../shared/data/baseline-models absent (set ARGUS_EVAL_DATA)";
  BackendOptions bo{"cpu", 1};
  auto uf320 = make_ort_backend(argus_test::models_dir() + "/fr_detect.onnx", kUltraFaceInput, kUltraFaceOutputs, bo);
  auto uf640 = make_ort_backend(baseline_dir() + "/ultraface/version-RFB-640.onnx", kUltraFaceInput, kUltraFaceOutputs, bo);
  auto yn320 = make_ort_backend(baseline_dir() + "/yunet/yunet_n_320_320.onnx", kYuNetInput, kYuNetOutputs, bo);
  auto yn640 = make_ort_backend(baseline_dir() + "/yunet/yunet_n_640_640.onnx", kYuNetInput, kYuNetOutputs, bo);
  ASSERT_TRUE(uf320.ok() && uf640.ok() && yn320.ok() && yn640.ok());
  auto reference = make_ultraface_detector(*uf320);
  std::vector<std::pair<std::string, std::unique_ptr<Detector>>> dets;
  dets.emplace_back("ultraface-640", make_ultraface_detector(*uf640, cv::Size(640, 480)));
  dets.emplace_back("yunet-n-320", make_yunet_detector(*yn320, cv::Size(320, 320)));
  dets.emplace_back("yunet-n-640", make_yunet_detector(*yn640, cv::Size(640, 640)));
  for (int i : {4, 6}) {
    cv::Mat img = cv::imread(argus_test::sample(i));
    ASSERT_FALSE(img.empty());
    auto ref = reference->detect(img, DetectOptions{});
    ASSERT_TRUE(ref.ok());
    ASSERT_GE(ref->size(), 3u);
    for (auto& [name, d] : dets) {
      auto got = d->detect(img, DetectOptions{});
      ASSERT_TRUE(got.ok()) << name << ": " << got.error().message;
      EXPECT_EQ(got->size(), ref->size()) << name << " on sample" << i;
      // Each reference face is found by this detector too (IoU > 0.4).
      for (const auto& r : *ref) {
        float best = 0;
        for (const auto& g : *got) {
          float ix = std::max(0.f, std::min(r.box.right(), g.box.right()) - std::max(r.box.x, g.box.x));
          float iy = std::max(0.f, std::min(r.box.bottom(), g.box.bottom()) - std::max(r.box.y, g.box.y));
          best = std::max(best, ix * iy / (r.box.w * r.box.h + g.box.w * g.box.h - ix * iy));
        }
        EXPECT_GT(best, 0.4f) << name << " on sample" << i;
      }
      for (const auto& g : *got) {
        EXPECT_GE(g.score, 0.6f);
        if (name.rfind("yunet", 0) != 0) continue;
        ASSERT_EQ(g.keypoints.size(), 5u) << name;
        for (const auto& p : g.keypoints) {
          EXPECT_TRUE(p.x >= g.box.x && p.x <= g.box.right() && p.y >= g.box.y && p.y <= g.box.bottom()) << name;
        }
        EXPECT_LT(g.keypoints[0].x, g.keypoints[1].x) << name;  // eyes, image-left first
        EXPECT_LT(g.keypoints[1].y, g.keypoints[3].y) << name;  // eyes above the mouth
      }
    }
  }
}

// The registry tests: a models folder with the bundled models linked in, and a mirror
// to pull from (skipped when either is missing).
class models_pull_registry : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_MODELS();
    REQUIRE_BASELINE_AND_ARGUS();
    mirror_ = std::make_unique<ModelMirror>(baseline_dir());
    link_bundled_models(tmp.path());
  }
  std::unique_ptr<ModelMirror> mirror_;
  argus_test::TempDir tmp;
  const ModelMirror& mirror() const { return *mirror_; }
};

TEST_F(models_pull_registry, PulledDetectorsAreReadyAndFindFaces) {
  for (const char* name : {"ultraface-640", "yunet-n-320"}) ASSERT_EQ(pull(name, tmp.path(), mirror()).rc, 0) << name;

  auto reg = load_registry(tmp.path());
  ASSERT_TRUE(reg);
  Json j = reg->to_json();
  std::map<std::string, Json> by_id;
  for (const auto& m : j["models"]) by_id[m["id"].get<std::string>()] = m;
  for (const char* name : {"ultraface-640", "yunet-n-320"}) {
    ASSERT_TRUE(by_id.count(name)) << j.dump();
    const Json& m = by_id[name];
    EXPECT_EQ(m["status"], "ready") << m.dump();
    EXPECT_EQ(m["task"], "detector");
    EXPECT_EQ(m["backend"], "ort");
    EXPECT_TRUE(m["pulled"].get<bool>());
    EXPECT_EQ(m["sha256"], catalogue()["models"][name]["sha256"]);
    EXPECT_GT(m["warmup_ms"]["p50"].get<double>(), 0.0);
    EXPECT_FALSE(m["active"].get<bool>());
    EXPECT_EQ(m["fallbacks"][0], "ultraface-ort");
  }
  EXPECT_EQ(by_id["ultraface-640"]["input_size"], "640x480");
  EXPECT_EQ(j["active"]["detector"], "ultraface-ort");  // only fr_detect.onnx linked: ultraface-ms-ort is missing

  cv::Mat img = cv::imread(argus_test::sample(6));
  size_t ref = count_faces(*reg, "ultraface-ort", img);
  ASSERT_GE(ref, 3u);
  EXPECT_EQ(count_faces(*reg, "ultraface-640", img), ref);
  EXPECT_EQ(count_faces(*reg, "yunet-n-320", img), ref);

  // Switched to at run time, and the chain falls back to the bundled detector.
  ASSERT_TRUE(reg->set_active("detector", "yunet-n-320").ok());
  auto chain = reg->chain("detector");
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(chain[0]->info.id, "yunet-n-320");
  EXPECT_EQ(chain[1]->info.id, "ultraface-ort");
  FaceAnalyzer an(reg, argus_test::test_vision_config());
  AnalyzeOptions o;
  o.detect_only = true;
  AnalyzeTrace tr;
  EXPECT_EQ(an.analyze(img, o, &tr).size(), ref);
  EXPECT_EQ(tr.models["detector"], "yunet-n-320");
}

TEST_F(models_pull_registry, ModelPulledWhileRunningIsPickedUpWithoutRestart) {
  auto reg = load_registry(tmp.path());
  ASSERT_TRUE(reg);
  EXPECT_EQ(reg->set_active("detector", "yunet-n-320").error().code, "NOT_FOUND");

  ASSERT_EQ(pull("yunet-n-320", tmp.path(), mirror()).rc, 0);
  // PUT /api/v1/models/detector {"model_id": "yunet-n-320"} does this.
  ASSERT_TRUE(reg->set_active("detector", "yunet-n-320").ok());
  EXPECT_EQ(reg->active("detector"), "yunet-n-320");
  EXPECT_GE(count_faces(*reg, "yunet-n-320", cv::imread(argus_test::sample(4))), 3u);

  // GET /api/v1/models lists a model as soon as it is pulled.
  ASSERT_EQ(pull("ultraface-640", tmp.path(), mirror()).rc, 0);
  bool listed = false;
  Json j = reg->to_json();
  for (const auto& m : j["models"])
    if (m["id"] == "ultraface-640") listed = m["status"] == "ready";
  EXPECT_TRUE(listed);
  EXPECT_EQ(reg->active("detector"), "yunet-n-320");  // the reload kept the active choice
}

TEST_F(models_pull_registry, RegistryRechecksTheChecksumAtLoad) {
  ASSERT_EQ(pull("yunet-n-320", tmp.path(), mirror()).rc, 0);
  {
    std::fstream f(tmp.path() + "/yunet_n_320_320.onnx", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(1000);
    f.put('\x42');
  }
  auto reg = load_registry(tmp.path());
  ASSERT_TRUE(reg);
  bool seen = false;
  for (const auto& m : reg->list()) {
    if (m.id != "yunet-n-320") continue;
    seen = true;
    EXPECT_EQ(m.status, "error");
    EXPECT_NE(m.error.find("SHA-256 mismatch"), std::string::npos) << m.error;
  }
  EXPECT_TRUE(seen);
  EXPECT_EQ(reg->set_active("detector", "yunet-n-320").error().code, "VALIDATION_ERROR");

  // Pulling again replaces the damaged file; the running registry then loads it.
  auto r = pull("yunet-n-320", tmp.path(), mirror());
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("downloaded"), std::string::npos) << r.out;
  EXPECT_TRUE(reg->set_active("detector", "yunet-n-320").ok());
}
