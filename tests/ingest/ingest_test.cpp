// Each FrameSource against a real peer on loopback: the GStreamer RTSP server script,
// ffmpeg's mpjpeg listener, in-test TCP/HTTP/UDP peers, and clips made with ffmpeg's testsrc
// at test time (so nothing here needs ../shared/data; the eval-data cases skip without it).
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include <opencv2/core.hpp>

#include "ingest/discovery.h"
#include "ingest/ffmpeg_source.h"
#include "ingest/frame_source.h"
#include "ingest/push_source.h"
#include "test_util.h"
#include "tools/peers.h"

using namespace argus;
using namespace argus_test;
using namespace std::chrono_literals;

namespace {

double seconds_since(SteadyClock::time_point t) { return std::chrono::duration<double>(SteadyClock::now() - t).count(); }

class Ingest : public ::testing::Test {
 protected:
  // Clips are generated once per binary (ffmpeg testsrc, ultrafast) and shared by tests.
  // ctest runs each test in its own process, so clips are made lazily, only when needed.
  static void SetUpTestSuite() { dir_ = std::make_unique<TempDir>(); }
  static void TearDownTestSuite() { dir_.reset(); }
  void SetUp() override {
    h264_ = make_clip(dir_->path(), "h264", 10);
    h264_short_ = make_clip(dir_->path(), "h264", 1);
  }
  static std::string h265() { return make_clip(dir_->path(), "h265", 10); }
  static std::unique_ptr<FrameSource> make(const std::string& type, const std::string& url, SourceOptions o = {}) {
    auto r = make_frame_source(type, url, o);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(r.value()) : nullptr;
  }
  static inline std::unique_ptr<TempDir> dir_;
  static inline std::string h264_, h264_short_;
};

// Reads n frames, checking they are sane; returns how many arrived.
int read_frames(FrameSource& src, int n, int w = 0, int h = 0) {
  int got = 0;
  uint64_t last_seq = 0;
  for (int i = 0; i < n; ++i) {
    auto f = src.read();
    if (!f.ok()) {
      ADD_FAILURE() << "read " << i << ": " << f.error().code << " " << f.error().message;
      break;
    }
    EXPECT_EQ(f->bgr.type(), CV_8UC3);
    if (w) {
      EXPECT_EQ(f->width(), w);
    }
    if (h) {
      EXPECT_EQ(f->height(), h);
    }
    EXPECT_GT(f->seq, last_seq);
    last_seq = f->seq;
    ++got;
  }
  return got;
}

}  // namespace

TEST_F(Ingest, FileFullSpeedDecodesEveryFrameThenEof) {
  ASSERT_FALSE(h264_short_.empty()) << "ffmpeg could not make a test clip";
  int packets = 0, keyframes = 0;
  SourceOptions o{.realtime = false};
  o.packet_hook = [&](const EncodedPacket& p) {
    ++packets;
    keyframes += p.keyframe;
    EXPECT_EQ(p.codec, "h264");
    EXPECT_GT(p.size, 0u);
  };
  auto src = make("file", h264_short_, o);
  ASSERT_TRUE(src->open().ok());
  int n = 0;
  int64_t last_pts = -1;
  for (;;) {
    auto f = src->read();
    if (!f.ok()) {
      EXPECT_EQ(f.error().code, source_error::kEof);
      break;
    }
    ASSERT_TRUE(f->pts_ms);
    EXPECT_GT(*f->pts_ms, last_pts);
    last_pts = *f->pts_ms;
    EXPECT_EQ(f->width(), 320);
    ++n;
  }
  EXPECT_EQ(n, 25);
  EXPECT_EQ(packets, 25);  // compressed packets offered for clip remux
  EXPECT_EQ(keyframes, 1);
  EXPECT_GT(src->bytes_received(), 0u);
}

