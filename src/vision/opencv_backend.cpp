// OpenCV DNN backend: slower than ONNX Runtime (2.5-4x, docs/accuracy.md) but needs only
// Debian's libopencv-dnn. cv::dnn::Net::forward is not thread-safe, hence the mutex.
#include <opencv2/dnn.hpp>

#include <mutex>

#include "vision/inference.h"

namespace argus::vision {
namespace {

class OpenCvBackend final : public InferenceBackend {
 public:
  OpenCvBackend(cv::dnn::Net net, std::string input, std::vector<std::string> outputs)
      : net_(std::move(net)), input_(std::move(input)), outputs_(std::move(outputs)) {}

  Result<std::vector<Tensor>> run(const Tensor& input) override {
    try {
      std::vector<int> dims(input.shape.begin(), input.shape.end());
      cv::Mat blob(static_cast<int>(dims.size()), dims.data(), CV_32F, const_cast<float*>(input.data.data()));
      std::lock_guard lock(mu_);
      net_.setInput(blob, input_);
      std::vector<cv::Mat> outs;
      net_.forward(outs, outputs_);
      std::vector<Tensor> result;
      for (auto& m : outs) {
        Tensor t;
        for (int i = 0; i < m.dims; ++i) t.shape.push_back(m.size[i]);
        cv::Mat c = m.isContinuous() ? m : m.clone();
        t.data.assign(c.ptr<float>(), c.ptr<float>() + c.total());
        result.push_back(std::move(t));
      }
      return result;
    } catch (const cv::Exception& e) {
      return Error::make("INFERENCE_ERROR", e.what());
    }
  }
  std::string backend() const override { return "opencv"; }
  std::string device() const override { return "cpu"; }

 private:
  std::mutex mu_;
  cv::dnn::Net net_;
  std::string input_;
  std::vector<std::string> outputs_;
};

}  // namespace

Result<std::shared_ptr<InferenceBackend>> make_opencv_backend(const std::string& path, const std::string& input_name,
                                                              const std::vector<std::string>& output_names,
                                                              const BackendOptions& /*opts: OpenCV's thread pool is process-wide*/) {
  try {
    auto net = cv::dnn::readNetFromONNX(path);
    if (net.empty()) return Error::make("MODEL_LOAD_ERROR", path + ": OpenCV could not read the model");
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    return std::shared_ptr<InferenceBackend>(
        std::make_shared<OpenCvBackend>(std::move(net), input_name, output_names));
  } catch (const cv::Exception& e) {
    return Error::make("MODEL_LOAD_ERROR", path + ": " + e.what());
  }
}

}  // namespace argus::vision
