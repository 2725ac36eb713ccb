#pragma once
// /proc readings shared by pipeline_bench and ws_bench: CPU seconds of this process, of
// its named threads and of other processes (our children: the RTSP peer, argus serve),
// resident memory, the load average. CPU time is what the benches report next to wall
// clock, because the machine they run on is shared.
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace argus_bench {

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// "1.23 4.56 7.89": the 1, 5 and 15 minute load averages.
inline std::string loadavg() {
  std::string s = slurp("/proc/loadavg");
  size_t end = 0;
  for (int i = 0; i < 3 && end != std::string::npos; ++i) end = s.find(' ', end + (i ? 1 : 0));
  return s.substr(0, end);
}

inline std::string cpu_model() {
  std::string s = slurp("/proc/cpuinfo");
  auto p = s.find("model name");
  if (p == std::string::npos) return "unknown CPU";
  auto colon = s.find(':', p) + 2;
  return s.substr(colon, s.find('\n', p) - colon);
}

inline double self_cpu() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// Fields 3.. of a /proc/<pid>/stat or /proc/<pid>/task/<tid>/stat text (after "pid (comm) ").
inline std::vector<std::string> stat_fields(const std::string& stat) {
  std::vector<std::string> out;
  auto rp = stat.rfind(')');
  if (rp == std::string::npos || rp + 2 > stat.size()) return out;
  std::istringstream in(stat.substr(rp + 2));
  for (std::string f; in >> f;) out.push_back(f);
  return out;
}

// utime + stime in seconds of the process or thread whose /proc directory is `dir`.
inline double cpu_seconds(const std::string& dir) {
  auto f = stat_fields(slurp(dir + "/stat"));
  if (f.size() < 13) return 0;
  return (std::stod(f[11]) + std::stod(f[12])) / static_cast<double>(sysconf(_SC_CLK_TCK));
}
inline double cpu_seconds(pid_t pid) { return pid > 0 ? cpu_seconds("/proc/" + std::to_string(pid)) : 0; }

// CPU seconds of this process's threads whose name starts with `prefix`.
inline double threads_cpu(const std::string& prefix) {
  double sum = 0;
  for (const auto& t : std::filesystem::directory_iterator("/proc/self/task"))
    if (slurp(t.path() / "comm").rfind(prefix, 0) == 0) sum += cpu_seconds(t.path().string());
  return sum;
}

// Our child processes whose command name is `comm` (empty: all of them).
inline std::vector<pid_t> children(const std::string& comm = "") {
  std::vector<pid_t> out;
  std::string me = std::to_string(getpid());
  for (const auto& p : std::filesystem::directory_iterator("/proc")) {
    std::string name = p.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string stat = slurp(p.path() / "stat");
    auto f = stat_fields(stat);
    if (f.size() < 2 || f[1] != me) continue;
    auto lp = stat.find('('), rp = stat.rfind(')');
    if (comm.empty() || stat.substr(lp + 1, rp - lp - 1) == comm) out.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return out;
}

inline double rss_mb(pid_t pid) {
  std::string s = slurp("/proc/" + std::to_string(pid) + "/status");
  auto p = s.find("VmRSS:");
  return p == std::string::npos ? 0 : std::stod(s.substr(p + 6)) / 1024.0;
}

}  // namespace argus_bench
