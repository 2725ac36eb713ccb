// ONNX Runtime backend. One Ort::Env per process (ORT wants exactly one), created on first use
// and kept alive by every session that shares it.
#include <onnxruntime_cxx_api.h>

#include <algorithm>
#include <mutex>

#include "core/log.h"
#include "vision/inference.h"

namespace argus::vision {
namespace {

std::shared_ptr<Ort::Env> shared_env() {
  static std::mutex mu;
  static std::weak_ptr<Ort::Env> weak;
  std::lock_guard lock(mu);
  auto env = weak.lock();
  if (!env) {
    env = std::make_shared<Ort::Env>(ORT_LOGGING_LEVEL_ERROR, "argus");
    weak = env;
  }
  return env;
}

bool cuda_available() {
  auto providers = Ort::GetAvailableProviders();
  return std::find(providers.begin(), providers.end(), "CUDAExecutionProvider") != providers.end();
}

class OrtBackend final : public InferenceBackend {
 public:
  OrtBackend(std::shared_ptr<Ort::Env> env, std::unique_ptr<Ort::Session> session, std::string input,
             std::vector<std::string> outputs, std::string device)
      : env_(std::move(env)), session_(std::move(session)), input_(std::move(input)),
        outputs_(std::move(outputs)), device_(std::move(device)) {
    for (auto& o : outputs_) output_ptrs_.push_back(o.c_str());
  }

  Result<std::vector<Tensor>> run(const Tensor& input) override {
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

 private:
  std::shared_ptr<Ort::Env> env_;
  std::unique_ptr<Ort::Session> session_;
  std::string input_;
  std::vector<std::string> outputs_;
  std::vector<const char*> output_ptrs_;
  std::string device_;
};

}  // namespace

Result<std::shared_ptr<InferenceBackend>> make_ort_backend(const std::string& path, const std::string& input_name,
                                                           const std::vector<std::string>& output_names,
                                                           const BackendOptions& opts) {
  try {
    auto env = shared_env();
    Ort::SessionOptions so;
    so.SetIntraOpNumThreads(std::max(1, opts.intra_op_threads));
    so.SetInterOpNumThreads(1);
    so.SetGraphOptimizationLevel(GraphOptimizationLevel::ORT_ENABLE_ALL);
    std::string device = "cpu";
    if (opts.device != "cpu") {
      int dev_id = 0;
      if (opts.device.rfind("cuda:", 0) == 0) dev_id = std::atoi(opts.device.c_str() + 5);
      if (cuda_available()) {
        try {
          OrtCUDAProviderOptions cuda{};
          cuda.device_id = dev_id;
          so.AppendExecutionProvider_CUDA(cuda);
          device = "cuda:" + std::to_string(dev_id);
        } catch (const Ort::Exception& e) {
          spdlog::warn("vision: CUDA provider failed for {} ({}); using CPU", path, e.what());
        }
      } else if (opts.device != "auto") {
        spdlog::warn("vision: device {} asked for but this ONNX Runtime build has no CUDA provider; using CPU",
                     opts.device);
      }
    }
    auto session = std::make_unique<Ort::Session>(*env, path.c_str(), so);
    return std::shared_ptr<InferenceBackend>(
        std::make_shared<OrtBackend>(env, std::move(session), input_name, output_names, device));
  } catch (const Ort::Exception& e) {
    return Error::make("MODEL_LOAD_ERROR", path + ": " + e.what());
  }
}

Result<std::shared_ptr<InferenceBackend>> make_backend(const std::string& backend, const std::string& path,
                                                       const std::string& input_name,
                                                       const std::vector<std::string>& output_names,
                                                       const BackendOptions& opts) {
  if (backend == "ort") return make_ort_backend(path, input_name, output_names, opts);
  if (backend == "opencv") return make_opencv_backend(path, input_name, output_names, opts);
  return Error::make("VALIDATION_ERROR", "unknown inference backend: " + backend);
}

}  // namespace argus::vision
