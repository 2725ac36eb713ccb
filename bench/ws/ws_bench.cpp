// ws_bench: issue 4 §10 latency, fan-out and memory, against a real `argus serve` (the
// build's argus binary, temporary data directory, default config: face models from models/,
// detection at the cameras' fps_limit) fed by N RTSP cameras from tests/tools/rtsp_server.py
// (the clip looped, real time), with real WebSocket clients (Boost.Beast, one io_context
// thread, many connections) on /api/v1/ws.
//
//   ws_bench latency [--cameras 2] [--seconds 60]
//       one subscriber of every camera: frame received -> detection_event delivered, p50/p95/p99
//   ws_bench fanout [--clients 500] [--slow 0] [--cameras 1] [--seconds 60]
//       that many subscribers of camera 1: delivered messages/s, p50/p99 delivery latency, the
//       dropped count (server /metrics argus_ws_messages_dropped_total, and what each client
//       missed); --slow K more clients ask for video and never read (the slow-client policy)
//   ws_bench soak [--cameras 8] [--minutes 30] [--baseline-minutes 5] [--interval 10]
//       the server's RSS every interval seconds; growth after the baseline, one subscriber of
//       every camera reading all the time
// Common: [--clip PATH] [--fps-limit 5] [--argus BIN] (default: the build's argus; or $ARGUS_BIN),
// [--set KEY=VALUE] (repeatable) passed to `argus serve`.
//
// "Frame received" is data.frame_ts of the detection_event: the wall-clock ms at which the
// decoder handed the frame to the pipeline (ingest/ffmpeg_source.cpp); the client stamps
// arrival with the same clock (same machine). frame_ts is whole milliseconds (truncated), so
// latencies read up to 1 ms high.
#include <algorithm>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#define ARGUS_SERVER_NO_GTEST  // not a GoogleTest binary: an unclean server exit is printed
#include "integration/argus_server.h"
#include "../pipeline/proc_stats.h"
#include "tools/peers.h"

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
namespace fs = std::filesystem;
using argus_test::Json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

using argus_bench::loadavg;
using argus_bench::rss_mb;
using argus_bench::self_cpu;
double unix_ms_now() {
  return std::chrono::duration<double, std::milli>(std::chrono::system_clock::now().time_since_epoch()).count();
}
double proc_cpu(pid_t pid) { return argus_bench::cpu_seconds(pid); }
pid_t child_named(const std::string& comm) {
  auto pids = argus_bench::children(comm);
  return pids.empty() ? -1 : pids.front();
}
double percentile(std::vector<double> v, double q) {
  if (v.empty()) return NAN;
  size_t k = static_cast<size_t>(std::min<double>(v.size() - 1, std::floor(q * (v.size() - 1) + 0.5)));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}
// Number after "key": in a flat JSON text (first occurrence); NAN when absent.
double field(const std::string& s, const char* key) {
  auto p = s.find(key);
  if (p == std::string::npos) return NAN;
  return std::strtod(s.c_str() + p + std::strlen(key), nullptr);
}
// How often `key` occurs in s.
size_t count(const std::string& s, const char* key) {
  size_t n = 0;
  for (auto p = s.find(key); p != std::string::npos; p = s.find(key, p + 1)) ++n;
  return n;
}
// The value of a Prometheus sample line `name ` (no labels); 0 when absent.
double metric(const std::string& text, const std::string& name) {
  auto p = text.find("\n" + name + " ");
  return p == std::string::npos ? 0 : std::strtod(text.c_str() + p + name.size() + 2, nullptr);
}

// One detection_event as a client saw it.
struct Delivery {
  int client;
  int64_t camera, seq;
  double frame_ts, processed_at, received;  // epoch ms
  double queue_ms, analyze_ms;              // data.timings: receive -> analysis start, analysis (wall)
  double detect_ms, landmarks_ms, embed_ms; // data.timings: the analyser's largest stages (wall)
  double faces;                             // faces in the frame
  bool provisional;                         // a preview: boxes right after detection (the complete one follows)
};

// Many WebSocket clients on one io_context (run by one thread). A normal client subscribes
// to its cameras and reads all the time; a slow one subscribes with video and never reads.
class Clients {
 public:
  Clients(int port, std::string token) : port_(port), token_(std::move(token)) {}
  ~Clients() { stop(); }

