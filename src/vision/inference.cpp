// Picks an inference backend by name; the backends themselves live one per file.
#include "vision/inference.h"

namespace argus::vision {

Result<std::shared_ptr<InferenceBackend>> make_backend(const std::string& backend, const std::string& path,
                                                       const std::string& input_name,
                                                       const std::vector<std::string>& output_names,
                                                       const BackendOptions& opts) {
  if (backend == "ort") return make_ort_backend(path, input_name, output_names, opts);
  if (backend == "opencv") return make_opencv_backend(path, input_name, output_names, opts);
  return Error::make("VALIDATION_ERROR", "unknown inference backend: " + backend);
}


}  // namespace argus::vision
