#pragma once
// Test peers for the ingest/pipeline integration tests: child processes (RTSP server,
// ffmpeg), test clips generated with ffmpeg's testsrc, and a loopback TCP server that runs
// a handler per connection. Everything binds 127.0.0.1 with kernel-chosen ports.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

extern char** environ;

namespace argus_test {

// A child process with its stdout readable line by line; stopped and reaped on destruction
// so a failing test never leaks a server: SIGTERM first (peers clean up their temp files),
// SIGKILL when it has not exited within a second.
class ChildProcess {
 public:
  explicit ChildProcess(const std::vector<std::string>& argv) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    if (posix_spawnp(&pid_, args[0], &fa, nullptr, args.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
    ::close(fds[1]);
    out_ = fds[0];
  }
  ~ChildProcess() {
    terminate();
    if (out_ >= 0) ::close(out_);
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool running() const { return pid_ > 0; }
  // Next stdout line starting with prefix, within timeout; empty when none.
  std::string wait_for_line(const std::string& prefix, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto nl = buf_.find('\n');
      while (nl != std::string::npos) {
        std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        if (line.rfind(prefix, 0) == 0) return line;
        nl = buf_.find('\n');
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || out_ < 0) return {};
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return {};
      char tmp[4096];
      ssize_t n = ::read(out_, tmp, sizeof tmp);
      if (n <= 0) return {};
      buf_.append(tmp, static_cast<size_t>(n));
    }
  }
  // Sends a signal without waiting (SIGSTOP/SIGCONT to freeze a peer).
  void signal(int sig) {
    if (pid_ > 0) ::kill(pid_, sig);
  }
  void kill(int sig = SIGKILL) {
    if (pid_ <= 0) return;
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  void terminate(std::chrono::milliseconds grace = std::chrono::seconds(1)) {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGCONT);  // a frozen peer cannot act on SIGTERM
    ::kill(pid_, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + grace;
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() >= deadline) return kill(SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string buf_;
};

inline bool run_command(const std::string& cmd) { return std::system(cmd.c_str()) == 0; }

// A testsrc clip: codec "h264" or "h265", mp4 container, keyframe every second.
inline std::string make_clip(const std::string& dir, const std::string& codec, int seconds, const std::string& size = "320x240",
                             int fps = 25) {
  std::string path = dir + "/testsrc_" + codec + "_" + size + "_" + std::to_string(seconds) + ".mp4";
  if (std::filesystem::exists(path)) return path;
  std::string enc = codec == "h265" ? "-c:v libx265 -x265-params log-level=error -tag:v hvc1" : "-c:v libx264";
  std::string cmd = "ffmpeg -v error -y -f lavfi -i testsrc=size=" + size + ":rate=" + std::to_string(fps) + " -t " +
                    std::to_string(seconds) + " " + enc + " -preset ultrafast -g " + std::to_string(fps) +
                    " -pix_fmt yuv420p " + path + " < /dev/null";
  return run_command(cmd) ? path : std::string();
}

inline bool send_all(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::send(fd, p, size, MSG_NOSIGNAL);
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}
inline bool send_all(int fd, const std::string& s) { return send_all(fd, s.data(), s.size()); }

inline std::string make_jpeg(int w, int h, int i) {
  cv::Mat img(h, w, CV_8UC3, cv::Scalar((i * 40) % 256, (i * 90) % 256, 128));
  std::vector<uint8_t> buf;
  cv::imencode(".jpg", img, buf);
  return std::string(buf.begin(), buf.end());
}

// `jpeg` as many cameras send it: with an EXIF thumbnail (a whole JPEG, end marker included)
// in an APP1 segment right after SOI.
inline std::string with_exif_thumbnail(const std::string& jpeg, const std::string& thumb) {
  std::string payload = std::string("Exif\0\0", 6) + thumb;
  size_t len = payload.size() + 2;
  std::string app1 = "\xFF\xE1";
  app1 += static_cast<char>(len >> 8);
  app1 += static_cast<char>(len & 0xFF);
  return jpeg.substr(0, 2) + app1 + payload + jpeg.substr(2);
}

// Listens on 127.0.0.1 (port 0 = any free one) and runs handler(fd, stopping) for each
// accepted connection, one at a time, on its own thread. stop()/destructor closes all.
class LoopbackServer {
 public:
  using Handler = std::function<void(int fd, const std::atomic<bool>& stopping)>;
  explicit LoopbackServer(Handler h, int port = 0) : handler_(std::move(h)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int on = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 8) != 0) return;
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { loop(); });
  }
  ~LoopbackServer() { stop(); }
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;
  int port() const { return port_; }
  int connections() const { return connections_.load(); }
  void stop() {
    stopping_ = true;
    if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  void loop() {
    while (!stopping_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      ++connections_;
      handler_(c, stopping_);
      ::close(c);
    }
  }
  Handler handler_;
  int fd_ = -1, port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

// Whether the RTSP peer can run here (Debian: python3-gi gir1.2-gst-rtsp-server-1.0).
inline bool rtsp_peer_available() {
  return run_command("/usr/bin/python3 -c \"import gi; gi.require_version('GstRtspServer', '1.0'); "
                     "from gi.repository import GstRtspServer\" > /dev/null 2>&1");
}

// Starts tests/tools/rtsp_server.py; port() is 0 when it did not come up.
class RtspPeer {
 public:
  explicit RtspPeer(std::vector<std::string> mounts, std::vector<std::string> extra = {}, int port = 0) {
    std::vector<std::string> argv = {"/usr/bin/python3", std::string(ARGUS_SOURCE_DIR) + "/tests/tools/rtsp_server.py",
                                     "--port", std::to_string(port)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.insert(argv.end(), mounts.begin(), mounts.end());
    proc_ = std::make_unique<ChildProcess>(argv);
    auto line = proc_->wait_for_line("READY", std::chrono::seconds(20));
    if (!line.empty()) port_ = std::stoi(line.substr(6));
  }
  int port() const { return port_; }
  void kill() { proc_->kill(); }
  void signal(int sig) { proc_->signal(sig); }
  std::string url(const std::string& mount, const std::string& creds = "") const {
    return "rtsp://" + (creds.empty() ? "" : creds + "@") + "127.0.0.1:" + std::to_string(port_) + "/" + mount;
  }

 private:
  std::unique_ptr<ChildProcess> proc_;
  int port_ = 0;
};

inline void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

// Reads an HTTP request head (up to the blank line); empty on EOF/timeout.
inline std::string read_http_head(int fd, int timeout_ms = 2000) {
  std::string head;
  while (head.find("\r\n\r\n") == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return {};
    char c[1024];
    ssize_t n = ::recv(fd, c, sizeof c, 0);
    if (n <= 0) return {};
    head.append(c, static_cast<size_t>(n));
  }
  return head;
}

}  // namespace argus_test
