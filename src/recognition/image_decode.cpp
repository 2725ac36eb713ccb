#include "recognition/image_decode.h"

#include <turbojpeg.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <string>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace argus {
namespace {

Error invalid(std::string msg) { return Error::make("INVALID_IMAGE", std::move(msg)); }

// RAII for TurboJPEG handles: one per call; creating one costs a few microseconds, and it
// keeps decode_image() free of shared state so any thread may call it.
struct TjDeleter {
  void operator()(void* h) const { tjDestroy(h); }
};
using TjHandle = std::unique_ptr<void, TjDeleter>;

uint32_t be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}
uint32_t le32(const uint8_t* p) {
  return (uint32_t(p[3]) << 24) | (uint32_t(p[2]) << 16) | (uint32_t(p[1]) << 8) | p[0];
}
uint32_t le24(const uint8_t* p) { return (uint32_t(p[2]) << 16) | (uint32_t(p[1]) << 8) | p[0]; }
uint16_t le16(const uint8_t* p) { return uint16_t(p[0] | (p[1] << 8)); }

bool starts_with(std::span<const uint8_t> b, const char* magic, size_t n, size_t at = 0) {
  return b.size() >= at + n && std::memcmp(b.data() + at, magic, n) == 0;
}

Result<ImageInfo> probe_jpeg(std::span<const uint8_t> b) {
  TjHandle tj(tjInitDecompress());
  if (!tj) return Error::make("INTERNAL", "tjInitDecompress failed");
  int w = 0, h = 0, subsamp = 0, cs = 0;
  // Parses markers up to SOF only; no pixel memory is allocated here.
  if (tjDecompressHeader3(tj.get(), b.data(), static_cast<unsigned long>(b.size()), &w, &h,
                          &subsamp, &cs) != 0)
    return invalid(std::string("JPEG header is malformed or truncated: ") +
                   tjGetErrorStr2(tj.get()));
  // On a stream cut right after SOI, TurboJPEG can "succeed" with a zero size.
  if (w <= 0 || h <= 0) return invalid("JPEG header is truncated (no frame header)");
  return ImageInfo{ImageFormat::Jpeg, w, h};
}

Result<ImageInfo> probe_png(std::span<const uint8_t> b) {
  // Signature (8) + IHDR length (4) + "IHDR" (4) + 13 bytes of IHDR data.
  if (b.size() < 8 + 8 + 13) return invalid("PNG is truncated before the IHDR chunk");
  if (be32(b.data() + 8) != 13 || std::memcmp(b.data() + 12, "IHDR", 4) != 0)
    return invalid("PNG does not start with a valid IHDR chunk");
  uint32_t w = be32(b.data() + 16), h = be32(b.data() + 20);
  if (w == 0 || h == 0 || w > 0x7fffffffu || h > 0x7fffffffu)
    return invalid("PNG header has an invalid size");
  return ImageInfo{ImageFormat::Png, static_cast<int>(std::min<uint32_t>(w, 1u << 30)),
                   static_cast<int>(std::min<uint32_t>(h, 1u << 30))};
}

Result<ImageInfo> probe_bmp(std::span<const uint8_t> b) {
  if (b.size() < 26) return invalid("BMP is truncated before its header");
  uint32_t dib = le32(b.data() + 14);
  int64_t w = 0, h = 0;
  if (dib == 12) {  // BITMAPCOREHEADER: 16-bit unsigned sizes
    w = le16(b.data() + 18);
    h = le16(b.data() + 20);
  } else if (dib >= 40 && b.size() >= 26) {
    w = static_cast<int32_t>(le32(b.data() + 18));
    h = static_cast<int32_t>(le32(b.data() + 22));
    if (h < 0) h = -h;  // negative height = top-down rows
  } else {
    return invalid("BMP has an unsupported header");
  }
  if (w <= 0 || h <= 0) return invalid("BMP header has an invalid size");
  return ImageInfo{ImageFormat::Bmp, static_cast<int>(std::min<int64_t>(w, 1 << 30)),
                   static_cast<int>(std::min<int64_t>(h, 1 << 30))};
}

