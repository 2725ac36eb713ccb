#include "ingest/jpeg_stream.h"

#include <cstdint>

namespace argus {

namespace {
constexpr uint8_t kMarker = 0xFF, kSoi = 0xD8, kEoi = 0xD9, kSos = 0xDA, kTem = 0x01;
bool is_rst(uint8_t m) { return m >= 0xD0 && m <= 0xD7; }
}  // namespace

void JpegStreamCutter::resync(size_t from) {
  auto at = [&](size_t i) { return static_cast<uint8_t>(buf_[i]); };
  size_t i = from;
  while (i + 1 < buf_.size() && !(at(i) == kMarker && at(i + 1) == kSoi)) ++i;
  if (i + 1 >= buf_.size()) {
    bool keep_last = !buf_.empty() && at(buf_.size() - 1) == kMarker && buf_.size() - 1 >= from;
    buf_.erase(0, keep_last ? buf_.size() - 1 : buf_.size());
    pos_ = 0;
  } else {
    buf_.erase(0, i);
    pos_ = 2;
  }
  in_scan_ = false;
}

std::optional<std::string> JpegStreamCutter::next() {
  auto at = [&](size_t i) { return static_cast<uint8_t>(buf_[i]); };
  if (pos_ == 0) resync(0);
  while (pos_ != 0 && pos_ < buf_.size()) {
    if (in_scan_) {
      // Entropy-coded data: FF 00 is a stuffed byte, FF D0..D7 a restart marker, FF FF fill;
      // anything else is the next marker (EOI, or DHT/SOS between progressive scans).
      size_t i = pos_;
      while (i + 1 < buf_.size()) {
        if (at(i) != kMarker) {
          ++i;
          continue;
        }
        uint8_t m = at(i + 1);
        if (m == 0x00 || is_rst(m)) i += 2;
        else if (m == kMarker) i += 1;
        else break;
      }
      pos_ = i;
      if (i + 1 >= buf_.size()) return std::nullopt;  // needs the byte after this one
      in_scan_ = false;
      continue;
    }
    // Between segments: a marker is due. Stray bytes (and fill bytes) before it are skipped.
    size_t p = pos_;
    while (p < buf_.size() && at(p) != kMarker) ++p;
    while (p + 1 < buf_.size() && at(p + 1) == kMarker) ++p;
    if (p + 1 >= buf_.size()) {
      pos_ = p;
      return std::nullopt;
    }
    uint8_t m = at(p + 1);
    if (m == kEoi) {
      std::string image = buf_.substr(0, p + 2);
      buf_.erase(0, p + 2);
      pos_ = 0;
      return image;
    }
    if (m == kSoi) {  // a new image before this one ended: this one was cut short
      resync(p);
      continue;
    }
    if (is_rst(m) || m == kTem) {  // markers without a length
      pos_ = p + 2;
      continue;
    }
    if (p + 3 >= buf_.size()) {
      pos_ = p;
      return std::nullopt;
    }
    size_t len = (static_cast<size_t>(at(p + 2)) << 8) | at(p + 3);
    if (len < 2) {  // not a JPEG after all: look for the next image
      resync(2);
      continue;
    }
    pos_ = p + 2 + len;  // may lie beyond the bytes so far: parsing resumes there
    in_scan_ = m == kSos;
  }
  return std::nullopt;
}

}  // namespace argus