  void add(const std::vector<int64_t>& cameras, bool slow, bool keep_deliveries) {
    auto c = std::make_shared<Client>(ioc_);
    c->id = static_cast<int>(clients_.size());
    c->cameras = cameras;
    c->slow = slow;
    c->keep = keep_deliveries;
    clients_.push_back(c);
    connect(c);
  }
  void run() { thread_ = std::thread([this] { ioc_.run(); }); }
  void stop() {
    if (!thread_.joinable()) return;
    net::post(ioc_, [this] {
      for (auto& c : clients_) {
        beast::error_code ec;
        beast::get_lowest_layer(c->ws).socket().close(ec);
      }
      ioc_.stop();
    });
    thread_.join();
  }
  // Thread-safe snapshots.
  std::vector<Delivery> take_deliveries() {
    std::lock_guard lock(mu_);
    return std::move(deliveries_);
  }
  uint64_t events() const { return events_.load(); }
  int subscribed() const { return subscribed_.load(); }
  int closed() const { return closed_.load(); }

 private:
  struct Client {
    explicit Client(net::io_context& ioc) : ws(ioc) {}
    websocket::stream<beast::tcp_stream> ws;
    beast::flat_buffer buf;
    std::vector<std::string> out;  // subscribe messages still to write
    std::vector<int64_t> cameras;
    int id = 0;
    bool slow = false, keep = false;
  };

  void connect(const std::shared_ptr<Client>& c) {
    auto& sock = beast::get_lowest_layer(c->ws).socket();
    sock.open(tcp::v4());
    if (c->slow) sock.set_option(net::socket_base::receive_buffer_size(4096));
    tcp::endpoint ep(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_));
    beast::get_lowest_layer(c->ws).async_connect(ep, [this, c](beast::error_code ec) {
      if (ec) return fail(c, "connect", ec);
      c->ws.async_handshake("127.0.0.1:" + std::to_string(port_), "/api/v1/ws?token=" + token_, [this, c](beast::error_code ec2) {
        if (ec2) return fail(c, "handshake", ec2);
        for (auto cam : c->cameras) {
          Json sub{{"type", "subscribe"}, {"camera_id", cam}};
          if (c->slow) sub["video"] = {{"fps", 15}, {"width", 640}};
          c->out.push_back(sub.dump());
        }
        std::reverse(c->out.begin(), c->out.end());
        write_next(c);
        if (!c->slow) read(c);
      });
    });
  }
  void write_next(const std::shared_ptr<Client>& c) {
    if (c->out.empty()) {
      ++subscribed_;
      return;
    }
    auto msg = std::make_shared<std::string>(std::move(c->out.back()));
    c->out.pop_back();
    c->ws.async_write(net::buffer(*msg), [this, c, msg](beast::error_code ec, size_t) {
      if (ec) return fail(c, "write", ec);
      write_next(c);
    });
  }
  void read(const std::shared_ptr<Client>& c) {
    c->ws.async_read(c->buf, [this, c](beast::error_code ec, size_t) {
      if (ec) return fail(c, "read", ec);
      double now = unix_ms_now();
      std::string s = beast::buffers_to_string(c->buf.data());
      c->buf.consume(c->buf.size());
      if (s.find("\"type\":\"detection_event\"") != std::string::npos) {
        ++events_;
        if (c->keep) {
          Delivery d{c->id, static_cast<int64_t>(field(s, "\"camera_id\":")), static_cast<int64_t>(field(s, "\"frame_seq\":")),
                     field(s, "\"frame_ts\":"), field(s, "\"processed_at\":"), now, field(s, "\"queue_ms\":"),
                     field(s, "\"analyze_ms\":"), field(s, "\"detect_ms\":"), field(s, "\"landmarks_ms\":"),
                     field(s, "\"embed_ms\":"), static_cast<double>(count(s, "\"track_id\":")),
                     s.find("\"provisional\":true") != std::string::npos};
          std::lock_guard lock(mu_);
          deliveries_.push_back(d);
        }
      }
      read(c);
    });
  }
  void fail(const std::shared_ptr<Client>& c, const char* what, beast::error_code ec) {
    if (ec == net::error::operation_aborted || ioc_.stopped()) return;
    if (closed_++ < 5) std::fprintf(stderr, "client %d: %s: %s\n", c->id, what, ec.message().c_str());
  }

  net::io_context ioc_;
  int port_;
  std::string token_;
  std::vector<std::shared_ptr<Client>> clients_;
  std::mutex mu_;
  std::vector<Delivery> deliveries_;
  std::atomic<uint64_t> events_{0};
  std::atomic<int> subscribed_{0}, closed_{0};
  std::thread thread_;
};

