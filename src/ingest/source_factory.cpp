#include "ingest/ffmpeg_source.h"
#include "ingest/frame_source.h"
#include "ingest/push_source.h"
#include "ingest/tcp_source.h"

namespace argus {

std::string redact_url(const std::string& url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  auto host_start = scheme_end + 3;
  auto path_start = url.find('/', host_start);
  auto at = url.rfind('@', path_start == std::string::npos ? std::string::npos : path_start);
  if (at == std::string::npos || at < host_start) return url;
  return url.substr(0, host_start) + "***@" + url.substr(at + 1);
}

Result<std::unique_ptr<FrameSource>> make_frame_source(const std::string& type, const std::string& url,
                                                       const SourceOptions& options) {
  auto starts = [&](const char* p) { return url.rfind(p, 0) == 0; };
  using K = FfmpegSource::Kind;
  std::unique_ptr<FrameSource> src;
  if (type == "rtsp") {
    if (!starts("rtsp://") && !starts("rtsps://"))
      return Error::make(source_error::kInvalid, "rtsp camera needs an rtsp:// or rtsps:// url");
    src = std::make_unique<FfmpegSource>(K::kRtsp, url, options);
  } else if (type == "http_mjpeg") {
    if (!starts("http://") && !starts("https://"))
      return Error::make(source_error::kInvalid, "http_mjpeg camera needs an http(s):// url");
    src = std::make_unique<FfmpegSource>(K::kHttpMjpeg, url, options);
  } else if (type == "usb") {
    // "/dev/video0", "0" or "usb://0"
    std::string dev = url;
    if (starts("usb://")) dev = url.substr(6);
    if (!dev.empty() && dev.find_first_not_of("0123456789") == std::string::npos) dev = "/dev/video" + dev;
    if (dev.rfind("/dev/", 0) != 0) return Error::make(source_error::kInvalid, "usb camera needs /dev/videoN");
    src = std::make_unique<FfmpegSource>(K::kUsb, dev, options);
  } else if (type == "file") {
    if (url.empty()) return Error::make(source_error::kInvalid, "file camera needs a path");
    src = std::make_unique<FfmpegSource>(K::kFile, url, options);
  } else if (type == "socket") {
    if (!starts("tcp://")) return Error::make(source_error::kInvalid, "socket camera needs tcp://host:port");
    src = std::make_unique<TcpJpegSource>(url, options);
  } else if (type == "websocket") {
    if (!options.push_channel) return Error::make(source_error::kInvalid, "websocket camera needs a push channel");
    src = std::make_unique<PushFrameSource>(options.push_channel, options);
  } else {
    return Error::make(source_error::kInvalid, "unknown camera type '" + type + "'");
  }
  return src;
}

}  // namespace argus
