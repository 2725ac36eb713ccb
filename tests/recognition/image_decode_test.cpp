#include "recognition/image_decode.h"

#include <gtest/gtest.h>
#include <turbojpeg.h>

#include <random>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

using namespace argus;

namespace {

cv::Mat gradient(int w, int h) {
  cv::Mat m(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) m.at<cv::Vec3b>(y, x) = cv::Vec3b(uint8_t(x * 255 / w), uint8_t(y * 255 / h), 128);
  return m;
}

std::vector<uint8_t> encode(const std::string& ext, const cv::Mat& m) {
  std::vector<uint8_t> out;
  EXPECT_TRUE(cv::imencode(ext, m, out));
  return out;
}

double mean_abs_diff(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat d;
  cv::absdiff(a, b, d);
  cv::Scalar s = cv::mean(d);
  return (s[0] + s[1] + s[2]) / 3;
}

std::string code_of(const Result<cv::Mat>& r) { return r ? std::string("OK") : r.error().code; }

// Signature + IHDR claiming w x h, no image data: only a header check can judge it.
std::vector<uint8_t> png_header(uint32_t w, uint32_t h) {
  std::vector<uint8_t> b = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
  for (uint32_t v : {w, h})
    for (int s = 24; s >= 0; s -= 8) b.push_back(uint8_t(v >> s));
  for (uint8_t v : {8, 2, 0, 0, 0, 0, 0, 0, 0}) b.push_back(v);  // depth, colour, ..., CRC
  return b;
}

}  // namespace

TEST(ImageDecode, SniffsFormats) {
  auto img = gradient(32, 32);
  EXPECT_EQ(sniff_image_format(encode(".jpg", img)), ImageFormat::Jpeg);
  EXPECT_EQ(sniff_image_format(encode(".png", img)), ImageFormat::Png);
  EXPECT_EQ(sniff_image_format(encode(".bmp", img)), ImageFormat::Bmp);
  std::vector<uint8_t> junk = {'G', 'I', 'F', '8', '9', 'a'};
  EXPECT_EQ(sniff_image_format(junk), ImageFormat::Unknown);
  EXPECT_EQ(sniff_image_format({}), ImageFormat::Unknown);
}

TEST(ImageDecode, ValidJpeg) {
  auto img = gradient(160, 120);
  auto r = decode_image(encode(".jpg", img));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->cols, 160);
  EXPECT_EQ(r->rows, 120);
  EXPECT_EQ(r->type(), CV_8UC3);
  EXPECT_LT(mean_abs_diff(*r, img), 4.0);
}

TEST(ImageDecode, ValidPngIsLossless) {
  auto img = gradient(64, 48);
  auto r = decode_image(encode(".png", img));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(mean_abs_diff(*r, img), 0.0);
}

TEST(ImageDecode, BmpAndWebp) {
  auto img = gradient(40, 30);
  auto r = decode_image(encode(".bmp", img));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(mean_abs_diff(*r, img), 0.0);
  DecodeLimits no_bmp;
  no_bmp.allow_bmp = false;
  EXPECT_EQ(code_of(decode_image(encode(".bmp", img), no_bmp)), "INVALID_IMAGE");
  if (!cv::haveImageWriter(".webp")) GTEST_SKIP() << "OpenCV built without WebP";
  for (int q : {80, 101}) {  // 101 = lossless (VP8L)
    std::vector<uint8_t> webp;
    ASSERT_TRUE(cv::imencode(".webp", img, webp, {cv::IMWRITE_WEBP_QUALITY, q}));
    auto info = probe_image(webp);
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->width, 40);
    EXPECT_EQ(info->height, 30);
    auto w = decode_image(webp);
    ASSERT_TRUE(w) << w.error().message;
    EXPECT_LT(mean_abs_diff(*w, img), 6.0);
  }
}

TEST(ImageDecode, GrayscaleJpegBecomesBgr) {
  cv::Mat g(50, 70, CV_8UC1, cv::Scalar(90));
  auto r = decode_image(encode(".jpg", g));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->type(), CV_8UC3);
  auto px = r->at<cv::Vec3b>(25, 35);
  EXPECT_NEAR(px[0], 90, 2);
  EXPECT_EQ(px[0], px[1]);
  EXPECT_EQ(px[1], px[2]);
}

