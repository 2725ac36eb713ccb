// CLI front-end of the vision core: run detection on images, and measure accuracy on LFW
// (verification) and WIDER FACE (detection). Numbers it prints are recorded in docs/accuracy.md.
#include "cli/vision_commands.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <numeric>
#include <optional>
#include <sstream>
#include <thread>

#include "core/config.h"
#include "core/log.h"
#include "vision/face_analyzer.h"
#include "vision/landmarker.h"

namespace argus {
namespace {
namespace fs = std::filesystem;
using namespace argus::vision;

struct CommonOpts {
  const cli::GlobalOptions* global = nullptr;
  std::string config_path;
  std::string models_dir;
  std::string detector;
  std::string recognizer;
  std::string device;
  int threads = 1;
};

Result<VisionConfig> load_vision_config(const CommonOpts& o) {
  std::map<std::string, std::string> overrides;
  std::string config_path = o.config_path;
  if (o.global) {
    auto sets = cli::set_overrides(o.global->sets);
    if (!sets) return sets.error();
    overrides = std::move(*sets);
    if (config_path.empty()) config_path = o.global->config_path;
  }
  if (!o.models_dir.empty()) overrides["vision.models_dir"] = o.models_dir;
  if (!o.device.empty()) overrides["vision.device"] = o.device;
  auto cfg = Config::load(config_path, process_environment(), overrides);
  if (!cfg) return cfg.error();
  auto vc = VisionConfig::from_json(cfg->tree);
  if (!vc) return vc.error();
  if (!o.detector.empty()) vc->detector = o.detector;
  if (!o.recognizer.empty()) vc->recognizer = o.recognizer;
  return vc;
}

void add_common(CLI::App* cmd, CommonOpts& o) {
  cmd->add_option("--config", o.config_path, "argus.yaml (defaults when absent)");
  cmd->add_option("--models", o.models_dir, "models directory (vision.models_dir)");
  cmd->add_option("--detector", o.detector, "detector model id (ultraface-ms-ort, ultraface-ort, blazeface-ort, dlib-hog, haar, ...)");
  cmd->add_option("--recognizer", o.recognizer, "recogniser model id (fr-feature-ort, faceapi-resnet128-ort, ...)");
  cmd->add_option("--device", o.device, "auto | cpu | cuda:N");
}

bool stderr_is_tty() { return isatty(STDERR_FILENO) != 0; }

// Runs fn(i) for i in [0, n) on `threads` threads, with a progress line on a terminal.
template <class Fn>
void parallel_for(size_t n, int threads, const char* label, Fn&& fn) {
  std::atomic<size_t> next{0}, done{0};
  std::mutex progress_mu;
  bool tty = stderr_is_tty();
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < n;) {
      fn(i);
      size_t d = done.fetch_add(1) + 1;
      if (tty && (d % 25 == 0 || d == n)) {
        std::lock_guard lock(progress_mu);
        std::fprintf(stderr, "\r%s %zu/%zu", label, d, n);
        std::fflush(stderr);
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < std::max(1, threads); ++t) pool.emplace_back(worker);
  worker();
  for (auto& th : pool) th.join();
  if (tty) std::fprintf(stderr, "\n");
}

// ---------------------------------------------------------------- detect
double process_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

// Nearest-rank percentile of an unsorted sample (p in [0, 1]).
double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t k = size_t(std::ceil(p * double(v.size())));
  return v[std::min(v.size() - 1, k ? k - 1 : 0)];
}

int run_detect(const CommonOpts& co, const std::vector<std::string>& images, bool json, const std::string& draw,
               float threshold, float min_face, bool embed, int repeat) {
  auto vc = load_vision_config(co);
  if (!vc) { std::cerr << "config: " << vc.error().message << "\n"; return 2; }
  RegistryOptions ro;
  ro.warmup_runs = 2;
  auto an = FaceAnalyzer::create(*vc, ro);
  if (!an) { std::cerr << "vision: " << an.error().message << "\n"; return 1; }
  Json out{{"detections", Json::array()}};
  int rc = 0;
  for (const auto& path : images) {
    cv::Mat img = cv::imread(path, cv::IMREAD_COLOR);
    Json item{{"image", path}};
    if (img.empty()) {
      item["error"] = "cannot read image";
      rc = 1;
      out["detections"].push_back(item);
      if (!json) std::cerr << path << ": cannot read image\n";
      continue;
    }
    AnalyzeOptions ao;
    ao.embed = embed;
    ao.detection_threshold = threshold;
    ao.min_face_size = min_face;
    AnalyzeTrace tr;
    auto faces = (*an)->try_analyze(img, ao, &tr);
    if (faces && repeat > 0) {
      // Timing mode: the call above was the warm-up; time `repeat` more (wall and process CPU).
      std::vector<double> wall, cpu;
      for (int r = 0; r < repeat && faces; ++r) {
        double c0 = process_cpu_ms();
        auto t0 = std::chrono::steady_clock::now();
        tr = AnalyzeTrace{};
        faces = (*an)->try_analyze(img, ao, &tr);
        wall.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
        cpu.push_back(process_cpu_ms() - c0);
      }
      item["timing"] = Json{{"runs", wall.size()},           {"wall_ms_p50", percentile(wall, 0.5)},
                            {"wall_ms_p90", percentile(wall, 0.9)}, {"wall_ms_min", percentile(wall, 0)},
                            {"cpu_ms_p50", percentile(cpu, 0.5)}};
    }
    if (!faces) {
      item["error"] = faces.error().message;
      rc = 1;
      out["detections"].push_back(item);
      continue;
    }
    item["width"] = img.cols;
    item["height"] = img.rows;
    item["faces"] = Json::array();
    for (const auto& f : *faces) item["faces"].push_back(face_to_json(f));
    item["count"] = faces->size();
    item["trace"] = trace_to_json(tr);
    if (!json) {
      std::printf("%s: %zu face(s) in %.1f ms (detector %s)\n", path.c_str(), faces->size(), tr.timings_ms["total"],
                  tr.models["detector"].c_str());
      if (item.contains("timing"))
        std::printf("  %d runs: wall p50 %.1f ms, p90 %.1f ms, min %.1f ms; CPU p50 %.1f ms\n",
                    item["timing"]["runs"].get<int>(), item["timing"]["wall_ms_p50"].get<double>(),
                    item["timing"]["wall_ms_p90"].get<double>(), item["timing"]["wall_ms_min"].get<double>(),
                    item["timing"]["cpu_ms_p50"].get<double>());
      for (const auto& f : *faces)
        std::printf("  box %.0f,%.0f %.0fx%.0f  score %.2f  quality %.2f %s\n", f.box.x, f.box.y, f.box.w, f.box.h,
                    f.score, f.quality.score, f.quality.reason.c_str());
    }
    if (!draw.empty()) {
      draw_faces(img, *faces);
      std::string target = draw;
      if (images.size() > 1) {  // one output per input: OUT.jpg -> OUT-<stem>.jpg
        fs::path p(draw);
        target = (p.parent_path() / (p.stem().string() + "-" + fs::path(path).stem().string() + p.extension().string())).string();
      }
      if (!cv::imwrite(target, img)) { std::cerr << "cannot write " << target << "\n"; rc = 1; }
    }
    out["detections"].push_back(item);
  }
  if (json) std::cout << out.dump(2) << "\n";
  return rc;
}

// ---------------------------------------------------------------- verification metrics
struct Pair { std::string a, b; bool same; };

struct VerifyMetrics {
  double accuracy = 0, stddev = 0, tar_at_far_1e3 = 0, auc = 0, threshold = 0;
  double threshold_at_far_1e3 = 0;  // the cosine that lets through 0.1 % of impostor pairs
};

// 10-fold protocol: threshold chosen on 9 folds, accuracy measured on the tenth.
VerifyMetrics verify_metrics(const std::vector<double>& scores, const std::vector<bool>& same, int folds) {
  VerifyMetrics m;
  const size_t n = scores.size();
  if (n == 0) return m;
  std::vector<double> cand(scores);
  std::sort(cand.begin(), cand.end());
  cand.erase(std::unique(cand.begin(), cand.end()), cand.end());
  // Thresholds between consecutive distinct scores (subsampled for speed).
  std::vector<double> ths;
  size_t step = std::max<size_t>(1, cand.size() / 2000);
  for (size_t i = 0; i + 1 < cand.size(); i += step) ths.push_back((cand[i] + cand[i + 1]) / 2);
  if (ths.empty()) ths.push_back(cand[0]);
  auto acc_on = [&](double th, auto&& in_set) {
    size_t ok = 0, tot = 0;
    for (size_t i = 0; i < n; ++i) {
      if (!in_set(i)) continue;
      ++tot;
      if ((scores[i] > th) == same[i]) ++ok;
    }
    return tot ? double(ok) / tot : 0.0;
  };
  std::vector<double> accs;
  double th_sum = 0;
  size_t fold_size = n / size_t(folds);
  for (int f = 0; f < folds; ++f) {
    size_t lo = f * fold_size, hi = (f == folds - 1) ? n : lo + fold_size;
    auto train = [&](size_t i) { return i < lo || i >= hi; };
    auto test = [&](size_t i) { return i >= lo && i < hi; };
    double best = -1, best_th = ths[0];
    for (double th : ths) {
      double a = acc_on(th, train);
      if (a > best) { best = a; best_th = th; }
    }
    accs.push_back(acc_on(best_th, test));
    th_sum += best_th;
  }
  m.accuracy = std::accumulate(accs.begin(), accs.end(), 0.0) / accs.size();
  double var = 0;
  for (double a : accs) var += (a - m.accuracy) * (a - m.accuracy);
  m.stddev = std::sqrt(var / accs.size());
  m.threshold = th_sum / folds;
  // TAR at FAR = 1e-3: the threshold that lets through at most 0.1 % of impostor pairs.
  std::vector<double> neg, pos;
  for (size_t i = 0; i < n; ++i) (same[i] ? pos : neg).push_back(scores[i]);
  std::sort(neg.begin(), neg.end(), std::greater<>());
  size_t allowed = size_t(std::floor(neg.size() * 1e-3));
  double th = allowed < neg.size() ? neg[allowed] : -1e9;
  size_t tp = 0;
  for (double s : pos) tp += s > th;
  m.tar_at_far_1e3 = pos.empty() ? 0 : double(tp) / pos.size();
  m.threshold_at_far_1e3 = th;
  // ROC AUC = P(score_pos > score_neg), ties half.
  std::vector<std::pair<double, int>> all;
  for (double s : pos) all.push_back({s, 1});
  for (double s : neg) all.push_back({s, 0});
  std::sort(all.begin(), all.end());
  double rank_sum = 0;
  for (size_t i = 0; i < all.size();) {
    size_t j = i;
    while (j < all.size() && all[j].first == all[i].first) ++j;
    double avg_rank = (i + 1 + j) / 2.0;
    for (size_t k = i; k < j; ++k)
      if (all[k].second) rank_sum += avg_rank;
    i = j;
  }
  if (!pos.empty() && !neg.empty())
    m.auc = (rank_sum - pos.size() * (pos.size() + 1) / 2.0) / (double(pos.size()) * neg.size());
  return m;
}

Json metrics_json(const VerifyMetrics& m) {
  return Json{{"accuracy", m.accuracy}, {"std", m.stddev}, {"tar_at_far_1e-3", m.tar_at_far_1e3}, {"auc", m.auc},
              {"threshold", m.threshold}, {"threshold_at_far_1e-3", m.threshold_at_far_1e3}};
}

// ---------------------------------------------------------------- eval lfw
// The analyzer an evaluation runs on: ORT models only, `warmup` runs each; null (said why) on error.
std::shared_ptr<FaceAnalyzer> eval_analyzer(const VisionConfig& vc, int warmup) {
  RegistryOptions ro;
  ro.warmup_runs = warmup;
  ro.opencv_variants = false;
  auto an = FaceAnalyzer::create(vc, ro);
  if (!an) { std::cerr << "vision: " << an.error().message << "\n"; return nullptr; }
  return *an;
}

// LFW's landmarks_5pt.txt: per image its relative path and 5 (x, y) points, in file order.
struct GivenPoints { std::string path; std::vector<PointF> l5; };
std::vector<GivenPoints> read_given_points(const std::string& lfw_dir, size_t max = SIZE_MAX) {
  std::vector<GivenPoints> out;
  std::ifstream lf(lfw_dir + "/landmarks_5pt.txt");
  std::string line;
  while (out.size() < max && std::getline(lf, line)) {
    std::istringstream ss(line);
    GivenPoints g;
    ss >> g.path;
    g.l5.resize(5);
    for (auto& q : g.l5) ss >> q.x >> q.y;
    if (ss) out.push_back(std::move(g));
  }
  return out;
}

// LFW: the subject is the face nearest the centre of the 250x250 image (larger faces preferred).
const Face* central_face(const std::vector<Face>& faces, const cv::Mat& img) {
  const Face* best = nullptr;
  double best_d = 1e18;
  for (const auto& f : faces) {
    double dx = f.box.x + f.box.w / 2 - img.cols / 2.0, dy = f.box.y + f.box.h / 2 - img.rows / 2.0;
    double d = dx * dx + dy * dy - 0.5 * f.box.area();
    if (d < best_d) { best_d = d; best = &f; }
  }
  return best;
}

// Alignment variants compared by `eval lfw --alignment-variants` (fr_feature only): how the 5
// points are derived from fr_landmark's 68, and from which landmark pass.
struct AlignVariant {
  const char* name;
  bool second_pass;
  bool mouth_outer;  // mouth corners = points 48/54 instead of mean(48,60)/mean(54,64)
  bool debias;       // minus the mean offset from landmarks_5pt.txt (eval landmarks)
};
constexpr AlignVariant kAlignVariants[] = {
    {"pass1", false, false, false},
    {"pass1,mouth48/54", false, true, false},
    {"pass2", true, false, false},
    {"pass2,mouth48/54", true, true, false},
    {"pass2,mouth48/54,debiased", true, true, true},
};

std::vector<PointF> variant_points(const AlignVariant& v, const std::vector<PointF>& l68) {
  std::vector<PointF> p = five_from_68(l68);
  if (p.size() < 5) return p;
  if (v.mouth_outer) { p[3] = l68[48]; p[4] = l68[54]; }
  if (v.debias) {
    // Mean offset of `pass2,mouth48/54` from the given points, in inter-ocular distances along
    // and across the eye line (build-vision/argus eval landmarks, all 7701 images).
    static const float bias[5][2] = {{0.020f, 0.029f}, {0.033f, 0.041f}, {0.040f, -0.003f}, {0.039f, 0.009f},
                                     {0.026f, 0.015f}};
    float ex = p[1].x - p[0].x, ey = p[1].y - p[0].y, iod = std::hypot(ex, ey);
    if (iod > 0) {
      ex /= iod; ey /= iod;
      for (size_t j = 0; j < 5; ++j) {
        p[j].x -= iod * (bias[j][0] * ex - bias[j][1] * ey);
        p[j].y -= iod * (bias[j][0] * ey + bias[j][1] * ex);
      }
    }
  }
  return p;
}

struct LfwEvalOptions {
  std::string data;
  bool json = false, fusion = false, flip = false, given_landmarks = false, align_variants = false;
  int limit_pairs = 0;
  std::string dump_dir;  // per-pair scores and embeddings, for fusion studies outside argus
};

// Writes <dir>/scores.csv (fold, same, cosine per recogniser) and <dir>/embeddings.tsv
// (image, recogniser, values): what choosing fusion weights or score normalisation needs,
// without embedding LFW again for every trial.
bool dump_lfw_scores(const std::string& dir, const std::vector<std::string>& names, const auto& embs,
                     const std::vector<bool>& same, size_t per_fold, const std::vector<double>& s_fr,
                     const std::vector<double>& s_fa, const std::vector<double>& s_fused) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::ofstream sc(dir + "/scores.csv"), em(dir + "/embeddings.tsv");
  if (!sc || !em) { std::cerr << "cannot write to " << dir << "\n"; return false; }
  sc << "fold,same,fr_feature,faceapi_resnet128,fusion\n";
  for (size_t i = 0; i < same.size(); ++i)
    sc << i / per_fold << ',' << int(same[i]) << ',' << s_fr[i] << ',' << s_fa[i] << ',' << s_fused[i] << '\n';
  auto row = [&](const std::string& name, const char* rec, const std::vector<float>& e) {
    if (e.empty()) return;
    em << name << '\t' << rec;
    for (float x : e) em << '\t' << x;
    em << '\n';
  };
  for (size_t i = 0; i < names.size(); ++i) {
    row(names[i], "fr_feature", embs[i].fr);
    row(names[i], "faceapi_resnet128", embs[i].fa);
  }
  return bool(sc) && bool(em);
}