struct Options {
  std::string mode, clip = std::string(ARGUS_SOURCE_DIR) + "/../shared/data/videos/faces_1920x1080.mp4";
  int cameras = -1, seconds = 60, clients = 500, slow = 0;
  double minutes = 30, baseline_minutes = 5, interval = 10, fps_limit = 5;
  std::vector<std::string> sets;  // --set KEY=VALUE for the server (repeatable)
};

// The RTSP peer, the server and N cameras on it, all live.
class Rig {
 public:
  explicit Rig(const Options& o, double run_seconds) {
    std::printf("machine: %ld cores; load before: %s\n", sysconf(_SC_NPROCESSORS_ONLN), loadavg().c_str());
    // One looped copy (stream copy) shared by every mount, long enough for the run.
    int loops = static_cast<int>(std::ceil((run_seconds + 120) / 4.2));
    std::string looped = tmp_.path() + "/looped.mp4";
    if (!argus_test::run_command("ffmpeg -v error -y -stream_loop " + std::to_string(loops - 1) + " -i " + o.clip +
                                 " -map 0:v:0 -c copy " + looped + " < /dev/null"))
      throw std::runtime_error("cannot remux " + o.clip);
    std::vector<std::string> mounts;
    for (int i = 0; i < o.cameras; ++i) mounts.push_back("cam" + std::to_string(i) + "=" + looped);
    rtsp_ = std::make_unique<argus_test::RtspPeer>(mounts);
    if (!rtsp_->port()) throw std::runtime_error("RTSP server did not start");
    rtsp_pid_ = child_named("python3");
    // Tokens must outlive the run (the hub closes clients whose token expired).
    int ttl = static_cast<int>(run_seconds) + 3600;
    std::vector<std::string> args{"--set", "auth.access_ttl_s=" + std::to_string(ttl)};
    for (const auto& s : o.sets) args.insert(args.end(), {"--set", s});
    server_ = std::make_unique<argus_test::ArgusServer>(args);
    pid_ = child_named("argus");
    token_ = server_->admin_token();
    for (int i = 0; i < o.cameras; ++i) {
      auto r = server_->client().post_json("/api/v1/cameras", {{"name", "bench " + std::to_string(i)},
                                                                {"source", rtsp_->url("cam" + std::to_string(i))},
                                                                {"camera_type", "rtsp"},
                                                                {"is_active", true},
                                                                {"detection", {{"fps_limit", o.fps_limit}}}},
                                            token_);
      if (r.status != 201) throw std::runtime_error("camera not created: " + r.body);
      ids_.push_back(r.json()["data"]["camera"]["id"].get<int64_t>());
    }
    auto deadline = Clock::now() + 60s;
    while (Clock::now() < deadline && live() < ids_.size()) std::this_thread::sleep_for(200ms);
    std::printf("argus serve pid %d on port %d, %zu/%zu cameras live, RTSP server pid %d\n", pid_, server_->port(), live(),
                ids_.size(), rtsp_pid_);
  }
  size_t live() const {
    size_t n = 0;
    for (auto id : ids_)
      if (stats(id).value("state", "") == "live") ++n;
    return n;
  }
  Json stats(int64_t id) const {
    auto r = server_->client().get("/api/v1/cameras/" + std::to_string(id), token_);
    Json j = r.json();
    return j.is_object() && j["data"]["camera"].contains("stats") ? j["data"]["camera"]["stats"] : Json::object();
  }
  std::string metrics() const { return server_->client().get("/metrics", token_).body; }
  pid_t pid() const { return pid_; }
  pid_t rtsp_pid() const { return rtsp_pid_; }
  int port() const { return server_->port(); }
  const std::string& token() const { return token_; }
  const std::vector<int64_t>& ids() const { return ids_; }

 private:
  argus_test::TempDir tmp_;
  std::unique_ptr<argus_test::RtspPeer> rtsp_;
  std::unique_ptr<argus_test::ArgusServer> server_;
  pid_t pid_ = -1, rtsp_pid_ = -1;
  std::string token_;
  std::vector<int64_t> ids_;
};