Result<ImageInfo> probe_webp(std::span<const uint8_t> b) {
  if (b.size() < 30) return invalid("WebP is truncated before its header");
  const uint8_t* p = b.data();
  int w = 0, h = 0;
  if (std::memcmp(p + 12, "VP8 ", 4) == 0) {  // lossy: key frame start code then 14-bit sizes
    if (p[23] != 0x9d || p[24] != 0x01 || p[25] != 0x2a) return invalid("WebP VP8 frame is malformed");
    w = le16(p + 26) & 0x3fff;
    h = le16(p + 28) & 0x3fff;
  } else if (std::memcmp(p + 12, "VP8L", 4) == 0) {  // lossless: 14-bit (size - 1) fields
    if (p[20] != 0x2f) return invalid("WebP VP8L stream is malformed");
    uint32_t bits = le32(p + 21);
    w = static_cast<int>(bits & 0x3fff) + 1;
    h = static_cast<int>((bits >> 14) & 0x3fff) + 1;
  } else if (std::memcmp(p + 12, "VP8X", 4) == 0) {  // extended: 24-bit (size - 1) canvas
    w = static_cast<int>(le24(p + 24)) + 1;
    h = static_cast<int>(le24(p + 27)) + 1;
  } else {
    return invalid("WebP has an unknown chunk type");
  }
  if (w <= 0 || h <= 0) return invalid("WebP header has an invalid size");
  return ImageInfo{ImageFormat::WebP, w, h};
}

// EXIF orientation (tag 0x0112 in IFD0 of the APP1 "Exif" segment); 1 when absent.
// Phones store portrait photos sideways plus this tag; the face detector needs them upright.
int jpeg_exif_orientation(std::span<const uint8_t> b) {
  size_t pos = 2;
  while (pos + 4 <= b.size()) {
    if (b[pos] != 0xFF) return 1;
    uint8_t marker = b[pos + 1];
    if (marker == 0xFF) { ++pos; continue; }  // fill byte
    if (marker == 0xDA || (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 &&
                           marker != 0xCC))
      return 1;  // start of scan / frame: EXIF must come before
    size_t len = (size_t(b[pos + 2]) << 8) | b[pos + 3];
    if (len < 2 || pos + 2 + len > b.size()) return 1;
    const uint8_t* seg = b.data() + pos + 4;
    size_t seg_len = len - 2;
    if (marker == 0xE1 && seg_len >= 14 && std::memcmp(seg, "Exif\0\0", 6) == 0) {
      const uint8_t* t = seg + 6;
      size_t tn = seg_len - 6;
      bool le = t[0] == 'I' && t[1] == 'I';
      if (!le && !(t[0] == 'M' && t[1] == 'M')) return 1;
      auto u16 = [&](size_t o) -> uint32_t { return le ? le16(t + o) : uint32_t((t[o] << 8) | t[o + 1]); };
      auto u32 = [&](size_t o) -> uint32_t { return le ? le32(t + o) : be32(t + o); };
      size_t ifd = u32(4);
      if (ifd + 2 > tn) return 1;
      size_t count = u16(ifd);
      for (size_t i = 0; i < count; ++i) {
        size_t e = ifd + 2 + i * 12;
        if (e + 12 > tn) return 1;
        if (u16(e) == 0x0112 && u16(e + 2) == 3) {
          uint32_t v = u16(e + 8);
          return v >= 1 && v <= 8 ? static_cast<int>(v) : 1;
        }
      }
      return 1;
    }
    pos += 2 + len;
  }
  return 1;
}

// Same transforms as OpenCV's own EXIF handling in imread().
void apply_orientation(cv::Mat& img, int o) {
  switch (o) {
    case 2: cv::flip(img, img, 1); break;
    case 3: cv::flip(img, img, -1); break;
    case 4: cv::flip(img, img, 0); break;
    case 5: cv::transpose(img, img); break;
    case 6: cv::transpose(img, img); cv::flip(img, img, 1); break;
    case 7: cv::transpose(img, img); cv::flip(img, img, -1); break;
    case 8: cv::transpose(img, img); cv::flip(img, img, 0); break;
    default: break;
  }
}

Result<cv::Mat> decode_with_opencv(std::span<const uint8_t> bytes, const ImageInfo& info);