TEST_F(Ingest, FileRealtimeLoopsWithIncreasingPts) {
  auto src = make("file", h264_short_, SourceOptions{.realtime = true, .loop = true});
  ASSERT_TRUE(src->open().ok());
  auto t0 = SteadyClock::now();
  int64_t last = -1;
  for (int i = 0; i < 40; ++i) {  // 1.6 s of a 1 s clip at 25 fps
    auto f = src->read();
    ASSERT_TRUE(f.ok()) << f.error().message;
    ASSERT_TRUE(f->pts_ms);
    EXPECT_GT(*f->pts_ms, last) << "frame " << i;
    last = *f->pts_ms;
  }
  double took = seconds_since(t0);
  EXPECT_GT(took, 1.3);  // paced like a camera
  EXPECT_LT(took, 3.0);
  EXPECT_GE(last, 1500);
}

TEST_F(Ingest, CorruptAndTruncatedH264DoNotCrash) {
  // Annex-B elementary stream, then damage: garbage in the middle, and the tail cut off.
  std::string es = dir_->path() + "/clip.h264";
  ASSERT_TRUE(run_command("ffmpeg -v error -y -i " + h264_ + " -c copy -bsf:v h264_mp4toannexb -f h264 " + es + " < /dev/null"));
  std::string data;
  {
    std::ifstream in(es, std::ios::binary);
    data.assign(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_GT(data.size(), 20000u);
  std::string corrupt = data;
  for (size_t off = data.size() / 4; off + 500 < data.size(); off += data.size() / 6)
    for (size_t i = 0; i < 500; ++i) corrupt[off + i] = static_cast<char>((i * 7919) & 0xff);
  std::string truncated = data.substr(0, data.size() / 2);
  for (auto& [name, bytes] : {std::pair<std::string, std::string>{"corrupt.h264", corrupt}, {"truncated.h264", truncated}}) {
    std::string path = dir_->path() + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    auto src = make("file", path, SourceOptions{.realtime = false});
    ASSERT_TRUE(src->open().ok()) << name;
    int frames = 0;
    Error last;
    for (;;) {
      auto f = src->read();
      if (!f.ok()) {
        last = f.error();
        break;
      }
      ++frames;
    }
    EXPECT_GT(frames, 50) << name;   // decoding continues past the damage
    EXPECT_LT(frames, 260) << name;
    EXPECT_TRUE(last.code == source_error::kEof || last.code == source_error::kDecode) << name << ": " << last.code;
  }
  // Not a video at all: open fails cleanly.
  std::string junk = dir_->path() + "/junk.mp4";
  std::ofstream(junk, std::ios::binary) << std::string(4096, 'x');
  auto src = make("file", junk);
  auto st = src->open();
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, source_error::kOpenFailed);
}

// Widths whose BGR rows are not a multiple of swscale's SIMD block (488 px * 3 = 1464 bytes)
// made swscale write past the end of the image and corrupted the heap (a 488-px camera
// crashed the server). Each frame must match ffmpeg's own BGR conversion, to the last column
// and row; run under `make test-asan` an overrun is also reported directly.
TEST_F(Ingest, OddWidthFramesConvertWithoutOverrunAndMatchFfmpeg) {
  for (const char* size : {"488x272", "362x202", "1366x768"}) {
    std::string clip = make_clip(dir_->path(), "h264", 1, size);
    ASSERT_FALSE(clip.empty()) << size;
    int w = 0, h = 0;
    ASSERT_EQ(std::sscanf(size, "%dx%d", &w, &h), 2);
    std::string raw = dir_->path() + "/ref_" + size + ".bgr";
    ASSERT_TRUE(run_command("ffmpeg -v error -y -i " + clip + " -frames:v 3 -f rawvideo -pix_fmt bgr24 " + raw + " < /dev/null"));
    std::string ref;
    {
      std::ifstream in(raw, std::ios::binary);
      ref.assign(std::istreambuf_iterator<char>(in), {});
    }
    size_t frame_bytes = static_cast<size_t>(w) * static_cast<size_t>(h) * 3;
    ASSERT_EQ(ref.size(), 3 * frame_bytes) << size;
    auto src = make("file", clip, SourceOptions{.realtime = false});
    ASSERT_TRUE(src->open().ok()) << size;
    for (int i = 0; i < 3; ++i) {
      auto f = src->read();
      ASSERT_TRUE(f.ok()) << size << " frame " << i << ": " << f.error().message;
      ASSERT_EQ(f->width(), w);
      ASSERT_EQ(f->height(), h);
      ASSERT_TRUE(f->bgr.isContinuous());
      cv::Mat expect(h, w, CV_8UC3, ref.data() + static_cast<size_t>(i) * frame_bytes);
      cv::Mat diff;
      cv::absdiff(f->bgr, expect, diff);
      // Chroma upsampling may differ by a level or two between swscale flag sets; a
      // misplaced or overwritten row differs by far more.
      EXPECT_LT(cv::mean(diff.rowRange(h - 1, h))[0], 4.0) << size << " last row, frame " << i;
      EXPECT_LT(cv::mean(diff.colRange(w - 1, w))[0], 4.0) << size << " last column, frame " << i << " ours "
          << f->bgr.at<cv::Vec3b>(h / 2, w - 1) << f->bgr.at<cv::Vec3b>(h / 2, w - 2) << f->bgr.at<cv::Vec3b>(h / 2, w - 3) << " ffmpeg "
          << expect.at<cv::Vec3b>(h / 2, w - 1) << expect.at<cv::Vec3b>(h / 2, w - 2) << expect.at<cv::Vec3b>(h / 2, w - 3);
      EXPECT_LT(cv::mean(diff)[0], 3.0) << size << " whole frame " << i;
    }
  }
}

TEST_F(Ingest, RtspH264AndH265OverTcpAndUdpWithAuth) {
  if (!rtsp_peer_available()) GTEST_SKIP() << "GStreamer RTSP server for Python missing (scripts/apt-packages.txt)";
  std::string h265_ = h265();
  ASSERT_FALSE(h265_.empty());
  RtspPeer peer({"h264=" + h264_, "h265=" + h265_}, {"--user", "admin", "--password", "s3cret"});
  ASSERT_NE(peer.port(), 0) << "RTSP server did not start";
  {  // credentials in the URL, TCP, H.264
    auto src = make("rtsp", peer.url("h264", "admin:s3cret"));
    auto st = src->open();
    ASSERT_TRUE(st.ok()) << st.error().message;
    EXPECT_EQ(read_frames(*src, 30, 320, 240), 30);
    EXPECT_GT(src->bytes_received(), 0u);
    EXPECT_EQ(src->describe().find("s3cret"), std::string::npos);
  }
  {  // credentials in options, UDP, H.265
    auto src = make("rtsp", peer.url("h265"),
                    SourceOptions{.rtsp_transport = "udp", .username = "admin", .password = "s3cret"});
    auto st = src->open();
    ASSERT_TRUE(st.ok()) << st.error().message;
    EXPECT_EQ(read_frames(*src, 20, 320, 240), 20);
  }
  {  // wrong password
    auto src = make("rtsp", peer.url("h264", "admin:wrong"), SourceOptions{.open_timeout_ms = 5000});
    auto st = src->open();
    EXPECT_FALSE(st.ok());
  }
}

// RTSPS: RTSP inside TLS (cameras that encrypt their stream). The test peer's certificate is
// self-signed, made here; like most NVRs we do not verify it (a camera's certificate rarely
// names the address it is reached at), so what this shows is the TLS path end to end.
TEST_F(Ingest, RtspsWithCredentials) {
  if (!rtsp_peer_available()) GTEST_SKIP() << "GStreamer RTSP server for Python missing (scripts/apt-packages.txt)";
  const std::string pem = dir_->path() + "/rtsps.pem";
  ASSERT_EQ(std::system(("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -keyout " + pem +
                         ".key -out " + pem + ".crt 2>/dev/null && cat " + pem + ".crt " + pem + ".key > " + pem)
                            .c_str()),
            0)
      << "openssl could not make a certificate";
  RtspPeer peer({"tls=" + h264_}, {"--user", "admin", "--password", "s3cret", "--tls-cert", pem});
  ASSERT_NE(peer.port(), 0) << "RTSPS server did not start";
  const std::string url = "rtsps://admin:s3cret@127.0.0.1:" + std::to_string(peer.port()) + "/tls";
  {
    auto src = make("rtsp", url);
    auto st = src->open();
    ASSERT_TRUE(st.ok()) << st.error().message;
    EXPECT_EQ(read_frames(*src, 20, 320, 240), 20);
    EXPECT_GT(src->bytes_received(), 0u);
    EXPECT_EQ(src->describe().find("s3cret"), std::string::npos);
  }
  {  // the same server in plain RTSP: no answer that a stream could come from
    auto src = make("rtsp", "rtsp://admin:s3cret@127.0.0.1:" + std::to_string(peer.port()) + "/tls",
                    SourceOptions{.open_timeout_ms = 3000});
    EXPECT_FALSE(src->open().ok());
  }
}

TEST_F(Ingest, RtspOpenTimesOutAndInterruptIsPrompt) {
  // A peer that accepts and never answers: the RTSP handshake stalls.
  LoopbackServer silent([](int fd, const std::atomic<bool>& stopping) {
    while (!stopping) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) > 0) {
        char buf[512];
        if (::recv(fd, buf, sizeof buf, 0) <= 0) return;
      }
    }
  });
  std::string url = "rtsp://127.0.0.1:" + std::to_string(silent.port()) + "/x";
  {
    auto src = make("rtsp", url, SourceOptions{.open_timeout_ms = 800, .stall_timeout_ms = 800});
    auto t0 = SteadyClock::now();
    auto st = src->open();
    EXPECT_FALSE(st.ok());
    EXPECT_LT(seconds_since(t0), 3.0);
  }
  {
    auto src = make("rtsp", url, SourceOptions{.open_timeout_ms = 30000, .stall_timeout_ms = 30000});
    std::thread stopper([&] {
      sleep_ms(300);
      src->interrupt();
    });
    auto t0 = SteadyClock::now();
    auto st = src->open();
    stopper.join();
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, source_error::kInterrupted);
    EXPECT_LT(seconds_since(t0), 1.5);
  }
}