// Server-side per-camera counters summed over the cameras.
struct CamTotals {
  double captured = 0, processed = 0, missed = 0, dropped = 0;
};
CamTotals totals(const Rig& rig) {
  CamTotals t;
  for (auto id : rig.ids()) {
    Json s = rig.stats(id);
    t.captured += s.value("frames_captured", 0.0);
    t.processed += s.value("frames_processed", 0.0);
    t.missed += s.value("detections_missed", 0.0);
    t.dropped += s.value("frames_dropped", 0.0);
  }
  return t;
}

// CPU of the server, the RTSP server and this client process over a window.
struct CpuWindow {
  const Rig& rig;
  double t0, server0, rtsp0, self0;
  CamTotals cams0;
  explicit CpuWindow(const Rig& r)
      : rig(r), t0(unix_ms_now()), server0(proc_cpu(r.pid())), rtsp0(proc_cpu(r.rtsp_pid())), self0(self_cpu()),
        cams0(totals(r)) {}
  double print(size_t cameras) const {
    double wall = (unix_ms_now() - t0) / 1000.0;
    CamTotals c = totals(rig);
    std::printf("window %.1f s; cores used: argus serve %.2f, RTSP server %.2f, this client %.2f\n", wall,
                (proc_cpu(rig.pid()) - server0) / wall, (proc_cpu(rig.rtsp_pid()) - rtsp0) / wall, (self_cpu() - self0) / wall);
    double scheduled = 0;
    for (auto id : rig.ids()) scheduled += rig.stats(id).value("fps_limit", 0.0) * wall;
    std::printf("server, per camera: decoded %.1f fps, analysed %.2f fps; detections missed %.0f of %.0f scheduled (%.2f%%), "
                "ring drops %.0f\n",
                (c.captured - cams0.captured) / wall / static_cast<double>(cameras),
                (c.processed - cams0.processed) / wall / static_cast<double>(cameras), c.missed - cams0.missed, scheduled,
                scheduled > 0 ? 100.0 * (c.missed - cams0.missed) / scheduled : 0.0, c.dropped - cams0.dropped);
    return wall;
  }
};

void print_latency(const char* what, const std::vector<double>& v) {
  std::printf("%-44s n=%zu p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms\n", what, v.size(), percentile(v, 0.5),
              percentile(v, 0.95), percentile(v, 0.99), v.empty() ? NAN : *std::max_element(v.begin(), v.end()));
}

int run_latency(Options o) {
  if (o.cameras < 0) o.cameras = 2;
  Rig rig(o, o.seconds + 30);
  Clients clients(rig.port(), rig.token());
  clients.add(rig.ids(), false, true);
  clients.run();
  std::this_thread::sleep_for(5s);  // first analyses, the tracker's first tracks
  (void)clients.take_deliveries();
  std::printf("measuring %d s, %d camera(s), load %s\n", o.seconds, o.cameras, loadavg().c_str());
  CpuWindow w(rig);
  std::this_thread::sleep_for(std::chrono::seconds(o.seconds));
  auto d = clients.take_deliveries();
  w.print(rig.ids().size());
  clients.stop();
  // A frame with faces is delivered twice (pipeline.preview_boxes, the default): the preview
  // (boxes, "provisional": true) as soon as detection is done, then the complete result.
  // "First" is what a live view waits for to draw boxes; "complete" adds landmarks and names.
  std::map<std::pair<int64_t, int64_t>, double> first;  // (camera, seq) -> earliest arrival - frame_ts
  size_t previews = 0;
  for (const auto& x : d) {
    double ms = x.received - x.frame_ts;
    auto [it, fresh] = first.try_emplace({x.camera, x.seq}, ms);
    if (!fresh) it->second = std::min(it->second, ms);
    previews += x.provisional;
  }
  std::vector<double> first_ms;
  for (const auto& [k, v] : first) first_ms.push_back(v);
  std::vector<double> total, pipeline, queue, analyze, delivery, detect, landmarks, embed, faces;
  for (const auto& x : d) {
    if (x.provisional) continue;
    detect.push_back(x.detect_ms);
    landmarks.push_back(x.landmarks_ms);
    embed.push_back(x.embed_ms);
    faces.push_back(x.faces);
    total.push_back(x.received - x.frame_ts);
    pipeline.push_back(x.processed_at - x.frame_ts);
    queue.push_back(x.queue_ms);
    analyze.push_back(x.analyze_ms);
    delivery.push_back(x.received - x.processed_at);
  }
  std::printf("detection_events received: %zu (%.2f/s per camera), %zu of them previews, %zu frames\n", d.size(),
              static_cast<double>(d.size()) / o.seconds / o.cameras, previews, first.size());
  print_latency("frame received -> first event (boxes):", first_ms);
  print_latency("frame received -> complete event (end to end):", total);
  print_latency("  frame received -> result (queue+analyse+track):", pipeline);
  print_latency("    of which waiting for the pool (queue_ms):", queue);
  print_latency("    of which analysis, wall (analyze_ms):", analyze);
  print_latency("      detect:", detect);
  print_latency("      landmarks:", landmarks);
  print_latency("      embed:", embed);
  print_latency("      faces per frame (count, not ms):", faces);
  print_latency("  result -> delivered (sink, hub, socket):", delivery);
  std::printf("load after: %s\n", loadavg().c_str());
  return 0;
}