TEST(ImageDecode, CmykJpegIsConverted) {
  // Adobe-style (inverted) CMYK as libjpeg-turbo stores it: C' = R when K' = 255.
  const int w = 48, h = 32;
  for (int kp : {255, 128}) {
    std::vector<uint8_t> cmyk(size_t(w) * h * 4);
    for (size_t i = 0; i < cmyk.size(); i += 4) {
      cmyk[i] = 200;      // C' -> R
      cmyk[i + 1] = 100;  // M' -> G
      cmyk[i + 2] = 40;   // Y' -> B
      cmyk[i + 3] = uint8_t(kp);
    }
    tjhandle tj = tjInitCompress();
    unsigned char* jpeg = nullptr;
    unsigned long size = 0;
    ASSERT_EQ(tjCompress2(tj, cmyk.data(), w, 0, h, TJPF_CMYK, &jpeg, &size, TJSAMP_444, 95, 0), 0)
        << tjGetErrorStr2(tj);
    std::vector<uint8_t> bytes(jpeg, jpeg + size);
    tjFree(jpeg);
    tjDestroy(tj);
    auto r = decode_image(bytes);
    ASSERT_TRUE(r) << r.error().message;
    auto px = r->at<cv::Vec3b>(h / 2, w / 2);
    EXPECT_NEAR(px[2], 200 * kp / 255, 3) << "R, K'=" << kp;
    EXPECT_NEAR(px[1], 100 * kp / 255, 3) << "G";
    EXPECT_NEAR(px[0], 40 * kp / 255, 3) << "B";
  }
}

TEST(ImageDecode, RgbaPngDropsAlpha) {
  cv::Mat m(20, 20, CV_8UC4, cv::Scalar(10, 20, 30, 0));  // fully transparent
  auto r = decode_image(encode(".png", m));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->type(), CV_8UC3);
  EXPECT_EQ(r->at<cv::Vec3b>(5, 5), cv::Vec3b(10, 20, 30));
}

TEST(ImageDecode, SixteenBitPngBecomesEightBit) {
  cv::Mat m(20, 30, CV_16UC3, cv::Scalar(200 * 257, 100 * 257, 7 * 257));
  auto r = decode_image(encode(".png", m));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->type(), CV_8UC3);
  EXPECT_EQ(r->at<cv::Vec3b>(3, 3), cv::Vec3b(200, 100, 7));
  cv::Mat g16(20, 30, CV_16UC1, cv::Scalar(60 * 257));
  auto g = decode_image(encode(".png", g16));
  ASSERT_TRUE(g) << g.error().message;
  EXPECT_EQ(g->at<cv::Vec3b>(3, 3), cv::Vec3b(60, 60, 60));
}

TEST(ImageDecode, TruncatedJpegIsInvalid) {
  auto bytes = encode(".jpg", gradient(200, 200));
  for (size_t keep : {bytes.size() / 2, size_t(100), size_t(10), size_t(3)}) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + keep);
    auto r = decode_image(cut);
    EXPECT_EQ(code_of(r), "INVALID_IMAGE") << keep;
    if (!r) { EXPECT_FALSE(r.error().message.empty()); }
  }
  // Tolerated when the caller asks (a camera frame with a lost tail).
  DecodeLimits lax;
  lax.allow_corrupt_jpeg = true;
  std::vector<uint8_t> half(bytes.begin(), bytes.begin() + bytes.size() / 2);
  EXPECT_TRUE(decode_image(half, lax));
}

TEST(ImageDecode, TruncatedPngIsInvalid) {
  auto bytes = encode(".png", gradient(200, 200));
  std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + bytes.size() / 2);
  EXPECT_EQ(code_of(decode_image(cut)), "INVALID_IMAGE");
}

TEST(ImageDecode, RandomBytesAreInvalid) {
  std::mt19937 rng(7);
  for (int i = 0; i < 200; ++i) {
    std::vector<uint8_t> b(rng() % 4096);
    for (auto& v : b) v = uint8_t(rng());
    if (i % 3 == 1 && b.size() >= 3) b[0] = 0xFF, b[1] = 0xD8, b[2] = 0xFF;  // JPEG magic
    if (i % 3 == 2 && b.size() >= 8) std::copy_n("\x89PNG\r\n\x1a\n", 8, b.begin());
    auto r = decode_image(b);
    EXPECT_FALSE(r);
    if (!r) { EXPECT_NE(r.error().code, "INTERNAL"); }
  }
  EXPECT_EQ(code_of(decode_image({})), "INVALID_IMAGE");
}