TEST_F(Ingest, HttpMjpegFromFfmpegListener) {
  int port = 0;
  {  // a free port: bind to 0 and release it (ffmpeg -listen needs a number)
    LoopbackServer probe([](int, const std::atomic<bool>&) {});
    port = probe.port();
  }
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/feed.mjpg";
  ChildProcess ff({"ffmpeg", "-v", "error", "-re", "-stream_loop", "-1", "-i", h264_, "-c:v", "mjpeg", "-q:v", "5",
                   "-f", "mpjpeg", "-listen", "1", url});
  // -listen serves exactly one client, so wait by retrying open (a refused connect costs nothing).
  std::unique_ptr<FrameSource> src;
  for (int i = 0; i < 50; ++i) {
    src = make("http_mjpeg", url, SourceOptions{.open_timeout_ms = 3000});
    if (src->open().ok()) break;
    src.reset();
    sleep_ms(100);
  }
  ASSERT_TRUE(src) << "could not connect to ffmpeg's mpjpeg listener";
  EXPECT_EQ(read_frames(*src, 15, 320, 240), 15);
}

TEST_F(Ingest, HttpMjpegBasicAuthAndStall) {
  // "user:pass" -> dXNlcjpwYXNz. 401 without it; with it, 10 parts and then silence.
  std::atomic<int> unauthorised{0};
  LoopbackServer http([&](int fd, const std::atomic<bool>& stopping) {
    std::string head = read_http_head(fd);
    if (head.find("Authorization: Basic dXNlcjpwYXNz") == std::string::npos) {
      ++unauthorised;
      send_all(fd, "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"cam\"\r\nContent-Length: 0\r\n"
                   "Connection: close\r\n\r\n");
      return;
    }
    send_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace;boundary=frame\r\n"
                 "Connection: close\r\n\r\n");
    for (int i = 0; i < 10 && !stopping; ++i) {
      std::string jpeg = make_jpeg(160, 120, i);
      send_all(fd, "--frame\r\nContent-Type: image/jpeg\r\nContent-Length: " + std::to_string(jpeg.size()) + "\r\n\r\n");
      send_all(fd, jpeg);
      send_all(fd, "\r\n");
      sleep_ms(10);
    }
    while (!stopping) sleep_ms(20);  // stall with the connection open
  });
  std::string url = "http://127.0.0.1:" + std::to_string(http.port()) + "/video";
  {
    auto src = make("http_mjpeg", url, SourceOptions{.open_timeout_ms = 2000});
    EXPECT_FALSE(src->open().ok());
  }
  auto src = make("http_mjpeg", url,
                  SourceOptions{.username = "user", .password = "pass", .open_timeout_ms = 3000, .stall_timeout_ms = 700});
  auto st = src->open();
  ASSERT_TRUE(st.ok()) << st.error().message;
  // The 10th part is only complete once the next boundary arrives, so expect 9 for sure.
  EXPECT_EQ(read_frames(*src, 9, 160, 120), 9);
  auto t0 = SteadyClock::now();
  Result<Frame> r = Error::make("", "");
  do r = src->read();
  while (r.ok());
  EXPECT_EQ(r.error().code, source_error::kTimeout) << r.error().message;
  EXPECT_LT(seconds_since(t0), 3.0);
  EXPECT_GE(unauthorised.load(), 1);
}