int run_fanout(Options o) {
  if (o.cameras < 0) o.cameras = 1;
  Rig rig(o, o.seconds + 60);
  std::string m0 = rig.metrics();
  Clients clients(rig.port(), rig.token());
  std::vector<int64_t> first{rig.ids().front()};
  for (int i = 0; i < o.clients; ++i) clients.add(first, false, true);
  for (int i = 0; i < o.slow; ++i) clients.add(first, true, false);
  clients.run();
  auto deadline = Clock::now() + 60s;
  while (clients.subscribed() < o.clients + o.slow && Clock::now() < deadline) std::this_thread::sleep_for(100ms);
  std::printf("%d clients subscribed (%d slow), %d connection errors\n", clients.subscribed(), o.slow, clients.closed());
  std::this_thread::sleep_for(3s);
  (void)clients.take_deliveries();
  std::string m1 = rig.metrics();
  std::printf("measuring %d s, load %s\n", o.seconds, loadavg().c_str());
  CpuWindow w(rig);
  double t0 = unix_ms_now();
  std::this_thread::sleep_for(std::chrono::seconds(o.seconds));
  double t1 = unix_ms_now();
  std::string m2 = rig.metrics();
  auto d = clients.take_deliveries();
  double wall = w.print(rig.ids().size());
  clients.stop();
  std::vector<double> total, delivery;
  std::map<std::pair<int64_t, int64_t>, int> per_frame;  // (camera, seq) -> clients that got it
  for (const auto& x : d) {
    total.push_back(x.received - x.frame_ts);
    delivery.push_back(x.received - x.processed_at);
    // Only frames well inside the window: at its edges some clients got a frame, some not yet.
    if (!x.provisional && x.frame_ts > t0 + 2000 && x.frame_ts < t1 - 5000) ++per_frame[{x.camera, x.seq}];
  }
  uint64_t missing = 0;
  for (auto& [k, n] : per_frame) missing += static_cast<uint64_t>(o.clients - std::min(n, o.clients));
  std::printf("delivered detection_events: %zu = %.0f messages/s in total, %.2f/s per client\n", d.size(), d.size() / wall,
              d.size() / wall / o.clients);
  print_latency("frame received -> delivered:", total);
  print_latency("result -> delivered (fan-out):", delivery);
  std::printf("dropped (server argus_ws_messages_dropped_total): %.0f while subscribing, %.0f in the window; "
              "complete events missed by the %d reading clients: %llu of %zu frames x %d\n",
              metric(m1, "argus_ws_messages_dropped_total") - metric(m0, "argus_ws_messages_dropped_total"),
              metric(m2, "argus_ws_messages_dropped_total") - metric(m1, "argus_ws_messages_dropped_total"), o.clients,
              static_cast<unsigned long long>(missing), per_frame.size(), o.clients);
  std::printf("load after: %s\n", loadavg().c_str());
  return 0;
}