int run_eval_lfw(const CommonOpts& co, const LfwEvalOptions& o) {
  auto vc = load_vision_config(co);
  if (!vc) { std::cerr << "config: " << vc.error().message << "\n"; return 2; }
  std::ifstream pf(o.data + "/pairs.txt");
  if (!pf) { std::cerr << "cannot read " << o.data << "/pairs.txt\n"; return 2; }
  int folds = 10, per_fold = 300;
  pf >> folds >> per_fold;
  std::vector<Pair> pairs;
  std::string line;
  std::getline(pf, line);
  auto img_path = [&](const std::string& name, int idx) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d", idx);
    return name + "/" + name + "_" + buf + ".jpg";
  };
  while (std::getline(pf, line)) {
    std::istringstream ss(line);
    std::vector<std::string> t;
    for (std::string w; ss >> w;) t.push_back(w);
    if (t.size() == 3) pairs.push_back({img_path(t[0], std::stoi(t[1])), img_path(t[0], std::stoi(t[2])), true});
    else if (t.size() == 4) pairs.push_back({img_path(t[0], std::stoi(t[1])), img_path(t[2], std::stoi(t[3])), false});
  }
  if (o.limit_pairs > 0 && size_t(o.limit_pairs) < pairs.size()) {
    // Keep the fold structure: the first limit/folds pairs of each half of each fold.
    std::vector<Pair> kept;
    size_t fold_n = pairs.size() / size_t(folds), take = size_t(o.limit_pairs) / size_t(folds);
    for (int f = 0; f < folds; ++f)
      for (size_t i = 0; i < take; ++i) {
        size_t half = fold_n / 2;
        size_t idx = f * fold_n + (i % 2 ? half + i / 2 : i / 2);
        kept.push_back(pairs[idx]);
      }
    pairs = std::move(kept);
  }
  std::map<std::string, std::vector<PointF>> given;
  if (o.given_landmarks)
    for (auto& g : read_given_points(o.data)) given[g.path] = std::move(g.l5);
  std::vector<std::string> names;
  for (const auto& p : pairs) { names.push_back(p.a); names.push_back(p.b); }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());

  auto an = eval_analyzer(*vc, 3);
  if (!an) return 1;
  auto fr = an->registry().get("fr-feature-ort");
  auto fa = an->registry().get("faceapi-resnet128-ort");
  std::string primary = an->registry().active("recognizer");

  struct Emb { std::vector<float> fr, fa; bool detected = false; std::vector<std::vector<float>> var; };
  auto lm = an->registry().get(an->registry().active("landmarker"));
  if (o.align_variants && (!lm || !lm->landmarker || !fr || o.given_landmarks)) {
    std::cerr << "--alignment-variants needs fr_landmark and fr_feature, and no --given-landmarks\n";
    return 2;
  }
  std::vector<Emb> embs(names.size());
  std::atomic<int> failures{0};
  auto t0 = std::chrono::steady_clock::now();
  parallel_for(names.size(), 2, "lfw images", [&](size_t i) {
    cv::Mat img = cv::imread(o.data + "/images/" + names[i], cv::IMREAD_COLOR);
    if (img.empty()) { ++failures; return; }
    std::vector<PointF> l5;
    std::optional<RectF> box;
    if (o.given_landmarks && given.count(names[i])) {
      l5 = given[names[i]];
      embs[i].detected = true;
    } else {
      AnalyzeOptions ao;
      ao.embed = false;
      ao.quality = false;
      ao.min_face_size = 20;
      auto faces = an->analyze(img, ao);
      if (const Face* best = central_face(faces, img)) {
        l5 = best->landmarks5;
        box = best->box;
        embs[i].detected = true;
      } else {
        ++failures;
        // Still score the pair: landmarks from the fixed position of LFW's centred faces.
        l5 = {{106, 113}, {146, 113}, {126, 136}, {110, 157}, {142, 157}};
      }
    }
    if (o.align_variants) {
      std::vector<PointF> p1, p2;  // the analyzer's points are pass 2: redo both from the box
      if (box)
        if (auto r = lm->landmarker->landmarks68(img, *box)) p1 = std::move(*r);
      if (p1.size() == 68)
        if (auto r = lm->landmarker->landmarks68(img, crop_from_landmarks(p1, kFrLandmarkCropShape, false)))
          p2 = std::move(*r);
      for (const auto& v : kAlignVariants) {
        const auto& src = v.second_pass ? p2 : p1;
        std::vector<PointF> pts = src.size() == 68 ? variant_points(v, src) : l5;
        auto e = fr->embedder->embed(img, pts, o.flip);
        embs[i].var.push_back(e ? std::move(*e) : std::vector<float>{});
      }
    }
    if (fr) if (auto e = fr->embedder->embed(img, l5, o.flip)) embs[i].fr = std::move(*e);
    if (fa) if (auto e = fa->embedder->embed(img, l5, o.flip)) embs[i].fa = std::move(*e);
  });
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  auto index = [&](const std::string& n) {
    return size_t(std::lower_bound(names.begin(), names.end(), n) - names.begin());
  };
  std::vector<bool> same;
  std::vector<double> s_fr, s_fa, s_fused;
  for (const auto& p : pairs) {
    const Emb& a = embs[index(p.a)];
    const Emb& b = embs[index(p.b)];
    same.push_back(p.same);
    double c1 = cosine(a.fr, b.fr), c2 = cosine(a.fa, b.fa);
    s_fr.push_back(c1);
    s_fa.push_back(c2);
    auto fused = cosine(fuse_embeddings(a.fr, a.fa, kFusionWeights), fuse_embeddings(b.fr, b.fa, kFusionWeights));
    s_fused.push_back(fused);
  }
  Json per{};
  if (o.align_variants) {
    Json vj = Json::object();
    for (size_t k = 0; k < std::size(kAlignVariants); ++k) {
      std::vector<double> sv;
      for (const auto& p : pairs) sv.push_back(cosine(embs[index(p.a)].var[k], embs[index(p.b)].var[k]));
      vj[kAlignVariants[k].name] = metrics_json(verify_metrics(sv, same, folds));
    }
    per["fr-feature by alignment"] = vj;
  }
  if (fr) per["fr-feature"] = metrics_json(verify_metrics(s_fr, same, folds));
  if (fa) per["faceapi-resnet128"] = metrics_json(verify_metrics(s_fa, same, folds));
  if (fr && fa) per["fusion"] = metrics_json(verify_metrics(s_fused, same, folds));
  if (!o.dump_dir.empty() &&
      !dump_lfw_scores(o.dump_dir, names, embs, same, std::max<size_t>(1, pairs.size() / size_t(folds)), s_fr, s_fa,
                       s_fused))
    return 1;
  std::string key = o.fusion ? "fusion" : (primary.rfind("faceapi", 0) == 0 ? "faceapi-resnet128" : "fr-feature");
  if (!per.contains(key)) { std::cerr << "recogniser " << key << " not available\n"; return 1; }
  Json out = per[key];
  out["recognizer"] = key;
  out["failures"] = failures.load();
  out["pairs"] = pairs.size();
  out["images"] = names.size();
  out["seconds"] = secs;
  out["detector"] = o.given_landmarks ? "given-landmarks" : an->registry().active("detector");
  out["flip"] = o.flip;
  out["all"] = per;
  if (o.json) {
    std::cout << out.dump(2) << "\n";
  } else {
    std::printf("LFW %zu pairs, %zu images in %.1f s, detection failures %d (%s)\n", pairs.size(), names.size(), secs,
                failures.load(), out["detector"].get<std::string>().c_str());
    for (auto& [k, v] : per.items()) {
      if (!v.contains("accuracy")) continue;
      std::printf("  %-18s accuracy %.2f +- %.2f %%  TAR@FAR=1e-3 %.1f %%  AUC %.4f  threshold %.3f%s\n", k.c_str(),
                  100 * v["accuracy"].get<double>(), 100 * v["std"].get<double>(),
                  100 * v["tar_at_far_1e-3"].get<double>(), v["auc"].get<double>(), v["threshold"].get<double>(),
                  k == key ? "  <-" : "");
    }
    if (per.contains("fr-feature by alignment"))
      for (auto& [k, v] : per["fr-feature by alignment"].items())
        std::printf("  fr-feature, alignment %-26s accuracy %.2f +- %.2f %%  TAR@FAR=1e-3 %.1f %%  AUC %.4f\n",
                    k.c_str(), 100 * v["accuracy"].get<double>(), 100 * v["std"].get<double>(),
                    100 * v["tar_at_far_1e-3"].get<double>(), v["auc"].get<double>());
  }
  return 0;
}

