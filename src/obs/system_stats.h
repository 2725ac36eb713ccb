#pragma once
// Real machine and process figures for /system/status, /health and /metrics, read from
// /proc and statvfs (no shelling out).
#include <cstdint>
#include <optional>
#include <string>

#include "core/json.h"

namespace argus::obs {

struct SystemStats {
  double cpu_percent = 0;       // whole machine, since the previous sample
  double memory_percent = 0;    // (total - available) / total
  uint64_t memory_total = 0;
  double disk_percent = 0;      // of the filesystem holding the data directory
  uint64_t disk_free = 0;
  std::optional<double> gpu_percent;  // only when a GPU reports one
  uint64_t process_rss = 0;
  int process_threads = 0;
  int open_fds = 0;
  double process_cpu_seconds = 0;
  double uptime_s = 0;
};

// Samples CPU between calls; thread-safe.
class SystemSampler {
 public:
  explicit SystemSampler(std::string data_dir);
  SystemStats sample();
  Json to_json(const SystemStats& s) const;

 private:
  std::string data_dir_;
  uint64_t last_idle_ = 0, last_total_ = 0;
  double last_cpu_ = 0;
  int64_t start_ms_;
};

// Registers process_* gauges (resident memory, threads, fds, cpu seconds, uptime).
void register_process_metrics();

}  // namespace argus::obs
