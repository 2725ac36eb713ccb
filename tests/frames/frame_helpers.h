#pragma once
// Frames for the process-frame tests: sample photos (models/samples, fetched by
// scripts/setup.sh) re-encoded in-test, blank images, and a 001 §4.1.1 request body.
#include <opencv2/imgcodecs.hpp>

#include <string>
#include <vector>

#include "integration/argus_server.h"
#include "recognition/image_decode.h"

namespace argus_test {

inline std::string sample_path(int n) { return std::string(ARGUS_SOURCE_DIR) + "/models/samples/sample" + std::to_string(n) + ".jpg"; }

inline std::string b64(const std::vector<uint8_t>& bytes) { return argus::encode_base64(bytes); }

inline std::vector<uint8_t> jpeg_of(const cv::Mat& m) {
  std::vector<uint8_t> out;
  cv::imencode(".jpg", m, out);
  return out;
}

// A sample group photo re-encoded in-test (so the test controls the bytes), or empty.
inline std::vector<uint8_t> sample_jpeg(int n = 1) {
  cv::Mat m = cv::imread(sample_path(n), cv::IMREAD_COLOR);
  if (m.empty()) return {};
  return jpeg_of(m);
}

inline std::vector<uint8_t> blank_jpeg(int w = 320, int h = 240) { return jpeg_of(cv::Mat(h, w, CV_8UC3, cv::Scalar(128, 128, 128))); }

inline Json frame_body(const std::string& frame_id, const std::vector<uint8_t>& jpeg, Json processing = Json::object(),
                       Json parameters = Json::object()) {
  Json b = {{"camera_id", "cam_test"},
            {"stream_type", "RTSP"},
            {"frame_id", frame_id},
            {"timestamp", "2025-11-06T12:45:23.123Z"},
            {"frame_data", b64(jpeg)},
            {"frame_metadata", {{"format", "jpeg"}}},
            {"detection_options", {{"model_type", "face-recognition"}, {"parameters", parameters}, {"processing", processing}}},
            {"client_context", {{"client_id", "frames-test"}, {"request_id", "req_" + frame_id}}}};
  return b;
}

}  // namespace argus_test