TEST_F(Ingest, TcpJpegMarkersAndLengthPrefix) {
  LoopbackServer markers([](int fd, const std::atomic<bool>&) {
    std::string stream = "garbage-before-first-frame";
    // Every fourth picture carries an EXIF thumbnail, whose end marker is not the frame's.
    for (int i = 0; i < 12; ++i)
      stream += (i % 4 == 1 ? with_exif_thumbnail(make_jpeg(200, 100, i), make_jpeg(20, 10, i)) : make_jpeg(200, 100, i)) +
                (i % 3 ? "" : "\x01\x02junk");
    // Odd chunk sizes so markers straddle reads.
    for (size_t off = 0; off < stream.size(); off += 777) send_all(fd, stream.substr(off, 777));
  });
  auto src = make("socket", "tcp://127.0.0.1:" + std::to_string(markers.port()));
  ASSERT_TRUE(src->open().ok());
  EXPECT_EQ(read_frames(*src, 12, 200, 100), 12);
  auto end = src->read();
  ASSERT_FALSE(end.ok());
  EXPECT_EQ(end.error().code, source_error::kEof);

  LoopbackServer lengths([](int fd, const std::atomic<bool>&) {
    for (int i = 0; i < 5; ++i) {
      std::string jpeg = make_jpeg(64, 48, i);
      uint32_t be = htonl(static_cast<uint32_t>(jpeg.size()));
      send_all(fd, &be, 4);
      send_all(fd, jpeg);
    }
  });
  auto src2 = make("socket", "tcp://127.0.0.1:" + std::to_string(lengths.port()) + "?framing=length");
  ASSERT_TRUE(src2->open().ok());
  EXPECT_EQ(read_frames(*src2, 5, 64, 48), 5);
}