Result<cv::Mat> decode_jpeg(std::span<const uint8_t> b, const DecodeLimits& limits) {
  TjHandle tj(tjInitDecompress());
  if (!tj) return Error::make("INTERNAL", "tjInitDecompress failed");
  int w = 0, h = 0, subsamp = 0, cs = 0;
  const auto n = static_cast<unsigned long>(b.size());
  if (tjDecompressHeader3(tj.get(), b.data(), n, &w, &h, &subsamp, &cs) != 0)
    return invalid(std::string("JPEG header is malformed: ") + tjGetErrorStr2(tj.get()));
  if (w <= 0 || h <= 0) return invalid("JPEG header is truncated (no frame header)");
  // DCT-domain downscaling: pick the smallest libjpeg-turbo scale whose longer side stays
  // >= downscale_to (the final resize happens in decode_image()).
  if (limits.downscale_to > 0 && std::max(w, h) > limits.downscale_to) {
    int nsf = 0;
    const tjscalingfactor* sf = tjGetScalingFactors(&nsf);
    int best_w = w, best_h = h;
    for (int i = 0; sf && i < nsf; ++i) {
      // Only 1/2, 1/4, 1/8: libjpeg-turbo has SIMD reduced IDCTs for those; 3/8, 5/8 etc.
      // are slower than decoding at full size.
      if (sf[i].num != 1 || (sf[i].denom != 2 && sf[i].denom != 4 && sf[i].denom != 8)) continue;
      const int sw = TJSCALED(w, sf[i]), sh = TJSCALED(h, sf[i]);
      if (std::max(sw, sh) >= limits.downscale_to && std::max(sw, sh) < std::max(best_w, best_h)) {
        best_w = sw;
        best_h = sh;
      }
    }
    w = best_w;
    h = best_h;
  }
  int flags = limits.allow_corrupt_jpeg ? 0 : TJFLAG_STOPONWARNING;
  auto check = [&](int rc) -> Status {
    if (rc == 0) return {};
    if (limits.allow_corrupt_jpeg && tjGetErrorCode(tj.get()) == TJERR_WARNING) return {};
    return invalid(std::string("JPEG data is corrupt or truncated: ") + tjGetErrorStr2(tj.get()));
  };
  cv::Mat out;
  if (cs == TJCS_CMYK || cs == TJCS_YCCK) {
    // TurboJPEG hands back CMYK as stored by Adobe applications (inverted), so
    // R = C * K / 255 and so on, the conversion libjpeg-turbo's own tools use.
    cv::Mat cmyk(h, w, CV_8UC4);
    if (auto st = check(tjDecompress2(tj.get(), b.data(), n, cmyk.data, w, static_cast<int>(cmyk.step),
                                      h, TJPF_CMYK, flags));
        !st)
      return st.error();
    out.create(h, w, CV_8UC3);
    for (int y = 0; y < h; ++y) {
      const uint8_t* s = cmyk.ptr<uint8_t>(y);
      uint8_t* d = out.ptr<uint8_t>(y);
      for (int x = 0; x < w; ++x, s += 4, d += 3) {
        const unsigned k = s[3];
        d[0] = static_cast<uint8_t>((s[2] * k + 127) / 255);  // B from Y
        d[1] = static_cast<uint8_t>((s[1] * k + 127) / 255);  // G from M
        d[2] = static_cast<uint8_t>((s[0] * k + 127) / 255);  // R from C
      }
    }
  } else {
    // Grey and YCbCr both expand straight to BGR inside libjpeg-turbo.
    out.create(h, w, CV_8UC3);
    if (auto st = check(tjDecompress2(tj.get(), b.data(), n, out.data, w, static_cast<int>(out.step), h,
                                      TJPF_BGR, flags));
        !st)
      return st.error();
  }
  apply_orientation(out, jpeg_exif_orientation(b));
  return out;
}

}  // namespace

const char* to_string(ImageFormat f) {
  switch (f) {
    case ImageFormat::Jpeg: return "jpeg";
    case ImageFormat::Png: return "png";
    case ImageFormat::Bmp: return "bmp";
    case ImageFormat::WebP: return "webp";
    default: return "unknown";
  }
}

