// pipeline_bench [--clip PATH] [--cameras 1,2,3,4,6,8,10] [--seconds 30] [--fps-limit 5]
//                [--inference-threads K] [--frame-threads K] [--embed-recheck-ms MS] [--detector ID]
//                [--min-face PX] [--no-analyzer]
// Issue 4 §10 "throughput", in one process, one command:
// 1. Reference: `ffmpeg -threads 1 -i CLIP -an -f null -` (decode only) and our FfmpegSource
//    on a file at full speed on one thread, both as frames per CPU-second.
// 2. For each N: N cameras pulling the clip over RTSP from tests/tools/rtsp_server.py (real
//    time 25 fps, one mount per camera, the clip looped long enough for the run), through
//    CameraManager with the real face analyzer built as `argus serve` builds it (default
//    config, models/, RecognitionService's FrameAnalyzer and identity matcher, empty gallery)
//    and detection at fps_limit per camera. Reports decoded and analysed fps per camera,
//    detection slots missed (LaneStats::missed, `detections_missed`) against the scheduled
//    N x fps_limit x seconds, and CPU by thread kind (decode threads "argus-cam*", inference
//    threads "argus-infer" and frame helpers "argus-parallel"), so the decode rate per CPU-second can be set against ffmpeg's,
//    and faces per analysis with the share embedded (the tracker skips faces of settled
//    tracks; --embed-recheck-ms 0 embeds every face, as before that change).
// Wall-clock rates depend on what else runs on the machine; CPU-second figures do not (much).
#include <spdlog/spdlog.h>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>

#include "core/allocator.h"
#include "core/config.h"
#include "ingest/frame_source.h"
#include "pipeline/camera_manager.h"
#include "recognition/recognition_config.h"
#include "services/audit_service.h"
#include "services/recognition_service.h"
#include "store/store.h"
#include "test_util.h"
#include "tools/peers.h"
#include "vision/face_analyzer.h"
#include "proc_stats.h"

using namespace argus;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {
using argus_bench::loadavg;
double cpu_seconds() { return argus_bench::self_cpu(); }
double now_s() { return std::chrono::duration<double>(SteadyClock::now().time_since_epoch()).count(); }
double children_cpu() {
  double sum = 0;
  for (pid_t pid : argus_bench::children()) sum += argus_bench::cpu_seconds(pid);
  return sum;
}

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

// The analyzer exactly as `argus serve` wires it into LiveRuntime: default config tree,
// FaceAnalyzer from models/, RecognitionService's FrameAnalyzer and identity matcher (the
// gallery is empty here: matching costs nothing, analysis is the real work).
struct ServeAnalyzer {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<services::AuditService> audit;
  std::unique_ptr<services::RecognitionService> recognition;

  bool load(const std::string& dir, int frame_threads, const std::string& detector, std::string& why) {
    auto cfg = Config::load("", {}, {{"vision.warmup_runs", "1"}, {"vision.frame_threads", std::to_string(frame_threads)},
                                     {"vision.detector", detector}});
    if (!cfg) {
      why = cfg.error().message;
      return false;
    }
    auto vcfg = vision::VisionConfig::from_json(cfg->tree);
    if (!vcfg) {
      why = vcfg.error().message;
      return false;
    }
    if (fs::path(vcfg->models_dir).is_relative() && !fs::exists(vcfg->models_dir))
      vcfg->models_dir = std::string(ARGUS_SOURCE_DIR) + "/" + vcfg->models_dir;
    vision::RegistryOptions ropts;
    ropts.warmup_runs = 1;
    auto analyzer = vision::FaceAnalyzer::create(*vcfg, ropts);
    if (!analyzer) {
      why = analyzer.error().message;
      return false;
    }
    auto rcfg = parse_recognition_config(cfg->tree);
    store = store::open_sqlite_store(dir + "/argus.db");
    audit = std::make_unique<services::AuditService>(*store);
    recognition = std::make_unique<services::RecognitionService>(*store, *audit, analyzer.value(),
                                                                 rcfg ? rcfg.value() : RecognitionConfig{}, dir);
    (void)recognition->load_gallery();
    pipeline = PipelineConfig::from_json(cfg->tree["pipeline"]);
    return true;
  }
  PipelineConfig pipeline;
};

struct Sample {
  double wall = 0, cpu = 0, decode_cpu = 0, infer_cpu = 0, server_cpu = 0;
  uint64_t captured = 0, processed = 0, missed = 0, dropped = 0, faces = 0, embedded = 0, skipped = 0;
  std::vector<uint64_t> cam_captured, cam_processed;  // per camera
};

// Smallest per-camera increase between two samples (the least-served camera).
uint64_t min_delta(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  uint64_t m = UINT64_MAX;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) m = std::min(m, b[i] - a[i]);
  return m == UINT64_MAX ? 0 : m;
}