TEST_F(Ingest, TcpStallTimeoutInterruptAndRefused) {
  LoopbackServer one_then_silence([](int fd, const std::atomic<bool>& stopping) {
    send_all(fd, make_jpeg(32, 32, 1));
    while (!stopping) sleep_ms(20);
  });
  std::string url = "tcp://127.0.0.1:" + std::to_string(one_then_silence.port());
  auto src = make("socket", url, SourceOptions{.stall_timeout_ms = 400});
  ASSERT_TRUE(src->open().ok());
  ASSERT_TRUE(src->read().ok());
  auto t0 = SteadyClock::now();
  auto r = src->read();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, source_error::kTimeout);
  EXPECT_NEAR(seconds_since(t0), 0.4, 0.3);

  auto src2 = make("socket", url, SourceOptions{.stall_timeout_ms = 30000});
  std::thread late;
  {
    // The server serves one connection at a time: connect succeeds (backlog), read blocks.
    ASSERT_TRUE(src2->open().ok());
    late = std::thread([&] {
      sleep_ms(200);
      src2->interrupt();
    });
    auto t1 = SteadyClock::now();
    auto r2 = src2->read();
    late.join();
    ASSERT_FALSE(r2.ok());
    EXPECT_EQ(r2.error().code, source_error::kInterrupted);
    EXPECT_LT(seconds_since(t1), 1.0);
  }
  one_then_silence.stop();
  auto refused = make("socket", url);
  auto st = refused->open();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, source_error::kOpenFailed);
}

