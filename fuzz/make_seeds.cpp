// Writes a small seed corpus for decode_image_fuzzer into the directory given as argv[1]:
// one image per format/variant the decoder handles, so the fuzzer starts past the magic
// bytes and headers. Generated at run time; no binary files live in the repository.
#include <turbojpeg.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

namespace {
void write(const std::string& dir, const std::string& name, const std::vector<uint8_t>& b) {
  std::ofstream(dir + "/" + name, std::ios::binary).write(reinterpret_cast<const char*>(b.data()),
                                                          static_cast<std::streamsize>(b.size()));
}
void enc(const std::string& dir, const std::string& name, const cv::Mat& m, std::vector<int> params = {}) {
  std::vector<uint8_t> b;
  const std::string ext = name.substr(name.rfind('.'));
  if (cv::haveImageWriter(ext) && cv::imencode(ext, m, b, params)) write(dir, name, b);
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_seeds DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  cv::Mat bgr(24, 32, CV_8UC3);
  cv::randu(bgr, 0, 255);
  enc(dir, "bgr.jpg", bgr);
  enc(dir, "progressive.jpg", bgr, {cv::IMWRITE_JPEG_PROGRESSIVE, 1});
  enc(dir, "bgr.png", bgr);
  enc(dir, "bgr.bmp", bgr);
  enc(dir, "bgr.webp", bgr);
  enc(dir, "lossless.webp", bgr, {cv::IMWRITE_WEBP_QUALITY, 101});
  cv::Mat gray(20, 20, CV_8UC1, cv::Scalar(77));
  enc(dir, "gray.jpg", gray);
  enc(dir, "gray.png", gray);
  cv::Mat rgba(20, 20, CV_8UC4, cv::Scalar(1, 2, 3, 4));
  enc(dir, "rgba.png", rgba);
  cv::Mat deep(20, 20, CV_16UC3, cv::Scalar(1000, 2000, 3000));
  enc(dir, "deep.png", deep);
  // CMYK (YCCK) JPEG, which only TurboJPEG's CMYK path produces.
  std::vector<uint8_t> cmyk(20 * 20 * 4, 128);
  tjhandle tj = tjInitCompress();
  unsigned char* jpeg = nullptr;
  unsigned long size = 0;
  if (tj && tjCompress2(tj, cmyk.data(), 20, 0, 20, TJPF_CMYK, &jpeg, &size, TJSAMP_420, 90, 0) == 0)
    write(dir, "cmyk.jpg", std::vector<uint8_t>(jpeg, jpeg + size));
  tjFree(jpeg);
  if (tj) tjDestroy(tj);
  // A base64 seed, since the target also feeds its input to decode_base64.
  write(dir, "b64.txt", std::vector<uint8_t>({'d', 'a', 't', 'a', ':', 'i', 'm', 'a', 'g', 'e', '/', 'p', 'n', 'g',
                                              ';', 'b', 'a', 's', 'e', '6', '4', ',', 'i', 'V', 'B', 'O', 'R',
                                              'w', '0', 'K', 'G', 'g', 'o', '=', '\n'}));
  return 0;
}
