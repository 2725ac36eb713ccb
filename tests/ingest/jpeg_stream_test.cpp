// JpegStreamCutter: framing of back-to-back JPEGs (raw TCP cameras), fed in pieces of every size.
#include "ingest/jpeg_stream.h"

#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "tools/peers.h"

using argus::JpegStreamCutter;
using argus_test::with_exif_thumbnail;

namespace {

// Noise, so the entropy-coded data is full of stuffed 0xFF bytes.
std::string noisy_jpeg(int w, int h, std::vector<int> params = {}) {
  cv::Mat img(h, w, CV_8UC3);
  cv::randu(img, cv::Scalar::all(0), cv::Scalar::all(255));
  std::vector<uint8_t> buf;
  cv::imencode(".jpg", img, buf, params);
  return std::string(buf.begin(), buf.end());
}

std::vector<std::string> cut(const std::string& stream, size_t piece) {
  JpegStreamCutter c;
  std::vector<std::string> out;
  for (size_t off = 0; off < stream.size(); off += piece) {
    c.append(std::string_view(stream).substr(off, piece));
    while (auto img = c.next()) out.push_back(*img);
  }
  return out;
}

cv::Size decoded_size(const std::string& jpeg) {
  cv::Mat m = cv::imdecode(std::vector<uint8_t>(jpeg.begin(), jpeg.end()), cv::IMREAD_COLOR);
  return m.size();
}

}  // namespace

TEST(JpegStreamCutter, WholeImagesInOrderWhateverThePieceSize) {
  std::vector<std::string> images = {
      noisy_jpeg(64, 48),
      noisy_jpeg(80, 60, {cv::IMWRITE_JPEG_PROGRESSIVE, 1}),   // several scans, DHT between them
      noisy_jpeg(96, 64, {cv::IMWRITE_JPEG_RST_INTERVAL, 2}),  // restart markers in the data
      with_exif_thumbnail(noisy_jpeg(120, 90), noisy_jpeg(16, 12)),
  };
  // Garbage before the first image and between some, as cameras that lose sync send.
  std::string stream = "garbage\xFF\x00\xFF";
  for (size_t i = 0; i < images.size(); ++i) stream += images[i] + (i % 2 ? std::string("\x01\x02junk\xFF") : "");
  for (size_t piece : {size_t{1}, size_t{7}, size_t{777}, stream.size()}) {
    auto out = cut(stream, piece);
    ASSERT_EQ(out.size(), images.size()) << "piece " << piece;
    for (size_t i = 0; i < images.size(); ++i) EXPECT_EQ(out[i], images[i]) << "image " << i << ", piece " << piece;
  }
}

TEST(JpegStreamCutter, AThumbnailsEndMarkerDoesNotEndTheFrame) {
  std::string thumb = noisy_jpeg(16, 12);
  std::string picture = with_exif_thumbnail(noisy_jpeg(160, 120), thumb);
  ASSERT_EQ(decoded_size(picture), cv::Size(160, 120));
  // The first FFD9 in the stream is the thumbnail's; cutting there would give half a frame.
  ASSERT_LT(picture.find("\xFF\xD9"), picture.size() - 2);
  auto out = cut(picture + picture, 500);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], picture);
  EXPECT_EQ(decoded_size(out[1]), cv::Size(160, 120));
}

TEST(JpegStreamCutter, BrokenAndCutShortImagesAreDroppedAndTheNextOnesSurvive) {
  std::string a = noisy_jpeg(64, 48), b = noisy_jpeg(72, 40), c = noisy_jpeg(48, 32);
  // An image cut short in its entropy data (the sender lost bytes), then whole ones.
  std::string stream = a.substr(0, a.size() / 2) + b;
  // A segment length under 2 is no JPEG: dropped, the parser looks for the next SOI.
  stream += std::string("\xFF\xD8\xFF\xE0\x00\x01", 6) + c;
  for (size_t piece : {size_t{1}, size_t{13}, stream.size()}) {
    auto out = cut(stream, piece);
    ASSERT_EQ(out.size(), 2u) << "piece " << piece;
    EXPECT_EQ(out[0], b);
    EXPECT_EQ(out[1], c);
  }
}

TEST(JpegStreamCutter, HoldsOnlyTheImageBeingAssembled) {
  JpegStreamCutter c;
  c.append(std::string(10000, 'x'));  // no SOI: nothing worth keeping
  EXPECT_FALSE(c.next());
  EXPECT_EQ(c.buffered(), 0u);
  std::string img = noisy_jpeg(64, 48);
  c.append(std::string_view(img).substr(0, 100));
  EXPECT_FALSE(c.next());
  EXPECT_EQ(c.buffered(), 100u);
  c.append(std::string_view(img).substr(100));
  EXPECT_EQ(c.next(), img);
  EXPECT_EQ(c.buffered(), 0u);
}
