#include "ingest/tcp_source.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ingest/push_source.h"  // decode_jpeg

namespace argus {
namespace {

int ms_until(SteadyClock::time_point deadline) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
  return ms < 0 ? 0 : static_cast<int>(std::min<int64_t>(ms, 1 << 30));
}

}  // namespace

TcpJpegSource::TcpJpegSource(std::string url, SourceOptions options) : url_(std::move(url)), opt_(std::move(options)) {
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  length_framing_ = opt_.framing == "length";
}

TcpJpegSource::~TcpJpegSource() {
  std::lock_guard lock(fd_mu_);
  if (fd_ >= 0) ::close(fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void TcpJpegSource::interrupt() {
  interrupted_ = true;
  std::lock_guard lock(fd_mu_);
  if (wake_fd_ >= 0) {
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
  }
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
}

Status TcpJpegSource::wait_fd(short events, SteadyClock::time_point deadline) {
  for (;;) {
    if (interrupted_) return Error::make(source_error::kInterrupted, "interrupted");
    pollfd fds[2] = {{fd_, events, 0}, {wake_fd_, POLLIN, 0}};
    int rc = ::poll(fds, 2, ms_until(deadline));
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) return Error::make(source_error::kIo, std::string("poll: ") + std::strerror(errno));
    if (interrupted_ || (fds[1].revents & POLLIN)) return Error::make(source_error::kInterrupted, "interrupted");
    if (rc == 0) return Error::make(source_error::kTimeout, "socket timed out");
    return {};
  }
}

Status TcpJpegSource::open() {
  if (wake_fd_ < 0) return Error::make(source_error::kOpenFailed, "eventfd failed");
  // tcp://host:port[?framing=jpeg|length]
  std::string rest = url_;
  if (rest.rfind("tcp://", 0) == 0) rest = rest.substr(6);
  if (auto q = rest.find('?'); q != std::string::npos) {
    std::string query = rest.substr(q + 1);
    rest = rest.substr(0, q);
    if (query.find("framing=length") != std::string::npos) length_framing_ = true;
    if (query.find("framing=jpeg") != std::string::npos) length_framing_ = false;
  }
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0) return Error::make(source_error::kInvalid, "socket url needs tcp://host:port");
  host_ = rest.substr(0, colon);
  port_ = rest.substr(colon + 1);
  if (host_.size() > 2 && host_.front() == '[') host_ = host_.substr(1, host_.size() - 2);

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  // getaddrinfo blocks without a way to interrupt; fine for the IP literals cameras use.
  if (int rc = getaddrinfo(host_.c_str(), port_.c_str(), &hints, &res); rc != 0)
    return Error::make(source_error::kOpenFailed, "resolve " + host_ + ": " + gai_strerror(rc));
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> guard(res, freeaddrinfo);
  auto deadline = SteadyClock::now() + std::chrono::milliseconds(opt_.open_timeout_ms);
  std::string last_error = "no address";
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    {
      std::lock_guard lock(fd_mu_);
      fd_ = fd;
    }
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc < 0 && errno == EINPROGRESS) {
      auto st = wait_fd(POLLOUT, deadline);
      if (!st.ok()) {
        if (st.error().code == source_error::kInterrupted) return st;
        last_error = st.error().message;
      } else {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        rc = err == 0 ? 0 : -1;
        if (err) last_error = std::strerror(err);
      }
    } else if (rc < 0) {
      last_error = std::strerror(errno);
    }
    if (rc == 0) {
      int on = 1, idle = 10, intvl = 5, cnt = 3;
      setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
      setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
      setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
      setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
      return {};
    }
    std::lock_guard lock(fd_mu_);
    ::close(fd_);
    fd_ = -1;
  }
  return Error::make(source_error::kOpenFailed, "connect " + host_ + ":" + port_ + ": " + last_error);
}

Status TcpJpegSource::fill(SteadyClock::time_point deadline) {
  auto st = wait_fd(POLLIN, deadline);
  if (!st.ok()) return st;
  char tmp[64 * 1024];
  ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
  if (n == 0) return Error::make(source_error::kEof, "peer closed the connection");
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return {};
    if (interrupted_) return Error::make(source_error::kInterrupted, "interrupted");
    return Error::make(source_error::kIo, std::string("recv: ") + std::strerror(errno));
  }
  bytes_ += static_cast<uint64_t>(n);
  buf_.append(tmp, static_cast<size_t>(n));
  return {};
}

Result<std::optional<std::string>> TcpJpegSource::next_length_prefixed() {
  if (buf_.size() < 4) return std::optional<std::string>{};
  auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(buf_[i])); };
  uint32_t len = (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
  if (len == 0 || len > opt_.max_frame_bytes)
    return Error::make(source_error::kIo, "length prefix " + std::to_string(len) + " out of range");
  if (buf_.size() < 4 + static_cast<size_t>(len)) return std::optional<std::string>{};
  std::string jpeg = buf_.substr(4, len);
  buf_.erase(0, 4 + static_cast<size_t>(len));
  return std::optional<std::string>(std::move(jpeg));
}

Result<Frame> TcpJpegSource::read() {
  if (fd_ < 0) return Error::make(source_error::kIo, "source is not open");
  auto deadline = SteadyClock::now() + std::chrono::milliseconds(opt_.stall_timeout_ms);
  for (;;) {
    std::optional<std::string> jpeg;
    if (length_framing_) {
      auto r = next_length_prefixed();
      if (!r.ok()) return r.error();
      jpeg = std::move(r.value());
    } else {
      cutter_.append(buf_);
      buf_.clear();
      jpeg = cutter_.next();
      if (!jpeg && cutter_.buffered() > opt_.max_frame_bytes)
        return Error::make(source_error::kIo, "no JPEG end marker within max_frame_bytes");
    }
    if (jpeg) {
      auto received = SteadyClock::now();
      Frame f;
      f.bgr = decode_jpeg(reinterpret_cast<const uint8_t*>(jpeg->data()), jpeg->size());
      if (f.bgr.empty()) {
        if (++bad_ > 50) return Error::make(source_error::kDecode, "stream carries no decodable JPEG");
        continue;
      }
      bad_ = 0;
      f.seq = ++seq_;
      f.received = received;
      f.received_unix_ms = now_unix_ms();
      f.encoded_bytes = jpeg->size();
      return f;
    }
    auto st = fill(deadline);
    if (!st.ok()) {
      if (st.error().code == source_error::kTimeout)
        return Error::make(source_error::kTimeout, "no frame for " + std::to_string(opt_.stall_timeout_ms) + " ms");
      return st.error();
    }
  }
}

}  // namespace argus