// ---------------------------------------------------------------- eval landmarks
// Our 5 alignment points against LFW's given ones (landmarks_5pt.txt, the points the ArcFace
// template is defined for): error per point in inter-ocular distances, for the first landmark
// pass (crop from the detection box), a second pass re-centred on the first pass's points, and
// one also levelled by the eye line; each with several ways of reducing 68 points to 5.
int run_eval_landmarks(const CommonOpts& co, const std::string& data, bool json, int limit) {
  auto vc = load_vision_config(co);
  if (!vc) { std::cerr << "config: " << vc.error().message << "\n"; return 2; }
  std::vector<GivenPoints> items = read_given_points(data);
  if (items.empty()) { std::cerr << "no landmarks under " << data << "/landmarks_5pt.txt\n"; return 2; }
  if (limit > 0 && size_t(limit) < items.size()) {  // an even spread over the (alphabetical) list
    std::vector<GivenPoints> kept;
    for (int i = 0; i < limit; ++i) kept.push_back(items[size_t(i) * items.size() / size_t(limit)]);
    items = std::move(kept);
  }
  auto an = eval_analyzer(*vc, 1);
  if (!an) return 1;
  auto lm = an->registry().get(an->registry().active("landmarker"));
  if (!lm || !lm->landmarker) { std::cerr << "no landmarker\n"; return 1; }

  using Reduce = std::function<std::vector<PointF>(const std::vector<PointF>&)>;
  auto mean = [](const std::vector<PointF>& p, std::initializer_list<int> idx) {
    PointF m;
    for (int i : idx) { m.x += p[size_t(i)].x / float(idx.size()); m.y += p[size_t(i)].y / float(idx.size()); }
    return m;
  };
  const std::vector<std::pair<std::string, Reduce>> reductions = {
      {"default", [](const auto& p) { return five_from_68(p); }},
      {"eyes4,mouth48/54", [&](const auto& p) {
         return std::vector<PointF>{mean(p, {37, 38, 40, 41}), mean(p, {43, 44, 46, 47}), p[30], p[48], p[54]};
       }},
      {"eyes6,mouth-mean", [&](const auto& p) {
         return std::vector<PointF>{mean(p, {36, 37, 38, 39, 40, 41}), mean(p, {42, 43, 44, 45, 46, 47}), p[30],
                                    mean(p, {48, 60}), mean(p, {54, 64})};
       }},
      {"eyes6,mouth48/54", [&](const auto& p) {
         return std::vector<PointF>{mean(p, {36, 37, 38, 39, 40, 41}), mean(p, {42, 43, 44, 45, 46, 47}), p[30],
                                    p[48], p[54]};
       }},
  };
  // Pass 1 for every image first: the average placement of the face in the detector's crop is
  // what the second pass re-creates.
  struct Res { bool ok = false; std::vector<PointF> p1; LandmarkCrop c1; };
  std::vector<Res> res(items.size());
  parallel_for(items.size(), 2, "landmarks pass 1", [&](size_t i) {
    cv::Mat img = cv::imread(data + "/images/" + items[i].path, cv::IMREAD_COLOR);
    if (img.empty()) return;
    AnalyzeOptions ao;
    ao.detect_only = true;
    ao.min_face_size = 20;
    auto faces = an->analyze(img, ao);
    const Face* best = central_face(faces, img);
    if (!best) return;
    res[i].c1 = crop_from_box(best->box);
    if (auto p = lm->landmarker->landmarks68(img, res[i].c1)) { res[i].p1 = std::move(*p); res[i].ok = true; }
  });
  std::vector<float> sdx, sdy, srad;
  for (const auto& r : res)
    if (r.ok) {
      CropShape s = shape_in_crop(r.p1, r.c1);
      sdx.push_back(s.dx); sdy.push_back(s.dy); srad.push_back(s.radius);
    }
  if (sdx.empty()) { std::cerr << "no face found\n"; return 1; }
  auto median = [](std::vector<float> v) {
    std::nth_element(v.begin(), v.begin() + long(v.size() / 2), v.end());
    return v[v.size() / 2];
  };
  const CropShape measured{median(sdx), median(sdy), median(srad)};

  // Passes: 0 = first, 1 = re-centred, 2 = re-centred and levelled.
  const std::vector<std::string> pass_names = {"pass1", "recentred", "recentred+levelled"};
  std::vector<std::array<std::vector<PointF>, 3>> l68(items.size());
  parallel_for(items.size(), 2, "landmarks pass 2", [&](size_t i) {
    if (!res[i].ok) return;
    cv::Mat img = cv::imread(data + "/images/" + items[i].path, cv::IMREAD_COLOR);
    l68[i][0] = res[i].p1;
    for (int k = 1; k < 3; ++k)
      if (auto p = lm->landmarker->landmarks68(img, crop_from_landmarks(res[i].p1, measured, k == 2)))
        l68[i][size_t(k)] = std::move(*p);
  });
  Json out{{"images", items.size()}, {"found", sdx.size()},
           {"first_pass_shape", Json{{"dx", measured.dx}, {"dy", measured.dy}, {"radius", measured.radius}}},
           {"variants", Json::object()}};
  const char* point_names[5] = {"left_eye", "right_eye", "nose", "mouth_left", "mouth_right"};
  for (size_t k = 0; k < 3; ++k)
    for (const auto& [rname, reduce] : reductions) {
      // Per point: mean error, and mean signed error in the face's own axes (x along the eye line).
      std::array<double, 5> err{}, bx{}, by{};
      size_t n = 0;
      std::vector<double> per_image;
      for (size_t i = 0; i < items.size(); ++i) {
        if (l68[i][k].size() < 68) continue;
        const auto& g = items[i].l5;
        auto ours = reduce(l68[i][k]);
        double ex = g[1].x - g[0].x, ey = g[1].y - g[0].y, iod = std::hypot(ex, ey);
        if (iod <= 0) continue;
        ex /= iod; ey /= iod;
        double sum = 0;
        for (size_t j = 0; j < 5; ++j) {
          double dx = ours[j].x - g[j].x, dy = ours[j].y - g[j].y;
          err[j] += std::hypot(dx, dy) / iod;
          bx[j] += (dx * ex + dy * ey) / iod;
          by[j] += (-dx * ey + dy * ex) / iod;
          sum += std::hypot(dx, dy) / iod;
        }
        per_image.push_back(sum / 5);
        ++n;
      }
      if (!n) continue;
      std::sort(per_image.begin(), per_image.end());
      Json v{{"nme", std::accumulate(per_image.begin(), per_image.end(), 0.0) / double(n)},
             {"nme_p90", per_image[per_image.size() * 9 / 10]},
             {"over_0.1",
              double(per_image.end() - std::upper_bound(per_image.begin(), per_image.end(), 0.1)) / double(n)},
             {"points", Json::object()}};
      for (size_t j = 0; j < 5; ++j)
        v["points"][point_names[j]] =
            Json{{"error", err[j] / double(n)}, {"bias_x", bx[j] / double(n)}, {"bias_y", by[j] / double(n)}};
      out["variants"][pass_names[k] + " " + rname] = v;
    }
  if (json) {
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::printf("LFW 5-point error against landmarks_5pt.txt, %zu images (%zu found); first-pass face in crop: "
              "centroid %+.3f,%+.3f radius %.3f (crop sides)\n", items.size(), sdx.size(), measured.dx, measured.dy,
              measured.radius);
  std::printf("%-38s %7s %7s %7s   per point error (bias along/across the eye line), inter-ocular units\n",
              "variant", "NME", "p90", ">0.1");
  for (auto& [name, v] : out["variants"].items()) {
    std::printf("%-38s %7.4f %7.4f %6.1f%%  ", name.c_str(), v["nme"].get<double>(), v["nme_p90"].get<double>(),
                100 * v["over_0.1"].get<double>());
    for (const char* pn : point_names) {
      const auto& q = v["points"][pn];
      std::printf(" %.3f(%+.3f,%+.3f)", q["error"].get<double>(), q["bias_x"].get<double>(), q["bias_y"].get<double>());
    }
    std::printf("\n");
  }
  return 0;
}

// ---------------------------------------------------------------- eval widerface
struct GtImage {
  std::string path;
  std::vector<RectF> boxes;
};

std::vector<GtImage> read_wider_gt(const std::string& file) {
  std::vector<GtImage> out;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(".jpg") == std::string::npos) continue;
    GtImage g;
    g.path = line.substr(0, line.find_last_not_of(" \r\n\t") + 1);
    int n = 0;
    std::getline(in, line);
    n = std::atoi(line.c_str());
    for (int i = 0; i < std::max(n, 1); ++i) {
      std::getline(in, line);
      if (n == 0) break;  // "0" faces is followed by one dummy line
      std::istringstream ss(line);
      RectF r;
      ss >> r.x >> r.y >> r.w >> r.h;
      g.boxes.push_back(r);
    }
    out.push_back(std::move(g));
  }
  return out;
}