TEST_F(Ingest, PushSourceDecodesDropsOldestAndInterrupts) {
  auto ch = std::make_shared<PushChannel>(3);
  auto src = make("websocket", "", SourceOptions{.stall_timeout_ms = 5000, .push_channel = ch});
  ASSERT_TRUE(src->open().ok());
  EXPECT_TRUE(ch->push_jpeg(make_jpeg(80, 60, 1)));
  EXPECT_TRUE(ch->push_jpeg(std::string("not a jpeg")));
  EXPECT_TRUE(ch->push_jpeg(make_jpeg(80, 60, 2)));
  EXPECT_FALSE(ch->push_jpeg(make_jpeg(80, 60, 3)));  // full: oldest dropped
  EXPECT_EQ(ch->dropped(), 1u);
  EXPECT_EQ(read_frames(*src, 2, 80, 60), 2);  // the undecodable one is skipped
  std::thread stopper([&] {
    sleep_ms(200);
    src->interrupt();
  });
  auto t0 = SteadyClock::now();
  auto r = src->read();
  stopper.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, source_error::kInterrupted);
  EXPECT_LT(seconds_since(t0), 1.0);

  // Nobody pushing is NO_PEER (the session's "waiting"), not a TIMEOUT error: within a second
  // before a source's first frame, within the stall timeout after it.
  auto idle = make("websocket", "", SourceOptions{.stall_timeout_ms = 5000, .push_channel = ch});
  ASSERT_TRUE(idle->open().ok());
  t0 = SteadyClock::now();
  auto none = idle->read();
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, source_error::kNoPeer);
  EXPECT_LT(seconds_since(t0), 3.0);
  auto fed = make("websocket", "", SourceOptions{.stall_timeout_ms = 1500, .push_channel = ch});
  ASSERT_TRUE(fed->open().ok());
  ch->push_jpeg(make_jpeg(80, 60, 4));
  ASSERT_TRUE(fed->read().ok());
  t0 = SteadyClock::now();
  auto stalled = fed->read();
  ASSERT_FALSE(stalled.ok());
  EXPECT_EQ(stalled.error().code, source_error::kNoPeer);
  EXPECT_GE(seconds_since(t0), 1.4);  // a pusher gets the whole stall timeout between frames
}