ImageFormat sniff_image_format(std::span<const uint8_t> b) {
  if (b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return ImageFormat::Jpeg;
  if (starts_with(b, "\x89PNG\r\n\x1a\n", 8)) return ImageFormat::Png;
  if (starts_with(b, "BM", 2) && b.size() >= 18) return ImageFormat::Bmp;
  if (starts_with(b, "RIFF", 4) && starts_with(b, "WEBP", 4, 8)) return ImageFormat::WebP;
  return ImageFormat::Unknown;
}

Result<ImageInfo> probe_image(std::span<const uint8_t> bytes) {
  switch (sniff_image_format(bytes)) {
    case ImageFormat::Jpeg: return probe_jpeg(bytes);
    case ImageFormat::Png: return probe_png(bytes);
    case ImageFormat::Bmp: return probe_bmp(bytes);
    case ImageFormat::WebP: return probe_webp(bytes);
    default:
      return invalid(bytes.empty() ? "image is empty" : "not a JPEG, PNG, BMP or WebP image");
  }
}

Result<cv::Mat> decode_image(std::span<const uint8_t> bytes, const DecodeLimits& limits) {
  if (bytes.size() > limits.max_bytes)
    return Error::make("IMAGE_TOO_LARGE", "image is " + std::to_string(bytes.size()) +
                                              " bytes; the limit is " + std::to_string(limits.max_bytes));
  auto info = probe_image(bytes);
  if (!info) return info.error();
  if ((info->format == ImageFormat::Bmp && !limits.allow_bmp) ||
      (info->format == ImageFormat::WebP && !limits.allow_webp))
    return invalid(std::string(to_string(info->format)) + " images are not accepted");
  const std::string dims = std::to_string(info->width) + "x" + std::to_string(info->height);
  if (info->width < limits.min_side || info->height < limits.min_side)
    return Error::make("IMAGE_TOO_SMALL", "image is " + dims + "; each side must be at least " +
                                              std::to_string(limits.min_side) + " px");
  if (info->width > limits.max_side || info->height > limits.max_side ||
      int64_t(info->width) * info->height > limits.max_pixels)
    return Error::make("IMAGE_TOO_LARGE", "image is " + dims + "; the limit is " +
                                              std::to_string(limits.max_side) + " px per side and " +
                                              std::to_string(limits.max_pixels) + " pixels");
  Result<cv::Mat> decoded = info->format == ImageFormat::Jpeg ? decode_jpeg(bytes, limits)
                                                               : decode_with_opencv(bytes, *info);
  if (!decoded || limits.downscale_to <= 0) return decoded;
  cv::Mat& m = decoded.value();
  const int longest = std::max(m.cols, m.rows);
  if (longest <= limits.downscale_to) return decoded;
  const double s = double(limits.downscale_to) / longest;
  cv::Mat small;
  cv::resize(m, small, cv::Size(std::max(1, int(m.cols * s + 0.5)), std::max(1, int(m.rows * s + 0.5))), 0, 0,
             cv::INTER_AREA);
  return small;
}

namespace {
Result<cv::Mat> decode_with_opencv(std::span<const uint8_t> bytes, const ImageInfo& info) {
  // PNG, BMP, WebP: OpenCV's codecs. IMREAD_COLOR expands grey/palette, strips alpha and
  // reduces 16-bit to 8-bit. The Mat header wraps the caller's bytes without copying.
  cv::Mat out;
  try {
    cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<uint8_t*>(bytes.data()));
    out = cv::imdecode(raw, cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    return invalid(std::string(to_string(info.format)) + " data is corrupt: " + e.what());
  }
  if (out.empty())
    return invalid(std::string(to_string(info.format)) + " data is corrupt or truncated");
  // The decoder must agree with the header we validated; anything else means the header
  // lied (e.g. a second IHDR) and the size checks above no longer hold.
  // (OpenCV may have applied an EXIF rotation, hence the swapped case.)
  const bool same = out.cols == info.width && out.rows == info.height;
  const bool swapped = out.cols == info.height && out.rows == info.width;
  if (!(same || swapped) || out.type() != CV_8UC3)
    return invalid("decoded image does not match its header");
  return out;
}
}  // namespace

namespace {
constexpr std::array<int8_t, 256> make_b64_table() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  const char* std_alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(std_alpha[i])] = static_cast<int8_t>(i);
  t[static_cast<uint8_t>('-')] = 62;  // URL-safe alphabet
  t[static_cast<uint8_t>('_')] = 63;
  return t;
}
constexpr auto kB64 = make_b64_table();
}  // namespace

