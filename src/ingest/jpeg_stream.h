#pragma once
// Cuts a byte stream of back-to-back JPEG images (raw TCP cameras) into whole images.
//
// It walks each image's marker segments rather than stopping at the first FFD9: an EXIF
// thumbnail is a whole JPEG, end marker included, inside the APP1 segment of many camera
// pictures, and cutting there would hand on half a frame and lose the rest. In entropy-coded
// data 0xFF is always followed by 00 (stuffing), a restart marker or a real marker, so there
// the first FFD9 is the end. Bytes before an SOI are dropped (garbage, or a frame whose start
// was lost), as are images whose structure is broken (a segment length under 2); stray bytes
// between segments are skipped as libjpeg skips them. Parsing resumes where it stopped, so
// feeding a frame in many small pieces costs one pass over it.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace argus {

class JpegStreamCutter {
 public:
  void append(std::string_view bytes) { buf_.append(bytes); }
  // The next whole image (SOI .. EOI), or nullopt until more bytes arrive.
  std::optional<std::string> next();
  // Bytes held: the image being assembled (callers bound this, e.g. max_frame_bytes).
  size_t buffered() const { return buf_.size(); }

 private:
  // Drops everything before the first SOI from `from` on (keeps a trailing 0xFF: it may be
  // half a marker) and restarts parsing there.
  void resync(size_t from);

  std::string buf_;
  size_t pos_ = 0;        // parsing of the image at buf_[0] resumes here (0: no SOI yet)
  bool in_scan_ = false;  // pos_ is inside entropy-coded data (after an SOS header)
};

}  // namespace argus
