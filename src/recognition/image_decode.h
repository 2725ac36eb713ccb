#pragma once
// The one entry point for untrusted image bytes (uploads, base64 frames from the browser).
// Everything that reaches OpenCV/libjpeg-turbo from outside goes through decode_image(),
// which reads the dimensions from the header and rejects absurd sizes BEFORE any pixel
// buffer is allocated, so a 100-byte file claiming 60000x60000 costs nothing.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "core/result.h"

namespace argus {

enum class ImageFormat { Unknown, Jpeg, Png, Bmp, WebP };

const char* to_string(ImageFormat f);

// Limits applied to every untrusted image. Defaults suit face enrolment uploads and
// 1080p/4K camera snapshots; the lead can expose them in config if needed.
struct DecodeLimits {
  int min_side = 16;                      // smaller cannot hold a usable face
  int max_side = 8192;                    // per side, from the header
  int64_t max_pixels = 40'000'000;        // width * height, from the header
  size_t max_bytes = 32u * 1024 * 1024;   // compressed input size
  bool allow_bmp = true;
  bool allow_webp = true;
  // libjpeg-turbo reports recoverable corruption (e.g. "premature end of JPEG file") as a
  // warning and still fills the image with grey. Uploads are rejected in that case unless
  // this is set (a camera frame with a few bad bytes may still be worth showing).
  bool allow_corrupt_jpeg = false;
  // Not a limit but decided at the same place: when > 0, the result's longer side is cut to
  // about this many pixels. JPEG uses libjpeg-turbo's DCT scaling (1/2, 1/4, 1/8: a 4K photo
  // decodes several times faster) to the smallest size whose longer side is still >= this,
  // then INTER_AREA to exactly this; other formats decode fully, then INTER_AREA.
  int downscale_to = 0;
};

struct ImageInfo {
  ImageFormat format = ImageFormat::Unknown;
  int width = 0;
  int height = 0;
};

// Format from magic bytes only.
ImageFormat sniff_image_format(std::span<const uint8_t> bytes);

// Format and dimensions from the header, without decoding pixels. Error code
// "INVALID_IMAGE" when the header is missing, truncated or malformed.
Result<ImageInfo> probe_image(std::span<const uint8_t> bytes);

// Decodes to 8-bit 3-channel BGR (grey is expanded, alpha dropped, 16-bit reduced to
// 8-bit, CMYK/YCCK JPEG converted). Errors: "INVALID_IMAGE" (unknown format, corrupt,
// truncated) and "IMAGE_TOO_LARGE" / "IMAGE_TOO_SMALL" (size limits, checked on the header).
Result<cv::Mat> decode_image(std::span<const uint8_t> bytes, const DecodeLimits& limits = {});

// Base64 (standard or URL-safe alphabet) to bytes. Accepts a data-URL prefix
// ("data:image/jpeg;base64,"), embedded whitespace and missing padding; anything else
// (stray characters, bad padding, impossible length) is an Error "INVALID_BASE64".
Result<std::vector<uint8_t>> decode_base64(std::string_view text);

// Base64 (standard alphabet, padded), e.g. for data URLs in JSON.
std::string encode_base64(std::span<const uint8_t> bytes);

// JPEG with libjpeg-turbo (4:2:0, fast DCT). Accepts CV_8UC3 (BGR), CV_8UC4 (BGRA) and
// CV_8UC1 (grey); returns an empty vector for an empty or unsupported Mat.
std::vector<uint8_t> encode_jpeg(const cv::Mat& bgr, int quality = 85);

// Downscale so that the width is at most max_width (INTER_AREA, aspect kept, never
// upscaled), then encode_jpeg. For live video, whose clients ask for the width they draw
// at: a portrait (corridor) camera keeps its asked-for width, not its height.
std::vector<uint8_t> encode_jpeg_max_width(const cv::Mat& bgr, int max_width, int quality = 75);

}  // namespace argus