Sample sample(const CameraManager& mgr, int n) {
  Sample s;
  s.wall = now_s();
  s.cpu = cpu_seconds();
  s.decode_cpu = argus_bench::threads_cpu("argus-cam");
  // Analysis runs on the pool's threads and, with vision.frame_threads, on the frame helpers.
  s.infer_cpu = argus_bench::threads_cpu("argus-infer") + argus_bench::threads_cpu("argus-parallel");
  s.server_cpu = children_cpu();
  for (int i = 0; i < n; ++i) {
    Json st = mgr.stats(i + 1);
    if (!st.is_object()) continue;
    auto c = st.value("frames_captured", uint64_t{0}), p = st.value("frames_processed", uint64_t{0});
    s.captured += c;
    s.processed += p;
    s.cam_captured.push_back(c);
    s.cam_processed.push_back(p);
    s.missed += st.value("detections_missed", uint64_t{0});
    s.dropped += st.value("frames_dropped", uint64_t{0});
    s.faces += st.value("faces_detected", uint64_t{0});
    s.embedded += st.value("embeddings_computed", uint64_t{0});
    s.skipped += st.value("embeddings_skipped", uint64_t{0});
  }
  return s;
}
}  // namespace

int main(int argc, char** argv) {
  argus::tune_allocator();  // as argus serve does (src/core/allocator.h)
  std::string clip = std::string(ARGUS_SOURCE_DIR) + "/../shared/data/videos/faces_1920x1080.mp4";
  std::vector<int> cams = {1, 2, 3, 4, 6, 8, 10};
  int seconds = 30, inference_threads = -1;
  std::optional<int64_t> embed_recheck_ms;
  double fps_limit = 5;
  int frame_threads = 0;  // vision.frame_threads (the default)
  std::string detector = "auto";  // vision.detector (the default)
  bool with_analyzer = true;
  float min_face = -1;  // each camera's detection.min_face_size; < 0: vision.min_face_size
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i], v = i + 1 < argc ? argv[i + 1] : "";
    if (a == "--no-analyzer") {
      with_analyzer = false;
      continue;
    }
    ++i;
    if (a == "--clip") clip = v;
    else if (a == "--seconds") seconds = std::stoi(v);
    else if (a == "--fps-limit") fps_limit = std::stod(v);
    else if (a == "--inference-threads") inference_threads = std::stoi(v);
    else if (a == "--frame-threads") frame_threads = std::stoi(v);
    else if (a == "--detector") detector = v;
    else if (a == "--min-face") min_face = std::stof(v);
    else if (a == "--embed-recheck-ms") embed_recheck_ms = std::stoll(v);
    else if (a == "--cameras") {
      cams.clear();
      std::stringstream ss(v);
      for (std::string t; std::getline(ss, t, ',');) cams.push_back(std::stoi(t));
    } else {
      std::cerr << "usage: pipeline_bench [--clip PATH] [--cameras 1,2,4] [--seconds 30] [--fps-limit 5] "
                   "[--inference-threads K] [--frame-threads K] [--embed-recheck-ms MS] [--detector ID] [--min-face PX] "
                   "[--no-analyzer]\n";
      return 2;
    }
  }
  spdlog::set_level(spdlog::level::warn);
  std::printf("machine: %s, %ld cores; clip %s\nload before: %s\n", argus_bench::cpu_model().c_str(), sysconf(_SC_NPROCESSORS_ONLN),
              clip.c_str(), loadavg().c_str());

  // 1. full-speed single-thread decode: ffmpeg's reference and our FfmpegSource
  double ff = 0;
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
    int frames = 0, ff_frames = 0;
    ff = ffmpeg_fps(clip, loops, &ff_frames);
    int target = ff_frames > 0 ? ff_frames : 300;
    double c0 = cpu_seconds(), t0 = now_s();
    while (frames < target && src.value()->read().ok()) ++frames;
    double cpu = cpu_seconds() - c0, wall = now_s() - t0;
    std::printf("file decode, 1 thread: argus %d frames in %.2f s wall / %.2f s CPU -> %.1f fps per CPU-second "
                "(incl. BGR conversion) = %.3f x ffmpeg\n",
                frames, wall, cpu, frames / cpu, frames / cpu / ff);
    std::printf("ffmpeg -threads 1 -f null: %d frames -> %.1f fps per CPU-second\n", ff_frames, ff);
  }

  argus_test::TempDir tmp;
  ServeAnalyzer serve;
  PipelineConfig pcfg;
  if (with_analyzer) {
    std::string why;
    if (!serve.load(tmp.path(), frame_threads, detector, why)) {
      std::cerr << "face analyzer unavailable (" << why << "); run scripts/fetch-models.sh or pass --no-analyzer\n";
      return 1;
    }
    pcfg = serve.pipeline;
  }
  if (inference_threads >= 0) pcfg.inference_threads = inference_threads;
  if (embed_recheck_ms) pcfg.tracker.embed_recheck_ms = *embed_recheck_ms;

  // One looped copy of the clip (stream copy) long enough for the longest run, shared by all
  // mounts: rtsp_server.py --loops would remux one copy per mount.
  const double clip_s = 4.2;
  int loops = static_cast<int>(std::ceil((seconds + 60) / clip_s));
  std::string looped = tmp.path() + "/looped.mp4";
  if (!argus_test::run_command("ffmpeg -v error -y -stream_loop " + std::to_string(loops - 1) + " -i " + clip +
                               " -map 0:v:0 -c copy " + looped + " < /dev/null")) {
    std::cerr << "cannot remux " << clip << "\n";
    return 1;
  }

  std::printf("\nRTSP cameras, %s (vision.detector %s), fps_limit %.1f, %d s per N, tracker.embed_recheck_ms %lld%s\n",
              with_analyzer ? "face analyzer on" : "decode only", detector.c_str(), fps_limit, seconds,
              static_cast<long long>(pcfg.tracker.embed_recheck_ms),
              pcfg.tracker.embed_recheck_ms <= 0 ? " (every face embedded)" : "");
  std::printf("| N | decoded fps/camera (min) | analysed fps/camera (min) | scheduled | not analysed | detections_missed | "
              "ring drops | cores: process / decode / infer / RTSP server | decode ms CPU/frame | decode fps per CPU-s / "
              "ffmpeg | infer ms CPU/analysis | CPU-time cores per camera | faces/analysis | embedded / skipped | "
              "load before -> after |\n"
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  int best = 0;
  double sum_decode_ms = 0, sum_infer_ms = 0;
  int rows = 0;
  for (int n : cams) {
    std::string load0 = loadavg();
    std::vector<std::string> mounts;
    for (int i = 0; i < n; ++i) mounts.push_back("cam" + std::to_string(i) + "=" + looped);
    argus_test::RtspPeer server(mounts);  // one server pipeline per mount, like N separate cameras
    if (!server.port()) {
      std::cerr << "RTSP server did not start\n";
      return 1;
    }
    CameraManager mgr(pcfg, with_analyzer ? serve.recognition->frame_analyzer() : nullptr, nullptr,
                      with_analyzer ? serve.recognition->identity_matcher() : IdentityMatcher{});
    for (int i = 0; i < n; ++i) {
      CameraConfig c;
      c.id = i + 1;
      c.type = "rtsp";
      c.url = server.url("cam" + std::to_string(i));
      c.fps_limit = fps_limit;
      c.limits.min_face_size = min_face;
      (void)mgr.start_camera(c);
    }
    auto deadline = SteadyClock::now() + 30s;
    auto all_live = [&] {
      for (int i = 0; i < n; ++i)
        if (mgr.state(i + 1) != SessionState::kLive) return false;
      return true;
    };
    while (!all_live() && SteadyClock::now() < deadline) std::this_thread::sleep_for(50ms);
    std::this_thread::sleep_for(3s);  // past the first GOP burst and the first analyses
    Sample a = sample(mgr, n);
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    Sample b = sample(mgr, n);
    mgr.stop_all();
    double wall = b.wall - a.wall;
    uint64_t captured = b.captured - a.captured, processed = b.processed - a.processed, missed = b.missed - a.missed;
    double decode_cpu = b.decode_cpu - a.decode_cpu, infer_cpu = b.infer_cpu - a.infer_cpu;
    double decode_ms = 1000.0 * decode_cpu / std::max<uint64_t>(captured, 1);
    double infer_ms = 1000.0 * infer_cpu / std::max<uint64_t>(processed, 1);
    // Scheduled slots: N x fps_limit x seconds. Not analysed: scheduled minus analyses (any
    // reason: pool busy, or the decoder itself starved of CPU); detections_missed: the
    // server's counter (a frame was waiting, the pool did not start it in its slot).
    double scheduled = with_analyzer ? n * fps_limit * wall : 0;
    double not_analysed = scheduled > 0 ? std::max(0.0, 100.0 * (1 - processed / scheduled)) : 0;
    double missed_share = scheduled > 0 ? 100.0 * missed / scheduled : 0;
    // What one camera costs in CPU time whatever the load: 25 decoded + fps_limit analysed.
    double cam_cores = (captured / wall / n * decode_ms + (with_analyzer ? fps_limit * infer_ms : 0)) / 1000.0;
    std::printf("| %d | %.1f (%.1f) | %.2f (%.2f) | %.0f | %.1f %% | %llu (%.1f %%) | %llu | %.2f / %.2f / %.2f / %.2f | %.2f | "
                "%.1f / %.1f = %.3f | %.1f | %.2f | %.2f | %llu / %llu | %s -> %s |\n",
                n, captured / wall / n, min_delta(a.cam_captured, b.cam_captured) / wall, processed / wall / n,
                min_delta(a.cam_processed, b.cam_processed) / wall, scheduled, not_analysed,
                static_cast<unsigned long long>(missed), missed_share, static_cast<unsigned long long>(b.dropped - a.dropped),
                (b.cpu - a.cpu) / wall, decode_cpu / wall, infer_cpu / wall, (b.server_cpu - a.server_cpu) / wall, decode_ms,
                captured / std::max(decode_cpu, 1e-9), ff, captured / std::max(decode_cpu, 1e-9) / ff, infer_ms, cam_cores,
                static_cast<double>(b.faces - a.faces) / std::max<uint64_t>(processed, 1),
                static_cast<unsigned long long>(b.embedded - a.embedded), static_cast<unsigned long long>(b.skipped - a.skipped),
                load0.c_str(), loadavg().c_str());
    sum_decode_ms += decode_ms;
    sum_infer_ms += processed ? infer_ms : 0;
    ++rows;
    std::fflush(stdout);
    if (with_analyzer && not_analysed < 1.0 && missed_share < 1.0 && n > best) best = n;
  }
  if (with_analyzer && rows) {
    std::printf("\nlargest N with < 1%% of scheduled detections not analysed (wall clock, this load): %d\n", best);
    // Load-independent bound from CPU time: a 25 fps camera costs 25 decodes + fps_limit
    // analyses; the pool runs `threads` analyses at once.
    double dec = sum_decode_ms / rows, inf = sum_infer_ms / rows;
    double per_cam = (25 * dec + fps_limit * inf) / 1000.0;
    int threads = pcfg.inference_threads > 0 ? pcfg.inference_threads
                                             : std::max(1, static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)));
    std::printf("CPU-time bound on an idle machine: %.2f cores per camera (%.1f ms/decode, %.1f ms/analysis) -> %.1f cameras "
                "per %ld cores; the pool's %d inference thread(s) -> at most %.1f cameras at %.0f fps\n",
                per_cam, dec, inf, sysconf(_SC_NPROCESSORS_ONLN) / per_cam, sysconf(_SC_NPROCESSORS_ONLN), threads,
                threads * 1000.0 / inf / fps_limit, fps_limit);
  }
  std::printf("load after: %s\n", loadavg().c_str());
  return 0;
}
