// libFuzzer target for JpegStreamCutter, the framing of raw TCP camera streams (bytes from the
// network, before any decoder sees them). The first input byte sets the piece size the rest
// is fed in. Built by fuzz/run.sh with clang++ -fsanitize=fuzzer,address,undefined.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ingest/jpeg_stream.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t piece = 1 + data[0] % 64;
  std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  argus::JpegStreamCutter cutter;
  size_t out = 0;
  for (size_t off = 0; off < stream.size(); off += piece) {
    cutter.append(stream.substr(off, piece));
    while (auto img = cutter.next()) {
      // The contract: whole images only (SOI .. EOI), never more bytes than came in.
      if (img->size() < 4 || static_cast<uint8_t>((*img)[0]) != 0xFF || static_cast<uint8_t>((*img)[1]) != 0xD8 ||
          static_cast<uint8_t>((*img)[img->size() - 2]) != 0xFF || static_cast<uint8_t>(img->back()) != 0xD9)
        std::abort();
      out += img->size();
    }
    if (out + cutter.buffered() > off + piece) std::abort();
  }
  return 0;
}
