// ONNX Runtime backend. One Ort::Env per process (ORT wants exactly one), created on first use
// and kept alive by every session that shares it.
//
// CUDA: the core library from npm is a CPU build as far as Ort::GetAvailableProviders() can
// tell, yet its provider bridge loads libonnxruntime_providers_cuda.so from its own directory
// when asked (scripts/fetch-onnxruntime-cuda.sh installs it there). So the provider is not
// looked up in that list: it is tried, and any failure (not installed, no driver, no GPU,
// missing CUDA libraries) falls back to the CPU with the reason logged once per process.
#include <dlfcn.h>
#include <onnxruntime_cxx_api.h>
#include <xmmintrin.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <mutex>
#include <optional>

#include "core/log.h"
#include "vision/inference.h"

namespace argus::vision {
namespace {

struct OrtRuntime {
  Ort::Env env{ORT_LOGGING_LEVEL_ERROR, "argus"};
  std::mutex mu;
  std::optional<std::string> cuda_unusable;  // set after the first failure: why
};

std::shared_ptr<OrtRuntime> shared_runtime() {
  static std::mutex mu;
  static std::weak_ptr<OrtRuntime> weak;
  std::lock_guard lock(mu);
  auto rt = weak.lock();
  if (!rt) {
    rt = std::make_shared<OrtRuntime>();
    weak = rt;
  }
  return rt;
}

// The directory of the loaded libonnxruntime.so: where its provider bridge looks for providers.
std::filesystem::path ort_library_dir() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&OrtGetApiBase), &info) == 0 || info.dli_fname == nullptr) return {};
  std::error_code ec;
  auto p = std::filesystem::canonical(info.dli_fname, ec);
  return ec ? std::filesystem::path(info.dli_fname).parent_path() : p.parent_path();
}

}  // namespace

std::optional<int> cuda_device_index(const std::string& device) {
  if (device == "auto" || device == "cuda") return 0;
  if (device.rfind("cuda:", 0) != 0 || device.size() == 5 || device.size() > 8) return std::nullopt;
  int id = 0;
  for (char c : device.substr(5)) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    id = id * 10 + (c - '0');
  }
  return id;
}

bool cuda_provider_installed() {
  auto dir = ort_library_dir();
  return !dir.empty() && std::filesystem::exists(dir / "libonnxruntime_providers_cuda.so");
}

namespace {

// Denormal floats (tiny activations deep in a network, common on real faces, absent on synthetic
// inputs) take a slow microcode path on x86: fr_feature ran 8.3 ms per face instead of ~5.5.
// Flushing them to zero changes outputs by far less than float rounding elsewhere. ORT's
// "session.set_denormal_as_zero" only reaches its pool threads, not the calling thread that runs
// a one-thread session, so the calling thread's MXCSR is set here for the run and restored.
class DenormalsAreZero {
 public:
  DenormalsAreZero() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | kFtz | kDaz); }
  ~DenormalsAreZero() { _mm_setcsr(saved_); }
  DenormalsAreZero(const DenormalsAreZero&) = delete;
  DenormalsAreZero& operator=(const DenormalsAreZero&) = delete;

 private:
  static constexpr unsigned kFtz = 0x8000;  // flush-to-zero (results)
  static constexpr unsigned kDaz = 0x0040;  // denormals-are-zero (inputs)
  unsigned saved_;
};

class OrtBackend final : public InferenceBackend {
 public:
  OrtBackend(std::shared_ptr<OrtRuntime> runtime, std::unique_ptr<Ort::Session> session, std::string input,
             std::vector<std::string> outputs, std::string device)
        : runtime_(std::move(runtime)), session_(std::move(session)), input_(std::move(input)),
        outputs_(std::move(outputs)), device_(std::move(device)) {
    for (auto& o : outputs_) output_ptrs_.push_back(o.c_str());
  }

  void set_max_batch(int asked) {
    auto shape = session_->GetInputTypeInfo(0).GetTensorTypeAndShapeInfo().GetShape();
    if (shape.empty() || shape[0] >= 0) return;  // fixed batch
    max_batch_ = asked > 0 ? std::min(asked, kMaxBatch) : device_ == "cpu" ? 1 : kMaxBatch;
  }

  Result<std::vector<Tensor>> run(const Tensor& input) override {
    DenormalsAreZero ftz;
    try {
      auto mem = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
      // ORT does not write to inputs; the API takes a non-const pointer.
      auto in = Ort::Value::CreateTensor<float>(mem, const_cast<float*>(input.data.data()), input.data.size(),
                                                input.shape.data(), input.shape.size());
      const char* in_name = input_.c_str();
      auto outs = session_->Run(Ort::RunOptions{nullptr}, &in_name, &in, 1, output_ptrs_.data(),
                                output_ptrs_.size());
      std::vector<Tensor> result;
      result.reserve(outs.size());
      for (auto& o : outs) {
        auto info = o.GetTensorTypeAndShapeInfo();
        Tensor t;
        t.shape = info.GetShape();
        const float* p = o.GetTensorData<float>();
        t.data.assign(p, p + info.GetElementCount());
        result.push_back(std::move(t));
      }
      return result;
    } catch (const Ort::Exception& e) {
      return Error::make("INFERENCE_ERROR", e.what());
    }
  }
  std::string backend() const override { return "ort"; }
  std::string device() const override { return device_; }
  int max_batch() const override { return max_batch_; }

