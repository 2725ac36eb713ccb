#pragma once
// InferenceBackend: runs one single-input model. Two implementations: ONNX Runtime
// (ort_backend.cpp, the fast one) and OpenCV DNN (opencv_backend.cpp, a fallback that needs
// no extra library). Backends are created once per model and shared by every caller;
// run() is safe to call from several threads.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace argus::vision {

struct Tensor {
  std::vector<int64_t> shape;
  std::vector<float> data;
  size_t size() const { return data.size(); }
};

struct BackendOptions {
  std::string device = "auto";  // auto | cpu | cuda:N (ONNX Runtime only)
  int intra_op_threads = 1;
  // Faces per call for a model with a free batch dimension; 0: 1 on the CPU (batches ran slower
  // per face there: 5.0 ms at 1, 5.4 at 4, 5.8 at 8 for fr_feature, docs/benchmarks.md), 16 on
  // a GPU (where one call's overhead is most of a small model's time).
  int max_batch = 0;
};

class InferenceBackend {
 public:
  virtual ~InferenceBackend() = default;
  // Outputs in the order of output_names given at creation.
  virtual Result<std::vector<Tensor>> run(const Tensor& input) = 0;
  virtual std::string backend() const = 0;  // "ort" | "opencv"
  virtual std::string device() const = 0;   // "cpu" | "cuda:0"
  // Largest first input dimension run() accepts: 1 for a model exported with a fixed batch.
  virtual int max_batch() const { return 1; }
};

// Opens `path`; input_name/output_names as in the graph.
Result<std::shared_ptr<InferenceBackend>> make_ort_backend(const std::string& path,
                                                           const std::string& input_name,
                                                           const std::vector<std::string>& output_names,
                                                           const BackendOptions& opts);
Result<std::shared_ptr<InferenceBackend>> make_opencv_backend(const std::string& path,
                                                              const std::string& input_name,
                                                              const std::vector<std::string>& output_names,
                                                              const BackendOptions& opts);
// The GPU index a device string names: "auto" and "cuda" -> 0, "cuda:N" -> N; nullopt for
// anything else ("cpu" included).
std::optional<int> cuda_device_index(const std::string& device);
// Whether ONNX Runtime's CUDA provider library sits beside the loaded libonnxruntime.so
// (scripts/fetch-onnxruntime-cuda.sh). Installed is not usable: that needs a GPU and CUDA 13.
bool cuda_provider_installed();

// backend: "ort" | "opencv"
Result<std::shared_ptr<InferenceBackend>> make_backend(const std::string& backend, const std::string& path,
                                                       const std::string& input_name,
                                                       const std::vector<std::string>& output_names,
                                                       const BackendOptions& opts);

}  // namespace argus::vision
