#pragma once
// Raw TCP ingest: argus connects to tcp://host:port and cuts the byte stream into JPEG
// frames, either from SOI (FFD8) to EOI (FFD9) following the segment structure
// (JpegStreamCutter: an EXIF thumbnail's EOI does not end the frame) or by a 4-byte big-endian length prefix
// (tcp://host:port?framing=length overrides SourceOptions::framing). TCP keepalive is on so a
// silently dead peer is noticed; interrupt() wakes the poll() through an eventfd and shuts
// the socket down.
#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ingest/frame_source.h"
#include "ingest/jpeg_stream.h"

namespace argus {

class TcpJpegSource final : public FrameSource {
 public:
  TcpJpegSource(std::string url, SourceOptions options);
  ~TcpJpegSource() override;
  TcpJpegSource(const TcpJpegSource&) = delete;
  TcpJpegSource& operator=(const TcpJpegSource&) = delete;

  Status open() override;
  Result<Frame> read() override;
  void interrupt() override;
  uint64_t bytes_received() const override { return bytes_.load(); }
  std::string describe() const override { return "socket " + url_; }

 private:
  // Reads more bytes into buf_; error on timeout/interrupt/EOF.
  Status fill(SteadyClock::time_point deadline);
  Status wait_fd(short events, SteadyClock::time_point deadline);
  Result<std::optional<std::string>> next_length_prefixed();

  std::string url_, host_, port_;
  SourceOptions opt_;
  bool length_framing_ = false;
  int fd_ = -1;
  int wake_fd_ = -1;  // eventfd signalled by interrupt()
  std::mutex fd_mu_;  // guards fd_ against interrupt()'s shutdown while closing
  std::atomic<bool> interrupted_{false};
  std::atomic<uint64_t> bytes_{0};
  std::string buf_;            // bytes read and not yet framed
  JpegStreamCutter cutter_;    // SOI/EOI framing (the default)
  uint64_t seq_ = 0;
  int bad_ = 0;
};

}  // namespace argus