std::map<std::string, std::vector<int>> read_keep(const std::string& file) {
  std::map<std::string, std::vector<int>> out;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ss(line);
    std::string p;
    ss >> p;
    std::vector<int> idx;
    for (int i; ss >> i;) idx.push_back(i - 1);
    out[fs::path(p).filename().string()] = idx;
  }
  return out;
}

int run_eval_widerface(const CommonOpts& co, const std::string& images, const std::string& gt_file,
                       const std::string& keep_prefix, bool json, float threshold, float min_face) {
  auto vc = load_vision_config(co);
  if (!vc) { std::cerr << "config: " << vc.error().message << "\n"; return 2; }
  auto gts = read_wider_gt(gt_file);
  std::vector<GtImage> present;
  for (auto& g : gts)
    if (fs::exists(images + "/" + fs::path(g.path).filename().string())) present.push_back(g);
  if (present.empty()) { std::cerr << "no ground-truth image found under " << images << "\n"; return 2; }
  std::string prefix = keep_prefix.empty() ? (fs::path(gt_file).parent_path() / "wider_val_").string() : keep_prefix;
  std::map<std::string, std::map<std::string, std::vector<int>>> keep;
  for (const char* d : {"easy", "medium", "hard"}) keep[d] = read_keep(prefix + d + "_keep_indices.txt");

  auto an = eval_analyzer(*vc, 1);
  if (!an) return 1;
  std::vector<std::vector<Detection>> preds(present.size());
  auto t0 = std::chrono::steady_clock::now();
  parallel_for(present.size(), 2, "wider images", [&](size_t i) {
    cv::Mat img = cv::imread(images + "/" + fs::path(present[i].path).filename().string());
    AnalyzeOptions ao;
    ao.detect_only = true;
    ao.detection_threshold = threshold;
    ao.min_face_size = min_face;
    for (const auto& f : an->analyze(img, ao)) preds[i].push_back({f.box, f.score, {}});
  });
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  Json out{{"images", present.size()}, {"seconds", secs}, {"detector", an->registry().active("detector")}};
  for (const char* d : {"easy", "medium", "hard"}) {
    // WIDER protocol: gt boxes outside the difficulty's keep list are ignored (neither TP nor FP).
    std::vector<std::pair<float, int>> scored;  // score, 1 = TP, 0 = FP
    size_t n_pos = 0;
    bool have_keep = !keep[d].empty();
    for (size_t i = 0; i < present.size(); ++i) {
      const auto& g = present[i];
      std::vector<bool> counted(g.boxes.size(), !have_keep);
      auto it = keep[d].find(fs::path(g.path).filename().string());
      if (have_keep && it != keep[d].end())
        for (int k : it->second)
          if (k >= 0 && size_t(k) < counted.size()) counted[k] = true;
      n_pos += std::count(counted.begin(), counted.end(), true);
      std::vector<bool> used(g.boxes.size(), false);
      auto p = preds[i];
      std::sort(p.begin(), p.end(), [](auto& a, auto& b) { return a.score > b.score; });
      for (const auto& det : p) {
        int best = -1;
        float best_iou = 0.5f;
        for (size_t k = 0; k < g.boxes.size(); ++k) {
          float v = iou(det.box, g.boxes[k]);
          if (v >= best_iou && !used[k]) { best_iou = v; best = int(k); }
        }
        if (best < 0) { scored.push_back({det.score, 0}); continue; }
        used[size_t(best)] = true;
        if (counted[size_t(best)]) scored.push_back({det.score, 1});
      }
    }
    std::sort(scored.begin(), scored.end(), [](auto& a, auto& b) { return a.first > b.first; });
    // VOC-style AP: area under the interpolated precision-recall curve.
    std::vector<double> prec, rec;
    size_t tp = 0, fp = 0;
    for (auto& [s, t] : scored) {
      (t ? tp : fp)++;
      prec.push_back(double(tp) / (tp + fp));
      rec.push_back(n_pos ? double(tp) / n_pos : 0);
    }
    double ap = 0, prev_r = 0;
    for (size_t i = 0; i < prec.size(); ++i) {
      double pmax = *std::max_element(prec.begin() + long(i), prec.end());
      ap += (rec[i] - prev_r) * pmax;
      prev_r = rec[i];
    }
    out[std::string("ap_") + d] = ap;
    out[std::string("gt_") + d] = n_pos;
  }
  // Recall by face size (all gt boxes, larger side), at the chosen threshold.
  const std::vector<std::pair<int, int>> bins = {{0, 16}, {16, 32}, {32, 64}, {64, 128}, {128, 100000}};
  Json rec = Json::object();
  for (auto [lo, hi] : bins) {
    size_t n = 0, hit = 0;
    for (size_t i = 0; i < present.size(); ++i)
      for (const auto& b : present[i].boxes) {
        float s = std::max(b.w, b.h);
        if (s < lo || s >= hi) continue;
        ++n;
        for (const auto& det : preds[i])
          if (iou(det.box, b) >= 0.5f) { ++hit; break; }
      }
    rec[std::to_string(lo) + "-" + (hi > 10000 ? std::string("inf") : std::to_string(hi))] =
        Json{{"faces", n}, {"recall", n ? double(hit) / n : 0.0}};
  }
  out["recall_by_size"] = rec;
  if (json) std::cout << out.dump(2) << "\n";
  else {
    std::printf("WIDER FACE %zu images (%.1f s, %s): AP easy %.3f medium %.3f hard %.3f\n", present.size(), secs,
                out["detector"].get<std::string>().c_str(), out["ap_easy"].get<double>(),
                out["ap_medium"].get<double>(), out["ap_hard"].get<double>());
    for (auto& [k, v] : rec.items())
      std::printf("  size %-8s faces %4zu recall %.3f\n", k.c_str(), v["faces"].get<size_t>(), v["recall"].get<double>());
  }
  return 0;
}

