// pipeline_bench [--clip PATH] [--cameras 1,2,4] [--seconds 10]
// 1. File decode at full speed on one thread (FfmpegSource: demux + decode + BGR convert),
//    against `ffmpeg -threads 1 -i CLIP -f null -` (decode only) on the same clip.
// 2. N cameras pulling the clip over RTSP from tests/tools/rtsp_server.py (real time, looped),
//    decode only (no analyzer): delivered fps and this process's CPU per decoded frame.
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <cstdio>
#include <iostream>
#include <sstream>

#include "ingest/frame_source.h"
#include "pipeline/camera_manager.h"
#include "tools/peers.h"

using namespace argus;
using namespace std::chrono_literals;

namespace {
double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}
double now_s() { return std::chrono::duration<double>(SteadyClock::now().time_since_epoch()).count(); }

// ffmpeg's own single-thread decode rate: frames / user+sys CPU seconds (from -benchmark).
double ffmpeg_fps(const std::string& clip, int loops, int* frames_out) {
  std::string cmd = "ffmpeg -hide_banner -benchmark -stream_loop " + std::to_string(loops - 1) + " -threads 1 -i " + clip +
                    " -an -f null - 2>&1 < /dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return 0;
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  pclose(p);
  int frames = 0;
  double utime = 0, stime = 0, rtime = 0;
  for (size_t pos = out.find("frame="); pos != std::string::npos; pos = out.find("frame=", pos + 1))
    frames = std::atoi(out.c_str() + out.find_first_not_of(' ', pos + 6));
  if (auto b = out.find("bench: utime="); b != std::string::npos)
    std::sscanf(out.c_str() + b, "bench: utime=%lfs stime=%lfs rtime=%lfs", &utime, &stime, &rtime);
  *frames_out = frames;
  return utime + stime > 0 ? frames / (utime + stime) : 0;
}
}  // namespace

int main(int argc, char** argv) {
  std::string clip = std::string(ARGUS_SOURCE_DIR) + "/../shared/data/videos/faces_1920x1080.mp4";
  std::vector<int> cams = {1, 2, 4};
  int seconds = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--clip") clip = v;
    if (a == "--seconds") seconds = std::stoi(v);
    if (a == "--cameras") {
      cams.clear();
      std::stringstream ss(v);
      for (std::string t; std::getline(ss, t, ',');) cams.push_back(std::stoi(t));
    }
  }
  spdlog::set_level(spdlog::level::warn);
  std::cout << "clip: " << clip << "\n";

  // 1. full-speed single-thread decode
  {
    const int loops = 3;
    SourceOptions o;
    o.realtime = false;
    o.loop = true;
    auto src = make_frame_source("file", clip, o);
    if (!src.ok() || !src.value()->open().ok()) {
      std::cerr << "cannot open " << clip << "\n";
      return 1;
    }
    int frames = 0, target = 0;
    int ff_frames = 0;
    double ff = ffmpeg_fps(clip, loops, &ff_frames);
    target = ff_frames > 0 ? ff_frames : 300;
    double c0 = cpu_seconds(), t0 = now_s();
    while (frames < target && src.value()->read().ok()) ++frames;
    double cpu = cpu_seconds() - c0, wall = now_s() - t0;
    std::printf("file decode, 1 thread: argus %d frames in %.2f s wall / %.2f s CPU -> %.1f fps per CPU-second "
                "(incl. BGR conversion)\n",
                frames, wall, cpu, frames / cpu);
    std::printf("ffmpeg -threads 1 -f null: %d frames -> %.1f fps per CPU-second\n", ff_frames, ff);
  }

  // 2. N RTSP cameras, real time
  for (int n : cams) {
    std::vector<std::string> mounts;
    for (int i = 0; i < n; ++i) mounts.push_back("cam" + std::to_string(i) + "=" + clip);
    // Each mount is its own server pipeline (not shared), like N separate cameras.
    argus_test::RtspPeer server(mounts, {"--loops", std::to_string(std::max(3, seconds / 4 + 3))});
    if (!server.port()) {
      std::cerr << "RTSP server did not start\n";
      return 1;
    }
    CameraManager mgr(PipelineConfig{}, nullptr, nullptr);
    for (int i = 0; i < n; ++i) {
      CameraConfig c;
      c.id = i + 1;
      c.type = "rtsp";
      c.url = server.url("cam" + std::to_string(i));
      (void)mgr.start_camera(c);
    }
    auto deadline = SteadyClock::now() + 20s;
    auto all_live = [&] {
      for (int i = 0; i < n; ++i)
        if (mgr.state(i + 1) != SessionState::kLive) return false;
      return true;
    };
    while (!all_live() && SteadyClock::now() < deadline) std::this_thread::sleep_for(50ms);
    std::this_thread::sleep_for(1s);  // past the first GOP burst
    auto captured = [&] {
      uint64_t s = 0;
      for (int i = 0; i < n; ++i) s += mgr.stats(i + 1)["frames_captured"].get<uint64_t>();
      return s;
    };
    uint64_t f0 = captured();
    double c0 = cpu_seconds(), t0 = now_s();
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    uint64_t frames = captured() - f0;
    double cpu = cpu_seconds() - c0, wall = now_s() - t0;
    std::printf("rtsp x%d: %.1f fps delivered in total (%.1f per camera), CPU %.2f cores, %.2f ms CPU per frame\n", n,
                frames / wall, frames / wall / n, cpu / wall, 1000.0 * cpu / std::max<uint64_t>(frames, 1));
    mgr.stop_all();
  }
  return 0;
}
