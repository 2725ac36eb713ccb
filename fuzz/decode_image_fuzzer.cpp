// libFuzzer target for the untrusted-image entry points (decode_image, decode_base64).
// Built by fuzz/run.sh with clang++ -fsanitize=fuzzer,address,undefined.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

#include <opencv2/core.hpp>

#include "recognition/image_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  // Smaller limits than production keep each run fast; the checks themselves are the same.
  argus::DecodeLimits limits;
  limits.max_side = 4096;
  limits.max_pixels = 4'000'000;
  for (int pass = 0; pass < 2; ++pass) {
    // Pass 1 also covers the corrupt-tolerant JPEG path and DCT-domain downscaling.
    limits.allow_corrupt_jpeg = pass == 1;
    limits.downscale_to = pass == 1 ? 40 : 0;
    auto img = argus::decode_image(bytes, limits);
    if (img) {
      // The contract: 8-bit BGR within the limits, whatever the input was.
      const cv::Mat& m = *img;
      const int min_side = limits.downscale_to > 0 ? 1 : limits.min_side;
      if (m.type() != CV_8UC3 || m.cols < min_side || m.rows < min_side ||
          m.cols > limits.max_side || m.rows > limits.max_side ||
          int64_t(m.cols) * m.rows > limits.max_pixels)
        std::abort();
      volatile uint8_t sink = m.data[m.total() * 3 - 1];  // touch the last pixel
      (void)sink;
    } else if (img.error().code != "INVALID_IMAGE" && img.error().code != "IMAGE_TOO_LARGE" &&
               img.error().code != "IMAGE_TOO_SMALL") {
      std::abort();
    }
  }
  // The same bytes as base64 text (a JSON frame field), then decoded as an image.
  auto b64 = argus::decode_base64(std::string_view(reinterpret_cast<const char*>(data), size));
  if (b64) (void)argus::decode_image(*b64, limits);
  return 0;
}