int run_soak(Options o) {
  if (o.cameras < 0) o.cameras = 8;
  double total_s = o.minutes * 60;
  Rig rig(o, total_s);
  Clients clients(rig.port(), rig.token());
  clients.add(rig.ids(), false, false);
  clients.run();
  std::printf("soak %.1f min, %d cameras, RSS every %.0f s, baseline at %.1f min\n  t_s  rss_mb  events  load\n", o.minutes,
              o.cameras, o.interval, o.baseline_minutes);
  CpuWindow w(rig);
  auto start = Clock::now();
  std::vector<std::pair<double, double>> rss;  // (t s, MB)
  for (int k = 0;; ++k) {
    double t = std::chrono::duration<double>(Clock::now() - start).count();
    rss.emplace_back(t, rss_mb(rig.pid()));
    std::printf("%6.0f  %6.1f  %6llu  %s\n", t, rss.back().second, static_cast<unsigned long long>(clients.events()),
                loadavg().c_str());
    std::fflush(stdout);
    if (t >= total_s) break;
    std::this_thread::sleep_until(start + std::chrono::milliseconds(static_cast<int64_t>((k + 1) * o.interval * 1000)));
  }
  w.print(rig.ids().size());
  clients.stop();
  size_t live = rig.live();
  double reconnections = 0;
  for (auto id : rig.ids()) reconnections += rig.stats(id).value("reconnections", 0.0);
  // RSS moves by tens of MB with the frame rings (a 1080p BGR frame is 6 MB), so compare
  // one-minute means: the minute before the baseline time against the last minute, plus the
  // peak after the baseline and a least-squares slope over everything after it.
  const double base_t = o.baseline_minutes * 60;
  auto mean_between = [&](double from, double to) {
    double sum = 0;
    int n = 0;
    for (auto& [t, mb] : rss)
      if (t >= from && t <= to) sum += mb, ++n;
    return n ? sum / n : NAN;
  };
  double base = mean_between(base_t - 60, base_t), end = mean_between(rss.back().first - 60, rss.back().first);
  double peak = 0, st = 0, sm = 0, stt = 0, stm = 0;
  int n = 0;
  for (auto& [t, mb] : rss) {
    if (t < base_t) continue;
    peak = std::max(peak, mb);
    st += t, sm += mb, stt += t * t, stm += t * mb, ++n;
  }
  double slope = n > 1 ? (n * stm - st * sm) / (n * stt - st * st) * 3600 : NAN;  // MB per hour
  std::printf("RSS: start %.1f MB; mean of the minute before %.1f min %.1f MB (baseline); mean of the last minute %.1f MB "
              "(%+.2f%%); peak after the baseline %.1f MB (%+.2f%%); trend after the baseline %+.1f MB/hour\n"
              "%zu/%zu cameras live at the end, %.0f reconnections\n",
              rss.front().second, o.baseline_minutes, base, end, 100 * (end / base - 1), peak, 100 * (peak / base - 1), slope,
              live, rig.ids().size(), reconnections);
  std::printf("load after: %s\n", loadavg().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (argc < 2) {
    std::cerr << "usage: ws_bench latency|fanout|soak [--cameras N] [--seconds S] [--clients C] [--slow K] [--minutes M]\n"
                 "       [--baseline-minutes B] [--interval S] [--fps-limit F] [--clip PATH] [--argus BIN] [--set KEY=VALUE]\n";
    return 2;
  }
  o.mode = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--cameras") o.cameras = std::stoi(v);
    else if (a == "--seconds") o.seconds = std::stoi(v);
    else if (a == "--clients") o.clients = std::stoi(v);
    else if (a == "--slow") o.slow = std::stoi(v);
    else if (a == "--minutes") o.minutes = std::stod(v);
    else if (a == "--baseline-minutes") o.baseline_minutes = std::stod(v);
    else if (a == "--interval") o.interval = std::stod(v);
    else if (a == "--fps-limit") o.fps_limit = std::stod(v);
    else if (a == "--clip") o.clip = v;
    else if (a == "--argus") setenv("ARGUS_BIN", v.c_str(), 1);
    else if (a == "--set") o.sets.push_back(v);
    else {
      std::cerr << "unknown option " << a << "\n";
      return 2;
    }
  }
  signal(SIGPIPE, SIG_IGN);
  try {
    if (o.mode == "latency") return run_latency(o);
    if (o.mode == "fanout") return run_fanout(o);
    if (o.mode == "soak") return run_soak(o);
  } catch (const std::exception& e) {
    std::cerr << "ws_bench: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "unknown mode " << o.mode << "\n";
  return 2;
}