// ---------------------------------------------------------------- eval sizes
// Detector recall by face size: LFW faces pasted at known sizes into real 1080p frames.
int run_eval_sizes(const CommonOpts& co, const std::string& lfw, const std::vector<std::string>& frame_files,
                   std::vector<int> sizes, std::vector<std::string> detectors, int frames_per_size, bool json,
                   float threshold, bool tiling) {
  auto vc = load_vision_config(co);
  if (!vc) { std::cerr << "config: " << vc.error().message << "\n"; return 2; }
  std::vector<cv::Mat> frames;
  for (const auto& f : frame_files) {
    cv::Mat m = cv::imread(f);
    if (m.empty()) continue;
    if (m.cols != 1920 || m.rows != 1080) cv::resize(m, m, cv::Size(1920, 1080));
    frames.push_back(m);
  }
  if (frames.empty()) { std::cerr << "no readable frames\n"; return 2; }
  // Faces: LFW images with their given 5 points (eye distance gives the face size).
  const std::vector<GivenPoints> faces = read_given_points(lfw, 2000);
  if (faces.empty()) { std::cerr << "no LFW landmarks under " << lfw << "\n"; return 2; }
  RegistryOptions ro;
  ro.warmup_runs = 1;
  auto reg = ModelRegistry::create(*vc, ro);
  if (!reg) { std::cerr << "vision: " << reg.error().message << "\n"; return 1; }

  // Build the test frames once: per size, frames_per_size frames with a grid of pasted faces.
  struct Truth { float cx, cy, size; };
  struct TestFrame { int size; cv::Mat img; std::vector<Truth> truth; };
  std::vector<TestFrame> tests;
  size_t next_face = 0;
  for (int s : sizes) {
    int cell_w = std::max(3 * s, 160), cell_h = std::max(3 * s, 160);
    int cols = 1920 / cell_w, rows = 1080 / cell_h;
    for (int k = 0; k < frames_per_size; ++k) {
      TestFrame t{s, frames[(size_t(k) + size_t(s)) % frames.size()].clone(), {}};
      for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) {
          const GivenPoints& src = faces[next_face++ % faces.size()];
          cv::Mat img = cv::imread(lfw + "/images/" + src.path);
          if (img.empty()) continue;
          float ex = (src.l5[0].x + src.l5[1].x) / 2, ey = (src.l5[0].y + src.l5[1].y) / 2;
          float mx = (src.l5[3].x + src.l5[4].x) / 2, my = (src.l5[3].y + src.l5[4].y) / 2;
          float eye_d = std::hypot(src.l5[1].x - src.l5[0].x, src.l5[1].y - src.l5[0].y);
          float face = 2.5f * eye_d, cx = (ex + mx) / 2, cy = (ey + my) / 2;
          float scale = s / face;
          cv::Mat small;
          cv::resize(img, small, cv::Size(), scale, scale, scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
          int ox = c * cell_w + cell_w / 2 - int(cx * scale), oy = r * cell_h + cell_h / 2 - int(cy * scale);
          cv::Rect dst(ox, oy, small.cols, small.rows);
          cv::Rect clip = dst & cv::Rect(0, 0, 1920, 1080);
          small(cv::Rect(clip.x - dst.x, clip.y - dst.y, clip.width, clip.height)).copyTo(t.img(clip));
          t.truth.push_back({ox + cx * scale, oy + cy * scale, float(s)});
        }
      tests.push_back(std::move(t));
    }
  }
  Json out{{"frames_per_size", frames_per_size}, {"threshold", threshold}, {"tiling", tiling},
           {"detectors", Json::object()}};
  for (const auto& id : detectors) {
    auto m = (*reg)->get(id);
    if (!m || !m->detector) { std::cerr << "detector " << id << " not available\n"; continue; }
    std::vector<size_t> hit(sizes.size(), 0), total(sizes.size(), 0);
    std::vector<double> ms(tests.size(), 0);
    std::mutex mu;
    parallel_for(tests.size(), 2, id.c_str(), [&](size_t i) {
      const auto& t = tests[i];
      DetectOptions dop{threshold, std::min(16.f, float(t.size)), tiling};
      auto t0 = std::chrono::steady_clock::now();
      auto d = m->detector->detect(t.img, dop);
      ms[i] = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      size_t si = size_t(std::find(sizes.begin(), sizes.end(), t.size) - sizes.begin());
      size_t h = 0;
      for (const auto& tr : t.truth) {
        for (const auto& x : d ? *d : std::vector<Detection>{}) {
          float dcx = x.box.x + x.box.w / 2, dcy = x.box.y + x.box.h / 2, ds = std::max(x.box.w, x.box.h);
          if (std::hypot(dcx - tr.cx, dcy - tr.cy) < 0.4f * tr.size && ds > 0.5f * tr.size && ds < 2.2f * tr.size) {
            ++h;
            break;
          }
        }
      }
      std::lock_guard lock(mu);
      hit[si] += h;
      total[si] += t.truth.size();
    });
    Json r = Json::object();
    for (size_t i = 0; i < sizes.size(); ++i)
      r[std::to_string(sizes[i])] = Json{{"faces", total[i]}, {"recall", total[i] ? double(hit[i]) / total[i] : 0.0}};
    std::sort(ms.begin(), ms.end());
    out["detectors"][id] = Json{{"recall_by_size", r}, {"ms_per_frame_p50", ms[ms.size() / 2]}};
    if (!json) {
      std::printf("%-18s", id.c_str());
      for (size_t i = 0; i < sizes.size(); ++i)
        std::printf("  %3dpx %5.1f%%", sizes[i], total[i] ? 100.0 * hit[i] / total[i] : 0.0);
      std::printf("   %.0f ms/frame\n", ms[ms.size() / 2]);
    }
  }
  if (json) std::cout << out.dump(2) << "\n";
  return 0;
}

}  // namespace