TEST(IngestFactory, RejectsBadTypesAndUrls) {
  EXPECT_FALSE(make_frame_source("rtsp", "http://x", {}).ok());
  EXPECT_FALSE(make_frame_source("http_mjpeg", "rtsp://x", {}).ok());
  EXPECT_FALSE(make_frame_source("socket", "udp://x:1", {}).ok());
  EXPECT_FALSE(make_frame_source("websocket", "", {}).ok());  // no channel
  EXPECT_FALSE(make_frame_source("usb", "camera", {}).ok());
  EXPECT_FALSE(make_frame_source("smoke-signal", "x", {}).ok());
  EXPECT_TRUE(make_frame_source("usb", "0", {}).ok());
  EXPECT_EQ(redact_url("rtsp://admin:pw@10.0.0.1:554/s"), "rtsp://***@10.0.0.1:554/s");
  EXPECT_EQ(redact_url("rtsp://10.0.0.1/s@x"), "rtsp://10.0.0.1/s@x");
}

TEST(IngestDiscovery, V4l2EnumerationHandlesMissingDevices) {
  TempDir empty;
  EXPECT_EQ(discover_v4l2(empty.path()), Json::array());
  Json all = discover_v4l2("/dev");  // whatever this machine has; must not fail
  ASSERT_TRUE(all.is_array());
  for (const auto& d : all) EXPECT_EQ(d["type"], "usb");
}

// A real V4L2 capture device, through the same FfmpegSource the camera session uses, with the
// capture format a USB camera's record asks for (live_camera_config). CI machines and this
// project's VMs have none: the test says so and skips.
TEST(IngestUsb, ACaptureDeviceDeliversFramesWhereOneExists) {
  Json devices = discover_v4l2("/dev");
  if (!devices.is_array() || devices.empty())
    GTEST_SKIP() << "no V4L2 capture device on this machine (/dev/video*): USB capture is not exercised here";
  std::string dev = devices[0]["source"].get<std::string>();
  SourceOptions opt;
  opt.video_size = "640x480";  // a size nearly every webcam offers; a driver may still pick its nearest
  opt.framerate = "15";
  opt.open_timeout_ms = 5000;
  auto src = make_frame_source("usb", dev, opt);
  ASSERT_TRUE(src.ok()) << src.error().message;
  auto st = (*src)->open();
  ASSERT_TRUE(st.ok()) << dev << ": " << st.error().message;
  for (int i = 0; i < 3; ++i) {
    auto f = (*src)->read();
    ASSERT_TRUE(f.ok()) << dev << ": " << f.error().message;
    EXPECT_GT(f->width(), 0);
    EXPECT_GT(f->height(), 0);
  }
}

// Any device on the segment may answer a probe: bad escapes and bytes that are not UTF-8 cost
// that field or that device, never the others (a "%zz" used to throw and empty the list).
TEST(IngestDiscovery, MalformedProbeMatchesCostOnlyTheirOwnFields) {
  auto match = [](const std::string& scopes, const std::string& xaddrs) {
    return "<d:ProbeMatch><d:Types>dn:NetworkVideoTransmitter tds:\xff\xfe</d:Types><d:Scopes>" + scopes +
           "</d:Scopes><d:XAddrs>" + xaddrs + "</d:XAddrs></d:ProbeMatch>";
  };
  std::string xml = "<d:ProbeMatches>" +
                    match("onvif://www.onvif.org/name/Gate%zz%4 onvif://www.onvif.org/hardware/IPC%FF%FE",
                          "http://10.0.0.2/onvif/device_service") +
                    match("onvif://www.onvif.org/name/Bad", "http://10.0.0.3/\xc3\x28") +
                    match("onvif://www.onvif.org/name/Lobby%20Cam", "http://10.0.0.4/onvif/device_service") +
                    "</d:ProbeMatches>";
  Json found;
  ASSERT_NO_THROW(found = parse_probe_matches(xml));
  ASSERT_EQ(found.size(), 2u) << found.dump(-1, ' ', false, Json::error_handler_t::replace);
  EXPECT_NO_THROW((void)found.dump());  // every string valid UTF-8
  EXPECT_EQ(found[0]["source"], "http://10.0.0.2/onvif/device_service");
  EXPECT_EQ(found[0]["name"], "Gate%zz%4");        // escapes that are not %XX are kept as they are
  EXPECT_EQ(found[0]["hardware"], "");             // %FF%FE decodes to bytes that are not text
  EXPECT_EQ(found[0]["capabilities"], Json::array({"NetworkVideoTransmitter"}));
  EXPECT_EQ(found[1]["source"], "http://10.0.0.4/onvif/device_service");  // the device without a usable address is skipped
  EXPECT_EQ(found[1]["name"], "Lobby Cam");
}