TEST(ImageDecode, TooSmallRejected) {
  EXPECT_EQ(code_of(decode_image(encode(".png", gradient(1, 1)))), "IMAGE_TOO_SMALL");
  EXPECT_EQ(code_of(decode_image(encode(".jpg", gradient(15, 300)))), "IMAGE_TOO_SMALL");
  EXPECT_TRUE(decode_image(encode(".jpg", gradient(16, 16))));
}

TEST(ImageDecode, HugePngHeaderRejectedBeforeDecode) {
  // No pixel data follows the header, so only the header check can produce TOO_LARGE.
  auto r = decode_image(png_header(20000, 20000));
  EXPECT_EQ(code_of(r), "IMAGE_TOO_LARGE");
  // Sides within 8192 but 8000 x 6000 = 48 Mpx > 40 Mpx.
  EXPECT_EQ(code_of(decode_image(png_header(8000, 6000))), "IMAGE_TOO_LARGE");
  auto info = probe_image(png_header(20000, 20000));
  ASSERT_TRUE(info);
  EXPECT_EQ(info->width, 20000);
  DecodeLimits custom;
  custom.max_side = 1000;
  EXPECT_EQ(code_of(decode_image(png_header(1001, 20), custom)), "IMAGE_TOO_LARGE");
}

TEST(ImageDecode, HugeJpegSofRejectedBeforeDecode) {
  auto bytes = encode(".jpg", gradient(64, 64));
  // Patch the baseline SOF0 frame header: FF C0 len(2) precision(1) height(2) width(2).
  size_t sof = 0;
  for (size_t i = 2; i + 9 < bytes.size(); ++i)
    if (bytes[i] == 0xFF && bytes[i + 1] == 0xC0) {
      sof = i;
      break;
    }
  ASSERT_NE(sof, 0u);
  bytes[sof + 5] = 20000 >> 8;
  bytes[sof + 6] = 20000 & 0xFF;
  bytes[sof + 7] = 20000 >> 8;
  bytes[sof + 8] = 20000 & 0xFF;
  auto info = probe_image(bytes);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->width, 20000);
  EXPECT_EQ(info->height, 20000);
  EXPECT_EQ(code_of(decode_image(bytes)), "IMAGE_TOO_LARGE");
}

TEST(ImageDecode, ByteLimit) {
  DecodeLimits l;
  l.max_bytes = 100;
  EXPECT_EQ(code_of(decode_image(encode(".png", gradient(64, 64)), l)), "IMAGE_TOO_LARGE");
}

TEST(ImageDecode, JpegExifOrientationApplied) {
  auto bytes = encode(".jpg", gradient(64, 32));
  // APP1 Exif, little-endian TIFF, IFD0 with one entry: Orientation (0x0112) SHORT = 6.
  std::vector<uint8_t> app1 = {0xFF, 0xE1, 0, 0, 'E', 'x', 'i', 'f', 0, 0, 'I', 'I', 0x2A, 0, 8, 0, 0, 0,
                               1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0};
  const size_t len = app1.size() - 2;
  app1[2] = uint8_t(len >> 8);
  app1[3] = uint8_t(len & 0xFF);
  bytes.insert(bytes.begin() + 2, app1.begin(), app1.end());
  auto r = decode_image(bytes);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->cols, 32);  // rotated 90 degrees
  EXPECT_EQ(r->rows, 64);
}

TEST(ImageDecode, DownscaleTo) {
  auto img = gradient(2000, 1500);
  DecodeLimits l;
  l.downscale_to = 640;
  for (const char* ext : {".jpg", ".png"}) {
    auto r = decode_image(encode(ext, img), l);
    ASSERT_TRUE(r) << ext << ": " << r.error().message;
    EXPECT_EQ(r->cols, 640) << ext;
    EXPECT_EQ(r->rows, 480) << ext;
    cv::Mat ref;
    cv::resize(img, ref, cv::Size(640, 480), 0, 0, cv::INTER_AREA);
    EXPECT_LT(mean_abs_diff(*r, ref), 4.0) << ext;
  }
  // Smaller images are left alone.
  auto small = decode_image(encode(".jpg", gradient(300, 200)), l);
  ASSERT_TRUE(small);
  EXPECT_EQ(small->cols, 300);
}

