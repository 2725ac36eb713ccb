#include "ingest/discovery.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>
#include <set>
#include <sstream>

#include "core/validate.h"

namespace argus {
namespace {

// Closes a file descriptor on scope exit.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

// Text of every element whose local name (namespace prefix ignored) is `local`.
std::vector<std::string> elements(const std::string& xml, const std::string& local) {
  std::vector<std::string> out;
  size_t pos = 0;
  while ((pos = xml.find('<', pos)) != std::string::npos) {
    size_t end = xml.find('>', pos);
    if (end == std::string::npos) break;
    std::string tag = xml.substr(pos + 1, end - pos - 1);
    pos = end + 1;
    if (tag.empty() || tag[0] == '/' || tag[0] == '?' || tag.back() == '/') continue;
    std::string name = tag.substr(0, tag.find_first_of(" \t\r\n"));
    auto colon = name.find(':');
    if ((colon == std::string::npos ? name : name.substr(colon + 1)) != local) continue;
    size_t close = xml.find("</" + name + ">", pos);  // same prefix as the opening tag
    if (close == std::string::npos) break;
    out.push_back(xml.substr(pos, close - pos));
    pos = close + name.size() + 3;
  }
  return out;
}

std::vector<std::string> split_ws(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// %XX escapes decoded; a '%' not followed by two hex digits is kept as it is (std::stoi used
// to throw on "%zz", and one such scope from any device on the segment emptied the whole
// discovery result).
std::string url_decode(const std::string& s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    int hi = s[i] == '%' && i + 2 < s.size() ? hex(s[i + 1]) : -1;
    int lo = hi >= 0 ? hex(s[i + 2]) : -1;
    if (lo >= 0) {
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string uuid4() {
  std::random_device rd;
  std::uniform_int_distribution<int> d(0, 15);
  const char* hex = "0123456789abcdef";
  std::string u = "xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx";
  for (auto& c : u)
    if (c == 'x') c = hex[d(rd)];
  return u;
}

}  // namespace

Json discover_v4l2(const std::string& dev_dir) {
  Json out = Json::array();
  std::error_code ec;
  std::vector<std::string> paths;
  for (const auto& e : std::filesystem::directory_iterator(dev_dir, ec)) {
    auto name = e.path().filename().string();
    if (name.rfind("video", 0) == 0) paths.push_back(e.path().string());
  }
  std::sort(paths.begin(), paths.end());
  for (const auto& p : paths) {
    Fd fd(::open(p.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
    if (fd.fd < 0) continue;
    v4l2_capability cap{};
    if (::ioctl(fd.fd, VIDIOC_QUERYCAP, &cap) != 0) continue;
    uint32_t caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
    // UVC cameras expose a second node for metadata; only capture nodes are cameras.
    if (!(caps & V4L2_CAP_VIDEO_CAPTURE)) continue;
    Json c = Json::array();
    c.push_back("video_capture");
    if (caps & V4L2_CAP_STREAMING) c.push_back("streaming");
    if (caps & V4L2_CAP_READWRITE) c.push_back("readwrite");
    out.push_back({{"source", p},
                   {"name", std::string(reinterpret_cast<const char*>(cap.card))},
                   {"type", "usb"},
                   {"driver", std::string(reinterpret_cast<const char*>(cap.driver))},
                   {"capabilities", c}});
  }
  return out;
}

Json parse_probe_matches(const std::string& xml) {
  Json out = Json::array();
  for (const auto& match : elements(xml, "ProbeMatch")) {
    auto xaddrs = elements(match, "XAddrs");
    if (xaddrs.empty()) continue;
    // Any device on the segment may answer: what is not clean text (valid UTF-8, no control
    // characters) is left out, and a device without a usable address is skipped.
    std::vector<std::string> addrs;
    for (auto& a : split_ws(xaddrs[0]))
      if (is_clean_text(a)) addrs.push_back(std::move(a));
    if (addrs.empty()) continue;
    std::string name, hardware;
    Json caps = Json::array();
    for (const auto& types : elements(match, "Types"))
      for (const auto& t : split_ws(types)) {
        std::string cap = t.substr(t.find(':') == std::string::npos ? 0 : t.find(':') + 1);
        if (is_clean_text(cap)) caps.push_back(cap);
      }
    for (const auto& scopes : elements(match, "Scopes"))
      for (const auto& s : split_ws(scopes)) {
        const std::string kName = "onvif://www.onvif.org/name/", kHw = "onvif://www.onvif.org/hardware/";
        for (auto [prefix, field] : {std::pair{&kName, &name}, std::pair{&kHw, &hardware}}) {
          if (s.rfind(*prefix, 0) != 0) continue;
          std::string value = url_decode(s.substr(prefix->size()));
          if (is_clean_text(value)) *field = std::move(value);
        }
      }
    if (name.empty()) name = hardware.empty() ? addrs[0] : hardware;
    out.push_back({{"source", addrs[0]}, {"name", name}, {"type", "onvif"}, {"xaddrs", addrs},
                   {"hardware", hardware}, {"capabilities", caps}});
  }
  return out;
}

Json discover_onvif(const OnvifProbeOptions& o) {
  Json out = Json::array();
  Fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd.fd < 0) return out;
  unsigned char ttl = 2;  // cameras are on the local segment
  setsockopt(fd.fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(o.target_port));
  if (inet_pton(AF_INET, o.target_host.c_str(), &to.sin_addr) != 1) return out;
  std::string probe =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
      "<e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\" "
      "xmlns:w=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" "
      "xmlns:d=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\" "
      "xmlns:dn=\"http://www.onvif.org/ver10/network/wsdl\">"
      "<e:Header><w:MessageID>uuid:" + uuid4() + "</w:MessageID>"
      "<w:To e:mustUnderstand=\"true\">urn:schemas-xmlsoap-org:ws:2005:04:discovery</w:To>"
      "<w:Action e:mustUnderstand=\"true\">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</w:Action>"
      "</e:Header><e:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></e:Body></e:Envelope>";
  if (::sendto(fd.fd, probe.data(), probe.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0) return out;
  std::set<std::string> seen;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(o.timeout_ms);
  std::string buf(65536, '\0');
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) break;
    pollfd p{fd.fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) break;
    ssize_t n = ::recv(fd.fd, buf.data(), buf.size(), 0);
    if (n <= 0) continue;
    for (auto& dev : parse_probe_matches(buf.substr(0, static_cast<size_t>(n)))) {
      // Cameras answer once per interface/probe; report each device once.
      if (seen.insert(dev["source"].get<std::string>()).second) out.push_back(std::move(dev));
    }
  }
  return out;
}

Json discover_cameras(const OnvifProbeOptions& onvif, const std::string& dev_dir) {
  Json all = discover_v4l2(dev_dir);
  for (auto& d : discover_onvif(onvif)) all.push_back(std::move(d));
  return all;
}

}  // namespace argus
