#pragma once
// ModelRegistry: every model Argus can run, loaded once at start, warmed up and timed, with
// one active model per task that can be switched at run time (an atomic shared_ptr swap; calls
// already running finish with the model they started with) and a fallback chain per task.
//
// Tasks: "detector", "landmarker", "recognizer", "liveness", "pose".
// Model ids (docs/accuracy.md has the measurements behind the defaults):
//   detector:   ultraface-ms-ort (default: UltraFace at any input size, whole-frame passes at
//               a few scales), ultraface-ort (the same network tiled at 320x240),
//               ultraface-opencv, blazeface-ort, dlib-hog, haar
//   landmarker: fr-landmark-ort (default), fr-landmark-opencv
//   recognizer: fr-feature-ort (default, 512-d), fr-feature-opencv,
//               faceapi-resnet128-ort (128-d), faceapi-resnet128-opencv
//   liveness:   fr-liveness-ort        pose: fr-pose-ort
// Recognisers of different families produce incomparable embeddings: switching the active
// recogniser means gallery embeddings must be recomputed (Face::embedder_id says which made one).
//
// Pulled models: `argus models pull NAME` (config/model-catalogue.json, docs/models.md) installs
// catalogue models into the models folder and lists them in <models_dir>/pulled.json; they are
// loaded after the bundled ones under their catalogue name (ultraface-640, yunet-n-320, ...),
// their SHA-256 checked again at load. A model pulled while the server runs is picked up
// without a restart: to_json() and set_active() reload pulled.json when it has changed.
#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/result.h"
#include "vision/attributes.h"
#include "vision/detector.h"
#include "vision/embedder.h"
#include "vision/landmarker.h"
#include "vision/vision_config.h"

namespace argus::vision {

struct ModelInfo {
  std::string id;
  std::string task;
  std::string backend;     // ort | opencv | dlib | opencv-haar
  std::string device;      // cpu | cuda:N
  std::string device_note; // why a model runs on the CPU although the config asks for a GPU
  std::string file;        // path of the model file ("" for built-in detectors)
  std::string input_size;  // "320x240"
  std::string version;     // where it came from, e.g. "faceplugin-face-recognition-js@0.0.1"
  std::string family;      // recognisers: embeddings are comparable only within a family
  std::string sha256;
  double warmup_p50_ms = 0, warmup_p99_ms = 0;
  std::string status = "missing";  // ready | missing | error
  std::string error;
  int dim = 0;             // recognisers
  float threshold = 0;     // recognisers: calibrated cosine threshold
  bool pulled = false;     // installed by `argus models pull` (listed in pulled.json)
  std::string licence;     // pulled models: the catalogue's licence
  Json to_json() const;
};

// One entry of <models_dir>/pulled.json, written by `argus models pull`.
struct PulledModel {
  std::string id;          // catalogue name, also the registry id: "yunet-n-320"
  std::string task;        // "detector"
  std::string decoder;     // "ultraface" | "yunet"
  std::string input_size;  // "640x480"
  std::string file;        // file name inside the models folder
  std::string sha256;      // expected, lowercase hex
  std::string url;         // where it was downloaded from
  std::string licence;
  std::string pulled_at;   // ISO 8601, UTC
  Json to_json() const;
  static Result<PulledModel> from_json(const Json& j);
};
inline constexpr const char* kPulledModelsFile = "pulled.json";
// The decoders the registry can run for a pulled model of `task`.
bool pulled_decoder_supported(const std::string& task, const std::string& decoder);
// <models_dir>/pulled.json ({"models": [...]}); empty when the file is absent.
Result<std::vector<PulledModel>> read_pulled_models(const std::string& models_dir);
// Adds `m` to <models_dir>/pulled.json (replacing an entry with the same id); the file is
// replaced atomically (temporary file + rename).
Status record_pulled_model(const std::string& models_dir, const PulledModel& m);

struct LoadedModel {
  ModelInfo info;
  std::shared_ptr<Detector> detector;
  std::shared_ptr<Landmarker> landmarker;
  std::shared_ptr<Embedder> embedder;
  std::shared_ptr<LivenessModel> liveness;
  std::shared_ptr<PoseModel> pose;
};

struct RegistryOptions {
  int warmup_runs = 10;       // timed runs per model at start (p50/p99 over these)
  bool opencv_variants = true;  // also load the OpenCV DNN twins (fallbacks)
  bool classic_detectors = true;  // dlib HOG and Haar
  std::string haar_cascade = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml";
};

class ModelRegistry {
 public:
  // Loads what is present in config.models_dir; a missing model is listed with status
  // "missing", not an error. Fails only when no detector or no recogniser could be loaded.
  static Result<std::shared_ptr<ModelRegistry>> create(const VisionConfig& config, const RegistryOptions& opts = {});

  // The loaded model by id (nullptr when unknown or not ready).
  std::shared_ptr<const LoadedModel> get(const std::string& id) const;
  // Active model id for a task ("" when none).
  std::string active(const std::string& task) const;
  // Active model first, then its ready fallbacks.
  std::vector<std::shared_ptr<const LoadedModel>> chain(const std::string& task) const;
  // Makes `model_id` the active model of `task`; NOT_FOUND / VALIDATION_ERROR when it is
  // unknown, of another task or not ready.
  Status set_active(const std::string& task, const std::string& model_id);
  std::vector<ModelInfo> list() const;
  // {"models":[...], "active":{task:id}, "fallbacks":{id:[ids]}} for GET /api/v1/models.
  Json to_json() const;
  // Loads the models newly listed in pulled.json (when it changed since the last look);
  // models already loaded stay as they are. Returns how many were added.
  size_t reload_pulled() const;

  ModelRegistry(const ModelRegistry&) = delete;
  ModelRegistry& operator=(const ModelRegistry&) = delete;
  ModelRegistry() = default;

 private:
  // Everything callers read, swapped as one immutable snapshot (copy-on-write): calls already
  // running finish with the models they started with.
  struct State {
    std::map<std::string, std::shared_ptr<const LoadedModel>> models;
    std::vector<std::string> order;                          // listing order
    std::map<std::string, std::vector<std::string>> fallbacks;  // id -> next ids
    std::map<std::string, std::string> active;               // task -> id
  };
  // Adds the pulled models not yet in `st`; returns how many.
  size_t load_pulled(State& st) const;

  mutable std::atomic<std::shared_ptr<const State>> state_;
  VisionConfig cfg_;
  RegistryOptions opts_;
  mutable std::mutex reload_mu_;                             // one reload_pulled() at a time
  mutable std::filesystem::file_time_type pulled_mtime_{};   // of pulled.json at the last look
};

// SHA-256 of a file as lowercase hex ("" when unreadable).
std::string sha256_file(const std::string& path);

// Incremental SHA-256 (OpenSSL), for data that streams by (downloads).
class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t n);
  std::string hex();  // lowercase hex of everything updated so far; call once, last

 private:
  std::unique_ptr<void, void (*)(void*)> ctx_;
};

}  // namespace argus::vision