Result<std::vector<uint8_t>> decode_base64(std::string_view s) {
  auto bad = [](std::string m) { return Error::make("INVALID_BASE64", std::move(m)); };
  if (s.size() >= 5 && s.substr(0, 5) == "data:") {
    size_t comma = s.find(',');
    if (comma == std::string_view::npos) return bad("data URL has no ',' before its payload");
    if (s.substr(0, comma).find(";base64") == std::string_view::npos)
      return bad("data URL is not base64-encoded");
    s.remove_prefix(comma + 1);
  }
  std::vector<uint8_t> out;
  out.reserve(s.size() / 4 * 3 + 3);
  uint32_t acc = 0;
  int nbits = 0;
  size_t nchars = 0, npad = 0;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      ++npad;
      continue;
    }
    if (npad) return bad("base64 has data after '=' padding");
    int v = kB64[static_cast<uint8_t>(c)];
    if (v < 0) return bad("base64 contains an invalid character");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    nbits += 6;
    ++nchars;
    if (nbits >= 8) {
      nbits -= 8;
      out.push_back(static_cast<uint8_t>((acc >> nbits) & 0xFF));
    }
  }
  if (nchars % 4 == 1) return bad("base64 length is impossible (truncated?)");
  if (npad > 2 || (npad && (nchars + npad) % 4 != 0)) return bad("base64 padding is wrong");
  if (out.empty()) return bad("base64 payload is empty");
  return out;
}

std::string encode_base64(std::span<const uint8_t> b) {
  static constexpr char kAlpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((b.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= b.size(); i += 3) {
    uint32_t v = (uint32_t(b[i]) << 16) | (uint32_t(b[i + 1]) << 8) | b[i + 2];
    out += kAlpha[v >> 18];
    out += kAlpha[(v >> 12) & 63];
    out += kAlpha[(v >> 6) & 63];
    out += kAlpha[v & 63];
  }
  if (size_t rest = b.size() - i) {
    uint32_t v = uint32_t(b[i]) << 16 | (rest == 2 ? uint32_t(b[i + 1]) << 8 : 0);
    out += kAlpha[v >> 18];
    out += kAlpha[(v >> 12) & 63];
    out += rest == 2 ? kAlpha[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::vector<uint8_t> encode_jpeg(const cv::Mat& img, int quality) {
  if (img.empty() || img.depth() != CV_8U) return {};
  int pf = 0, subsamp = TJSAMP_420;
  switch (img.channels()) {
    case 1: pf = TJPF_GRAY; subsamp = TJSAMP_GRAY; break;
    case 3: pf = TJPF_BGR; break;
    case 4: pf = TJPF_BGRA; break;
    default: return {};
  }
  TjHandle tj(tjInitCompress());
  if (!tj) return {};
  // Compress into a buffer sized by tjBufSize() (the worst case), so TurboJPEG never
  // reallocates with its own allocator and no tjFree() bookkeeping is needed.
  std::vector<uint8_t> out(tjBufSize(img.cols, img.rows, subsamp));
  unsigned char* dst = out.data();
  unsigned long size = out.size();
  if (tjCompress2(tj.get(), img.data, img.cols, static_cast<int>(img.step), img.rows, pf, &dst, &size,
                  subsamp, std::clamp(quality, 1, 100), TJFLAG_FASTDCT | TJFLAG_NOREALLOC) != 0)
    return {};
  out.resize(size);
  return out;
}

std::vector<uint8_t> encode_jpeg_max_width(const cv::Mat& img, int max_width, int quality) {
  if (img.empty()) return {};
  if (max_width <= 0 || img.cols <= max_width) return encode_jpeg(img, quality);
  const double s = double(max_width) / img.cols;
  cv::Mat small;
  cv::resize(img, small, cv::Size(max_width, std::max(1, int(img.rows * s + 0.5))), 0, 0, cv::INTER_AREA);
  return encode_jpeg(small, quality);
}

}  // namespace argus