 private:
  std::shared_ptr<OrtRuntime> runtime_;
  std::unique_ptr<Ort::Session> session_;
  std::string input_;
  std::vector<std::string> outputs_;
  std::vector<const char*> output_ptrs_;
  std::string device_;
  // Upper bound of a call's batch (bounds one call's memory).
  static constexpr int kMaxBatch = 16;
  int max_batch_ = 1;
};

}  // namespace

namespace {

Ort::SessionOptions cpu_options(const BackendOptions& opts) {
  Ort::SessionOptions so;
  so.SetIntraOpNumThreads(std::max(1, opts.intra_op_threads));
  so.SetInterOpNumThreads(1);
  so.SetGraphOptimizationLevel(GraphOptimizationLevel::ORT_ENABLE_ALL);
  so.AddConfigEntry("session.set_denormal_as_zero", "1");  // the pool threads (see DenormalsAreZero)
  // Idle pool threads spin by default, taking CPU the decoders and the other cameras' analyses
  // need on a small box; sleeping costs a wake-up per parallel op instead.
  so.AddConfigEntry("session.intra_op.allow_spinning", "0");
  return so;
}

// Records (once per process) that the CUDA provider cannot be loaded here, and says why.
void mark_cuda_unusable(OrtRuntime& rt, const std::string& why, int index, bool explicit_ask) {
  std::lock_guard lock(rt.mu);
  if (rt.cuda_unusable) return;
  rt.cuda_unusable = why;
  if (explicit_ask)
    spdlog::warn("vision: cuda:{} asked for but unusable ({}); models run on the CPU", index, why);
  else
    spdlog::debug("vision: device auto -> cpu ({})", why);
}

// A session on GPU `index`, or nullptr when the provider cannot be used: then the CPU runs the
// model. A provider that cannot be loaded is remembered for the process (no retry per model);
// a session that fails on the GPU (absent index, out of memory) falls back for that model only.
// `explicit_ask`: the config named a GPU, so falling back is a warning.
std::unique_ptr<Ort::Session> try_cuda_session(OrtRuntime& rt, const std::string& path, const BackendOptions& opts,
                                               int index, bool explicit_ask) {
  {
    std::lock_guard lock(rt.mu);
    if (rt.cuda_unusable) return nullptr;
  }
  if (!cuda_provider_installed()) {
    mark_cuda_unusable(rt, "the CUDA execution provider is not installed (scripts/fetch-onnxruntime-cuda.sh)", index,
                       explicit_ask);
    return nullptr;
  }
  auto so = cpu_options(opts);
  try {
    OrtCUDAProviderOptions cuda{};
    cuda.device_id = index;
    // Heuristic algorithm choice: exhaustive search costs seconds per new input shape.
    cuda.cudnn_conv_algo_search = OrtCudnnConvAlgoSearchHeuristic;
    so.AppendExecutionProvider_CUDA(cuda);
  } catch (const Ort::Exception& e) {
    mark_cuda_unusable(rt, e.what(), index, explicit_ask);
    return nullptr;
  }
  try {
    return std::make_unique<Ort::Session>(rt.env, path.c_str(), so);
  } catch (const Ort::Exception& e) {
    spdlog::warn("vision: {} could not run on cuda:{} ({}); this model runs on the CPU", path, index, e.what());
    return nullptr;
  }
}

}  // namespace

Result<std::shared_ptr<InferenceBackend>> make_ort_backend(const std::string& path, const std::string& input_name,
                                                           const std::vector<std::string>& output_names,
                                                           const BackendOptions& opts) {
  try {
    auto rt = shared_runtime();
    std::unique_ptr<Ort::Session> session;
    std::string device = "cpu";
    if (opts.device != "cpu") {
      auto index = cuda_device_index(opts.device);
      if (!index) return Error::make("VALIDATION_ERROR", "device must be auto, cpu or cuda:N, not " + opts.device);
      session = try_cuda_session(*rt, path, opts, *index, opts.device != "auto");
      if (session) device = "cuda:" + std::to_string(*index);
    }
    if (!session) session = std::make_unique<Ort::Session>(rt->env, path.c_str(), cpu_options(opts));
    // The backend keeps the runtime (and with it the Env) alive as long as its session.
    auto backend = std::make_shared<OrtBackend>(rt, std::move(session), input_name, output_names, device);
    backend->set_max_batch(opts.max_batch);
    return std::shared_ptr<InferenceBackend>(std::move(backend));
  } catch (const Ort::Exception& e) {
    return Error::make("MODEL_LOAD_ERROR", path + ": " + e.what());
  }
}

}  // namespace argus::vision
