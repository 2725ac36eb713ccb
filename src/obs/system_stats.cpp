#include "obs/system_stats.h"

#include <dirent.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <fstream>
#include <mutex>
#include <sstream>

#include "core/time.h"
#include "obs/metrics.h"

namespace argus::obs {

namespace {
std::mutex g_sample_mu;  // guards the /proc/stat delta between concurrent samplers

uint64_t meminfo_kb(const std::string& key) {
  std::ifstream in("/proc/meminfo");
  std::string k;
  uint64_t v = 0;
  std::string unit;
  while (in >> k >> v >> unit)
    if (k == key + ":") return v;
  return 0;
}

void proc_self(uint64_t& rss, int& threads) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) rss = std::stoull(line.substr(6)) * 1024;
    if (line.rfind("Threads:", 0) == 0) threads = std::stoi(line.substr(8));
  }
}

int count_fds() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (readdir(d)) ++n;
    closedir(d);
  }
  return n > 2 ? n - 3 : 0;  // ".", ".." and the directory's own fd
}

double process_cpu_seconds() {
  std::ifstream in("/proc/self/stat");
  std::string content((std::istreambuf_iterator<char>(in)), {});
  auto close = content.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(content.substr(close + 2));
  std::string field;
  uint64_t utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::optional<double> gpu_utilisation() {
  // NVIDIA exposes no utilisation in /proc; report a GPU only when its driver is loaded
  // and nvidia-smi-free figures are available (left for the GPU backend to fill in).
  return std::nullopt;
}
}  // namespace

SystemSampler::SystemSampler(std::string data_dir) : data_dir_(std::move(data_dir)), start_ms_(now_unix_ms()) {}

SystemStats SystemSampler::sample() {
  SystemStats s;
  {
    std::lock_guard lock(g_sample_mu);
    std::ifstream in("/proc/stat");
    std::string cpu;
    uint64_t v, total = 0, idle = 0;
    in >> cpu;
    for (int i = 0; i < 10 && in >> v; ++i) {
      total += v;
      if (i == 3 || i == 4) idle += v;
    }
    if (last_total_ && total > last_total_)
      last_cpu_ = 100.0 * (1.0 - static_cast<double>(idle - last_idle_) / static_cast<double>(total - last_total_));
    last_total_ = total;
    last_idle_ = idle;
    s.cpu_percent = last_cpu_;
  }
  uint64_t total_kb = meminfo_kb("MemTotal"), avail_kb = meminfo_kb("MemAvailable");
  s.memory_total = total_kb * 1024;
  s.memory_percent = total_kb ? 100.0 * static_cast<double>(total_kb - avail_kb) / static_cast<double>(total_kb) : 0;
  struct statvfs vfs{};
  if (statvfs(data_dir_.c_str(), &vfs) == 0 && vfs.f_blocks) {
    s.disk_free = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
    s.disk_percent = 100.0 * (1.0 - static_cast<double>(vfs.f_bavail) / static_cast<double>(vfs.f_blocks));
  }
  s.gpu_percent = gpu_utilisation();
  proc_self(s.process_rss, s.process_threads);
  s.open_fds = count_fds();
  s.process_cpu_seconds = process_cpu_seconds();
  s.uptime_s = static_cast<double>(now_unix_ms() - start_ms_) / 1000.0;
  return s;
}

Json SystemSampler::to_json(const SystemStats& s) const {
  return Json{{"performance",
               {{"cpuUsage", s.cpu_percent},
                {"memoryUsage", s.memory_percent},
                {"gpuUsage", s.gpu_percent ? Json(*s.gpu_percent) : Json(nullptr)},
                {"diskUsage", s.disk_percent}}},
              {"process",
               {{"rss_bytes", s.process_rss},
                {"threads", s.process_threads},
                {"open_fds", s.open_fds},
                {"cpu_seconds", s.process_cpu_seconds},
                {"uptime_s", s.uptime_s}}},
              {"memory_total_bytes", s.memory_total},
              {"disk_free_bytes", s.disk_free}};
}

void register_process_metrics() {
  auto& r = Registry::global();
  r.gauge_fn("process_resident_memory_bytes", "Resident memory size in bytes.", {}, [] {
    uint64_t rss = 0;
    int threads = 0;
    proc_self(rss, threads);
    return static_cast<double>(rss);
  });
  r.gauge_fn("process_threads", "Number of OS threads.", {}, [] {
    uint64_t rss = 0;
    int threads = 0;
    proc_self(rss, threads);
    return static_cast<double>(threads);
  });
  r.gauge_fn("process_open_fds", "Number of open file descriptors.", {}, [] { return static_cast<double>(count_fds()); });
  r.gauge_fn("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", {},
             [] { return process_cpu_seconds(); });
  static const int64_t start = now_unix_ms();
  r.gauge_fn("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", {},
             [] { return static_cast<double>(start) / 1000.0; });
}

}  // namespace argus::obs