TEST(Base64, RoundTripAndVariants) {
  std::vector<uint8_t> data = {0, 1, 2, 250, 251, 252, 253, 254, 255, 'a'};
  for (size_t n = 1; n <= data.size(); ++n) {
    std::span<const uint8_t> part(data.data(), n);
    auto text = encode_base64(part);
    auto back = decode_base64(text);
    ASSERT_TRUE(back) << text;
    EXPECT_EQ(*back, std::vector<uint8_t>(part.begin(), part.end()));
    // Unpadded and URL-safe forms are accepted too.
    std::string loose = text;
    while (!loose.empty() && loose.back() == '=') loose.pop_back();
    for (auto& c : loose) c = c == '+' ? '-' : c == '/' ? '_' : c;
    auto back2 = decode_base64(loose);
    ASSERT_TRUE(back2) << loose;
    EXPECT_EQ(*back2, *back);
  }
  auto url = decode_base64("data:image/png;base64,aGVs\r\nbG8=\n");
  ASSERT_TRUE(url);
  EXPECT_EQ(std::string(url->begin(), url->end()), "hello");
}

TEST(Base64, RejectsGarbage) {
  for (const char* bad : {"", "   ", "abc$", "aGVsbG8=x", "QUJDR", "QQ=A", "QQ===", "data:image/png,aGVsbG8=",
                          "data:;base64", "\xff\xfe"}) {
    auto r = decode_base64(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) { EXPECT_EQ(r.error().code, "INVALID_BASE64"); }
  }
}

TEST(Base64, DecodedImageEndToEnd) {
  auto img = gradient(32, 32);
  auto text = "data:image/jpeg;base64," + encode_base64(encode(".jpg", img));
  auto bytes = decode_base64(text);
  ASSERT_TRUE(bytes);
  EXPECT_TRUE(decode_image(*bytes));
}

TEST(EncodeJpeg, RoundTripAndScaled) {
  auto img = gradient(640, 480);
  auto jpg = encode_jpeg(img, 90);
  ASSERT_FALSE(jpg.empty());
  auto back = decode_image(jpg);
  ASSERT_TRUE(back);
  EXPECT_LT(mean_abs_diff(*back, img), 4.0);
  auto small = encode_jpeg_max_width(img, 320, 70);
  auto info = probe_image(small);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->width, 320);
  EXPECT_EQ(info->height, 240);
  EXPECT_LT(small.size(), jpg.size());
  // The width is what is asked for, also on a portrait (corridor) camera; never upscaled.
  auto portrait = probe_image(encode_jpeg_max_width(gradient(360, 640), 320, 70));
  ASSERT_TRUE(portrait);
  EXPECT_EQ(portrait->width, 320);
  EXPECT_EQ(portrait->height, 569);
  auto narrow = probe_image(encode_jpeg_max_width(gradient(200, 100), 320, 70));
  ASSERT_TRUE(narrow);
  EXPECT_EQ(narrow->width, 200);
  // Grey, BGRA and a non-continuous ROI are accepted; empty and float are not.
  EXPECT_FALSE(encode_jpeg(cv::Mat(20, 20, CV_8UC1, cv::Scalar(5))).empty());
  EXPECT_FALSE(encode_jpeg(cv::Mat(20, 20, CV_8UC4, cv::Scalar(5, 6, 7, 8))).empty());
  cv::Mat roi = img(cv::Rect(10, 10, 100, 50));
  auto r = decode_image(encode_jpeg(roi, 90));
  ASSERT_TRUE(r);
  EXPECT_LT(mean_abs_diff(*r, roi), 4.0);
  EXPECT_TRUE(encode_jpeg(cv::Mat()).empty());
  EXPECT_TRUE(encode_jpeg(cv::Mat(20, 20, CV_32FC3)).empty());
}