TEST(IngestDiscovery, OnvifProbeAgainstLocalResponder) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  std::string probe_seen;
  std::thread responder([&] {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 3000) <= 0) return;
    char buf[8192];
    sockaddr_in from{};
    socklen_t fl = sizeof from;
    ssize_t n = ::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &fl);
    if (n <= 0) return;
    probe_seen.assign(buf, static_cast<size_t>(n));
    std::string reply =
        "<?xml version=\"1.0\"?><SOAP-ENV:Envelope xmlns:SOAP-ENV=\"http://www.w3.org/2003/05/soap-envelope\" "
        "xmlns:d=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\" xmlns:dn=\"http://www.onvif.org/ver10/network/wsdl\">"
        "<SOAP-ENV:Body><d:ProbeMatches><d:ProbeMatch><d:Types>dn:NetworkVideoTransmitter</d:Types>"
        "<d:Scopes>onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/name/Front%20Door "
        "onvif://www.onvif.org/hardware/IPC-1</d:Scopes>"
        "<d:XAddrs>http://127.0.0.1:8899/onvif/device_service http://[::1]/onvif/device_service</d:XAddrs>"
        "</d:ProbeMatch></d:ProbeMatches></SOAP-ENV:Body></SOAP-ENV:Envelope>";
    // Real cameras often answer twice; the result must list the device once.
    for (int i = 0; i < 2; ++i) ::sendto(fd, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), fl);
  });
  Json found = discover_onvif(OnvifProbeOptions{"127.0.0.1", port, 700});
  responder.join();
  ::close(fd);
  EXPECT_NE(probe_seen.find("NetworkVideoTransmitter"), std::string::npos);
  EXPECT_NE(probe_seen.find("discovery/Probe"), std::string::npos);
  ASSERT_EQ(found.size(), 1u) << found.dump();
  EXPECT_EQ(found[0]["source"], "http://127.0.0.1:8899/onvif/device_service");
  EXPECT_EQ(found[0]["name"], "Front Door");
  EXPECT_EQ(found[0]["type"], "onvif");
  EXPECT_EQ(found[0]["xaddrs"].size(), 2u);
  EXPECT_EQ(found[0]["capabilities"][0], "NetworkVideoTransmitter");
  // Nobody answers on an unused port: an empty list after the timeout, not an error.
  TempDir empty;
  EXPECT_EQ(discover_cameras(OnvifProbeOptions{"127.0.0.1", port, 200}, empty.path()), Json::array());
}

TEST_F(Ingest, EvalVideosDecodeAndServeOverRtsp) {
  std::string data = eval_data_dir();
  if (data.empty()) GTEST_SKIP() << "no evaluation data (../shared/data or ARGUS_EVAL_DATA)";
  auto src = make("file", data + "/videos/faces_1920x1080.mp4", SourceOptions{.realtime = false});
  ASSERT_TRUE(src->open().ok());
  int n = 0;
  while (src->read().ok()) ++n;
  EXPECT_EQ(n, 105);
  if (!rtsp_peer_available()) GTEST_SKIP() << "GStreamer RTSP server for Python missing (scripts/apt-packages.txt)";
  RtspPeer peer({"hamilton=" + data + "/videos/faces_640x360_hamilton.mp4"});
  ASSERT_NE(peer.port(), 0);
  auto rtsp = make("rtsp", peer.url("hamilton"));
  ASSERT_TRUE(rtsp->open().ok());
  EXPECT_EQ(read_frames(*rtsp, 20, 640, 360), 20);
}