void add_vision_commands(CLI::App& app, const cli::GlobalOptions& global) {
  // Options live as long as the App: owned by shared_ptrs captured in the callbacks.
  auto co = std::make_shared<CommonOpts>();
  co->global = &global;

  auto* det = app.add_subcommand("detect", "detect faces in images");
  auto images = std::make_shared<std::vector<std::string>>();
  auto det_json = std::make_shared<bool>(false);
  auto det_draw = std::make_shared<std::string>();
  auto det_th = std::make_shared<float>(-1.f);
  auto det_min = std::make_shared<float>(-1.f);
  auto det_embed = std::make_shared<bool>(false);
  auto det_repeat = std::make_shared<int>(0);
  det->add_option("images", *images, "image files")->required();
  det->add_flag("--json", *det_json, "JSON output: {\"detections\": [per image]}");
  det->add_option("--draw", *det_draw, "write the image with boxes here (OUT-<name>.jpg for several)");
  det->add_option("--threshold", *det_th, "detection threshold (default vision.detection_threshold)");
  det->add_option("--min-face", *det_min, "smallest face in pixels (default vision.min_face_size)");
  det->add_flag("--embed", *det_embed, "also compute embeddings");
  det->add_option("--repeat", *det_repeat,
                  "timing: after one warm-up call, analyse each image N more times and report wall/CPU ms "
                  "(p50, p90, min)")
      ->check(CLI::NonNegativeNumber);
  add_common(det, *co);
  det->callback([=] {
    int rc = run_detect(*co, *images, *det_json, *det_draw, *det_th, *det_min, *det_embed, *det_repeat);
    if (rc) throw CLI::RuntimeError(rc);
  });

  auto* ev = app.add_subcommand("eval", "measure accuracy on evaluation data");
  ev->require_subcommand(1);
  auto* lfw = ev->add_subcommand("lfw", "LFW View-2 verification (10-fold)");
  auto lfw_opts = std::make_shared<LfwEvalOptions>();
  lfw->add_option("--data", lfw_opts->data, "directory with images/ and pairs.txt")->required();
  lfw->add_flag("--json", lfw_opts->json, "JSON output (accuracy, std, tar_at_far_1e-3, auc, failures)");
  lfw->add_flag("--fusion", lfw_opts->fusion, "report the fused recognisers");
  lfw->add_flag("--flip", lfw_opts->flip, "embed mirrored faces too");
  lfw->add_flag("--given-landmarks", lfw_opts->given_landmarks, "align from landmarks_5pt.txt instead of our detector");
  lfw->add_option("--pairs", lfw_opts->limit_pairs, "use only this many pairs (spread over the folds)");
  lfw->add_flag("--alignment-variants", lfw_opts->align_variants,
                "also score fr_feature with each 68->5 point / landmark-pass variant (docs/accuracy.md)");
  lfw->add_option("--dump", lfw_opts->dump_dir, "write scores.csv and embeddings.tsv to this directory");
  add_common(lfw, *co);
  lfw->callback([=] {
    int rc = run_eval_lfw(*co, *lfw_opts);
    if (rc) throw CLI::RuntimeError(rc);
  });

  auto* lmk = ev->add_subcommand("landmarks", "5-point landmark error against LFW's landmarks_5pt.txt");
  auto lmk_dir = std::make_shared<std::string>();
  auto lmk_json = std::make_shared<bool>(false);
  auto lmk_limit = std::make_shared<int>(0);
  lmk->add_option("--data", *lmk_dir, "directory with images/ and landmarks_5pt.txt")->required();
  lmk->add_flag("--json", *lmk_json, "JSON output");
  lmk->add_option("--images", *lmk_limit, "use only this many images (spread over the list)");
  add_common(lmk, *co);
  lmk->callback([=] {
    int rc = run_eval_landmarks(*co, *lmk_dir, *lmk_json, *lmk_limit);
    if (rc) throw CLI::RuntimeError(rc);
  });

  auto* wf = ev->add_subcommand("widerface", "WIDER FACE detection AP over the images present");
  auto wf_images = std::make_shared<std::string>();
  auto wf_gt = std::make_shared<std::string>();
  auto wf_keep = std::make_shared<std::string>();
  auto wf_json = std::make_shared<bool>(false);
  auto wf_th = std::make_shared<float>(0.3f);
  auto wf_min = std::make_shared<float>(10.f);
  wf->add_option("--images", *wf_images, "directory of WIDER val images")->required();
  wf->add_option("--gt", *wf_gt, "ground truth (wider_face_val_bbx_gt*.txt)")->required();
  wf->add_option("--keep-prefix", *wf_keep, "prefix of {easy,medium,hard}_keep_indices.txt (default: beside --gt)");
  wf->add_flag("--json", *wf_json, "JSON output");
  wf->add_option("--threshold", *wf_th, "detection threshold (low: AP needs the whole curve)");
  wf->add_option("--min-face", *wf_min, "smallest face in pixels (drives tiling)");
  add_common(wf, *co);
  wf->callback([=] {
    int rc = run_eval_widerface(*co, *wf_images, *wf_gt, *wf_keep, *wf_json, *wf_th, *wf_min);
    if (rc) throw CLI::RuntimeError(rc);
  });
  auto* sz = ev->add_subcommand("sizes", "detector recall by face size (LFW faces pasted into 1080p frames)");
  auto sz_lfw = std::make_shared<std::string>();
  auto sz_frames = std::make_shared<std::vector<std::string>>();
  auto sz_sizes = std::make_shared<std::vector<int>>(std::vector<int>{16, 24, 32, 48, 64, 96, 128});
  auto sz_dets = std::make_shared<std::vector<std::string>>(
      std::vector<std::string>{"ultraface-ms-ort", "ultraface-ort", "blazeface-ort", "dlib-hog", "haar"});
  auto sz_n = std::make_shared<int>(3);
  auto sz_json = std::make_shared<bool>(false);
  auto sz_th = std::make_shared<float>(0.6f);
  auto sz_no_tiling = std::make_shared<bool>(false);
  sz->add_option("--lfw", *sz_lfw, "LFW directory (images/ and landmarks_5pt.txt)")->required();
  sz->add_option("--frames", *sz_frames, "background frames (resized to 1920x1080)")->required();
  sz->add_option("--sizes", *sz_sizes, "face sizes in pixels")->delimiter(',');
  sz->add_option("--detectors", *sz_dets, "detector ids")->delimiter(',');
  sz->add_option("--frames-per-size", *sz_n, "test frames per size");
  sz->add_option("--threshold", *sz_th, "detection threshold");
  sz->add_flag("--json", *sz_json, "JSON output");
  sz->add_flag("--no-tiling", *sz_no_tiling, "whole frame only (to show what tiling adds)");
  add_common(sz, *co);
  sz->callback([=] {
    int rc = run_eval_sizes(*co, *sz_lfw, *sz_frames, *sz_sizes, *sz_dets, *sz_n, *sz_json, *sz_th, !*sz_no_tiling);
    if (rc) throw CLI::RuntimeError(rc);
  });
}

}  // namespace argus
