#include "ingest/ffmpeg_source.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavdevice/avdevice.h>
#include <libavformat/avformat.h>
#include <libavutil/dict.h>
#include <libavutil/imgutils.h>
#include <libavutil/log.h>
#include <libswscale/swscale.h>
}

#include <spdlog/spdlog.h>

#include <algorithm>
#include <climits>
#include <cstdarg>
#include <mutex>
#include <thread>

namespace argus {
namespace {

std::string av_err(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(code, buf, sizeof buf);
  return buf;
}

void av_log_to_spdlog(void* avcl, int level, const char* fmt, va_list vl) {
  if (level > av_log_get_level() || !spdlog::should_log(spdlog::level::debug)) return;
  char line[1024];
  int print_prefix = 1;
  av_log_format_line2(avcl, level, fmt, vl, line, sizeof line, &print_prefix);
  std::string text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  spdlog::debug("ffmpeg: {}", text);
}

int interrupt_trampoline(void* opaque) {
  return static_cast<const FfmpegSource*>(opaque)->should_abort() ? 1 : 0;
}

// "rtsp://host/x" + user/pass -> "rtsp://user:pass@host/x" (only when the URL has none).
std::string with_credentials(const std::string& url, const std::string& user, const std::string& pass) {
  if (user.empty()) return url;
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  auto host_start = scheme_end + 3;
  auto path_start = url.find('/', host_start);
  auto at = url.find('@', host_start);
  if (at != std::string::npos && (path_start == std::string::npos || at < path_start)) return url;
  return url.substr(0, host_start) + user + ":" + pass + "@" + url.substr(host_start);
}

struct FormatCloser {
  void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};
struct CodecCloser {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct PacketCloser {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct FrameCloser {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct SwsCloser {
  void operator()(SwsContext* s) const { sws_freeContext(s); }
};
struct DictCloser {
  void operator()(AVDictionary* d) const { av_dict_free(&d); }
};

}  // namespace

struct FfmpegSource::State {
  std::unique_ptr<AVFormatContext, FormatCloser> fmt;
  std::unique_ptr<AVCodecContext, CodecCloser> dec;
  std::unique_ptr<AVPacket, PacketCloser> pkt{av_packet_alloc()};
  std::unique_ptr<AVFrame, FrameCloser> frame{av_frame_alloc()};
  std::unique_ptr<SwsContext, SwsCloser> sws;
  int stream = -1;
  AVRational time_base{1, 1};
  std::string codec_name;
  uint64_t seq = 0;
  bool draining = false;     // sent the flush packet after EOF; pull remaining frames
  int bad_packets = 0;       // consecutive decode failures
  // realtime pacing of files
  bool pace_started = false;
  SteadyClock::time_point pace_t0;
  int64_t pace_pts0 = 0;
  int64_t loop_offset_ms = 0;  // added to pts after each loop so pts keeps increasing
  int64_t last_pts_ms = 0;
  int64_t frame_dur_ms = 40;
};

FfmpegSource::FfmpegSource(Kind kind, std::string url, SourceOptions options)
    : kind_(kind), url_(std::move(url)), opt_(std::move(options)), st_(std::make_unique<State>()) {}

FfmpegSource::~FfmpegSource() = default;

bool FfmpegSource::should_abort() const {
  if (interrupted_.load(std::memory_order_relaxed)) return true;
  int64_t dl = deadline_ns_.load(std::memory_order_relaxed);
  return dl != 0 && SteadyClock::now().time_since_epoch().count() > dl;
}

void FfmpegSource::arm_deadline(int ms) {
  if (ms <= 0) {
    deadline_ns_ = 0;
    return;
  }
  auto dl = SteadyClock::now() + std::chrono::milliseconds(ms);
  deadline_ns_ = std::chrono::duration_cast<SteadyClock::duration>(dl.time_since_epoch()).count();
}

void FfmpegSource::interrupt() {
  interrupted_ = true;
  std::lock_guard lock(pace_mu_);
  pace_cv_.notify_all();
}

std::string FfmpegSource::describe() const {
  static constexpr const char* kNames[] = {"rtsp", "http_mjpeg", "usb", "file"};
  return std::string(kNames[static_cast<int>(kind_)]) + " " + redact_url(url_);
}

Status FfmpegSource::open() {
  auto status = open_input();
  deadline_ns_ = 0;
  if (!status.ok() && interrupted_) return Error::make(source_error::kInterrupted, "interrupted while opening");
  return status;
}

Status FfmpegSource::open_input() {
  // libavdevice registration is idempotent and process-wide; do it once.
  static std::once_flag devices_once;
  std::call_once(devices_once, [] {
    avdevice_register_all();
    // FFmpeg logs per packet (swscale's yuvj notice, RTP jitter, "mmco" after packet loss);
    // failures reach us as return codes and are logged by the session, so its own lines go
    // to spdlog at debug level instead of raw stderr.
    av_log_set_level(AV_LOG_ERROR);
    av_log_set_callback(&av_log_to_spdlog);
  });

  AVDictionary* raw_opts = nullptr;
  const AVInputFormat* ifmt = nullptr;
  std::string url = url_;
  // FFmpeg 5.1 takes socket/read timeouts in microseconds.
  // The interrupt callback enforces the open and stall deadlines exactly; the protocol's own
  // socket timeout is only a backstop, so it must not fire before either of them.
  std::string timeout_us =
      std::to_string(static_cast<int64_t>(std::max(opt_.stall_timeout_ms, opt_.open_timeout_ms) + 1000) * 1000);
  switch (kind_) {
    case Kind::kRtsp:
      url = with_credentials(url_, opt_.username, opt_.password);
      av_dict_set(&raw_opts, "rtsp_transport", opt_.rtsp_transport == "udp" ? "udp" : "tcp", 0);
      av_dict_set(&raw_opts, "timeout", timeout_us.c_str(), 0);  // 'stimeout' before FFmpeg 5
      av_dict_set(&raw_opts, "max_delay", "500000", 0);
      av_dict_set(&raw_opts, "fflags", "nobuffer", 0);  // live: do not queue frames for probing
      break;
    case Kind::kHttpMjpeg:
      url = with_credentials(url_, opt_.username, opt_.password);
      ifmt = av_find_input_format("mpjpeg");
      av_dict_set(&raw_opts, "rw_timeout", timeout_us.c_str(), 0);
      av_dict_set(&raw_opts, "timeout", timeout_us.c_str(), 0);
      av_dict_set(&raw_opts, "reconnect", "0", 0);  // the session reconnects, with backoff
      break;
    case Kind::kUsb:
      ifmt = av_find_input_format("v4l2");
      if (!ifmt) return Error::make(source_error::kOpenFailed, "libavdevice has no v4l2 input");
      if (!opt_.video_size.empty()) av_dict_set(&raw_opts, "video_size", opt_.video_size.c_str(), 0);
      if (!opt_.framerate.empty()) av_dict_set(&raw_opts, "framerate", opt_.framerate.c_str(), 0);
      break;
    case Kind::kFile:
      if (url.rfind("file://", 0) == 0) url = url.substr(7);
      break;
  }
  std::unique_ptr<AVDictionary, DictCloser> opts_guard(nullptr);

  AVFormatContext* fmt = avformat_alloc_context();
  if (!fmt) {
    av_dict_free(&raw_opts);
    return Error::make(source_error::kOpenFailed, "out of memory");
  }
  fmt->interrupt_callback.callback = &interrupt_trampoline;
  fmt->interrupt_callback.opaque = this;
  arm_deadline(opt_.open_timeout_ms);
  // On failure avformat_open_input frees fmt itself.
  int rc = avformat_open_input(&fmt, url.c_str(), ifmt, &raw_opts);
  opts_guard.reset(raw_opts);
  if (rc < 0) {
    if (!interrupted_ && should_abort())
      return Error::make(source_error::kTimeout, "open timed out: " + redact_url(url_));
    return Error::make(source_error::kOpenFailed, "cannot open " + redact_url(url_) + ": " + av_err(rc));
  }
  st_->fmt.reset(fmt);
  if (kind_ != Kind::kHttpMjpeg) {
    // mpjpeg needs no probing; for the rest a short probe finds the stream parameters.
    fmt->probesize = 1 << 20;
    fmt->max_analyze_duration = 2 * AV_TIME_BASE;
    rc = avformat_find_stream_info(fmt, nullptr);
    // Cut short by the deadline, probing may "succeed" on partial data and leave the demuxer
    // at a latched end of stream; report the timeout instead of a source that reads EOF.
    if (should_abort()) return Error::make(source_error::kTimeout, "open timed out while probing " + redact_url(url_));
    if (rc < 0) return Error::make(source_error::kOpenFailed, "no stream info: " + av_err(rc));
  }
  const AVCodec* codec = nullptr;
  rc = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
  if (rc < 0 || !codec) return Error::make(source_error::kOpenFailed, "no decodable video stream in " + redact_url(url_));
  st_->stream = rc;
  AVStream* stream = fmt->streams[rc];
  st_->time_base = stream->time_base;
  for (unsigned i = 0; i < fmt->nb_streams; ++i)
    if (static_cast<int>(i) != rc) fmt->streams[i]->discard = AVDISCARD_ALL;  // audio etc.
  if (stream->avg_frame_rate.num > 0 && stream->avg_frame_rate.den > 0)
    st_->frame_dur_ms = std::max<int64_t>(1, av_rescale(1000, stream->avg_frame_rate.den, stream->avg_frame_rate.num));

  st_->dec.reset(avcodec_alloc_context3(codec));
  if (!st_->dec) return Error::make(source_error::kOpenFailed, "out of memory");
  avcodec_parameters_to_context(st_->dec.get(), stream->codecpar);
  st_->dec->thread_count = 1;
  st_->dec->pkt_timebase = stream->time_base;
  rc = avcodec_open2(st_->dec.get(), codec, nullptr);
  if (rc < 0) return Error::make(source_error::kOpenFailed, "cannot open decoder: " + av_err(rc));
  st_->codec_name = codec->name;
  spdlog::debug("opened {} ({} {}x{})", describe(), codec->name, st_->dec->width, st_->dec->height);
  return {};
}

bool FfmpegSource::pace(int64_t pts_ms) {
  if (!st_->pace_started) {
    st_->pace_started = true;
    st_->pace_t0 = SteadyClock::now();
    st_->pace_pts0 = pts_ms;
    return !interrupted_;
  }
  auto due = st_->pace_t0 + std::chrono::milliseconds(pts_ms - st_->pace_pts0);
  std::unique_lock lock(pace_mu_);
  pace_cv_.wait_until(lock, due, [&] { return interrupted_.load(); });
  return !interrupted_;
}

Status FfmpegSource::rewind() {
  int rc = av_seek_frame(st_->fmt.get(), st_->stream, 0, AVSEEK_FLAG_BACKWARD);
  if (rc < 0) rc = avformat_seek_file(st_->fmt.get(), -1, INT64_MIN, 0, INT64_MAX, 0);
  if (rc < 0) return Error::make(source_error::kEof, "cannot rewind for loop: " + av_err(rc));
  avcodec_flush_buffers(st_->dec.get());
  st_->draining = false;
  st_->loop_offset_ms = st_->last_pts_ms + st_->frame_dur_ms;
  return {};
}

Result<Frame> FfmpegSource::read() {
  if (!st_->fmt) return Error::make(source_error::kIo, "source is not open");
  AVFormatContext* fmt = st_->fmt.get();
  AVCodecContext* dec = st_->dec.get();
  size_t pkt_bytes = 0;
  for (;;) {
    if (interrupted_) return Error::make(source_error::kInterrupted, "interrupted");
    // First drain any frame the decoder already has.
    int rc = avcodec_receive_frame(dec, st_->frame.get());
    if (rc == 0) {
      auto received = SteadyClock::now();
      auto frame = convert(received, pkt_bytes);
      av_frame_unref(st_->frame.get());
      if (!frame.ok()) return frame;
      if (kind_ == Kind::kFile && opt_.realtime && frame->pts_ms && !pace(*frame->pts_ms))
        return Error::make(source_error::kInterrupted, "interrupted");
      if (kind_ == Kind::kFile && opt_.realtime) {
        frame->received = SteadyClock::now();
        frame->received_unix_ms = now_unix_ms();
      }
      return frame;
    }
    if (rc == AVERROR_EOF || (st_->draining && rc != 0)) {
      if (kind_ == Kind::kFile && opt_.loop) {
        auto st = rewind();
        if (!st.ok()) return st.error();
        continue;
      }
      return Error::make(source_error::kEof, "end of stream");
    }
    // Decoder wants input.
    arm_deadline(opt_.stall_timeout_ms);
    rc = av_read_frame(fmt, st_->pkt.get());
    deadline_ns_ = 0;
    if (rc == AVERROR_EOF || (rc < 0 && kind_ == Kind::kFile && avio_feof(fmt->pb))) {
      avcodec_send_packet(dec, nullptr);  // flush: the decoder returns its delayed frames
      st_->draining = true;
      continue;
    }
    if (rc < 0) {
      if (interrupted_) return Error::make(source_error::kInterrupted, "interrupted");
      if (rc == AVERROR_EXIT || should_abort() || rc == AVERROR(ETIMEDOUT))
        return Error::make(source_error::kTimeout, "no data for " + std::to_string(opt_.stall_timeout_ms) + " ms");
      return Error::make(source_error::kIo, "read failed: " + av_err(rc));
    }
    std::unique_ptr<AVPacket, void (*)(AVPacket*)> unref(st_->pkt.get(), [](AVPacket* p) { av_packet_unref(p); });
    if (st_->pkt->stream_index != st_->stream) continue;
    bytes_ += static_cast<uint64_t>(st_->pkt->size);
    pkt_bytes += static_cast<size_t>(st_->pkt->size);
    if (opt_.packet_hook) {
      EncodedPacket ep;
      ep.data = st_->pkt->data;
      ep.size = static_cast<size_t>(st_->pkt->size);
      ep.pts = st_->pkt->pts;
      ep.dts = st_->pkt->dts;
      ep.time_base_num = st_->time_base.num;
      ep.time_base_den = st_->time_base.den;
      ep.keyframe = (st_->pkt->flags & AV_PKT_FLAG_KEY) != 0;
      ep.codec = st_->codec_name;
      opt_.packet_hook(ep);
    }
    rc = avcodec_send_packet(dec, st_->pkt.get());
    if (rc < 0 && rc != AVERROR(EAGAIN)) {
      // Corrupt data: skip the packet; the stream usually recovers at the next keyframe.
      if (++st_->bad_packets > 200)
        return Error::make(source_error::kDecode, "too many undecodable packets: " + av_err(rc));
    }
  }
}

Result<Frame> FfmpegSource::convert(SteadyClock::time_point received, size_t pkt_bytes) {
  AVFrame* f = st_->frame.get();
  if (f->width <= 0 || f->height <= 0) return Error::make(source_error::kDecode, "decoder returned an empty frame");
  st_->bad_packets = 0;
  // FFmpeg 5.1's fast unscaled YUV->BGR path (x86 SIMD) converts 8 pixels at a time and
  // leaves the last width % 8 columns black (a 1366-wide camera showed a black stripe);
  // SWS_ACCURATE_RND selects the general path, which handles any width. Common camera widths
  // (640, 1280, 1920, ...) keep the fast path.
  int sws_flags = SWS_BILINEAR | (f->width % 16 != 0 ? SWS_ACCURATE_RND : 0);
  SwsContext* sws = sws_getCachedContext(st_->sws.release(), f->width, f->height,
                                         static_cast<AVPixelFormat>(f->format), f->width, f->height,
                                         AV_PIX_FMT_BGR24, sws_flags, nullptr, nullptr, nullptr);
  st_->sws.reset(sws);
  if (!sws) return Error::make(source_error::kDecode, "unsupported pixel format");
  Frame out;
  // swscale's SIMD paths write up to a few dozen bytes past the end of a line when the
  // line is not a multiple of 16/32 bytes (e.g. 488 px * 3). Rows are written in order, so a
  // spill into the next row is overwritten by that row; two spare rows below the picture take
  // the last row's spill. rowRange keeps the Mat continuous (same step) and zero-copy.
  cv::Mat padded(f->height + 2, f->width, CV_8UC3);
  out.bgr = padded.rowRange(0, f->height);
  uint8_t* dst[4] = {out.bgr.data, nullptr, nullptr, nullptr};
  int dst_stride[4] = {static_cast<int>(out.bgr.step[0]), 0, 0, 0};
  sws_scale(sws, f->data, f->linesize, 0, f->height, dst, dst_stride);
  out.seq = ++st_->seq;
  int64_t pts = f->best_effort_timestamp;
  if (pts != AV_NOPTS_VALUE) {
    int64_t ms = av_rescale_q(pts, st_->time_base, AVRational{1, 1000}) + st_->loop_offset_ms;
    out.pts_ms = ms;
    st_->last_pts_ms = ms;
  }
  out.received = received;
  out.received_unix_ms = now_unix_ms();
  out.encoded_bytes = pkt_bytes;
  return out;
}

}  // namespace argus
