#include "vision/face_analyzer.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>

#include "core/log.h"
#include "vision/alignment.h"

namespace argus::vision {
namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

std::string family_of(const std::string& embedder_id) {
  // "fr-feature-ort" -> "fr-feature"; "faceapi-resnet128-opencv" -> "faceapi-resnet128"
  for (const char* suffix : {"-ort", "-opencv"}) {
    std::string s(suffix);
    if (embedder_id.size() > s.size() && embedder_id.compare(embedder_id.size() - s.size(), s.size(), s) == 0)
      return embedder_id.substr(0, embedder_id.size() - s.size());
  }
  return embedder_id;
}

}  // namespace

Result<std::shared_ptr<FaceAnalyzer>> FaceAnalyzer::create(const VisionConfig& config, const RegistryOptions& opts) {
  auto reg = ModelRegistry::create(config, opts);
  if (!reg) return reg.error();
  return std::make_shared<FaceAnalyzer>(std::move(*reg), config);
}

FaceAnalyzer::FaceAnalyzer(std::shared_ptr<ModelRegistry> registry, VisionConfig config)
    : registry_(std::move(registry)), config_(std::move(config)), thresholds_(QualityThresholds::from(config_)) {
  int helpers = config_.frame_threads;
  if (helpers < 0) helpers = std::max(0, static_cast<int>(std::thread::hardware_concurrency()) - 1);
  if (helpers > 0) frame_helpers_ = std::make_unique<ParallelFor>(helpers);
}

AnalyzeOptions FaceAnalyzer::default_options() const {
  AnalyzeOptions o;
  o.fusion = config_.fusion;
  return o;
}

std::string FaceAnalyzer::active_embedder_id() const { return family_of(registry_->active("recognizer")); }

float FaceAnalyzer::threshold(const std::string& embedder_id) const {
  if (config_.recognition_threshold > 0) return config_.recognition_threshold;
  std::string id = embedder_id.empty() ? active_embedder_id() : embedder_id;
  if (id.rfind("fusion", 0) == 0) return kFusionThreshold;
  if (family_of(id) == "faceapi-resnet128") return kFaceApiThreshold;
  return kFrFeatureThreshold;
}

std::vector<Face> FaceAnalyzer::analyze(const cv::Mat& bgr, const AnalyzeOptions& opts, AnalyzeTrace* trace) const {
  auto r = try_analyze(bgr, opts, trace);
  if (!r) {
    spdlog::warn("vision: analyze failed: {}", r.error().message);
    return {};
  }
  return std::move(r).value();
}

Result<std::vector<Face>> FaceAnalyzer::try_analyze(const cv::Mat& bgr_in, const AnalyzeOptions& opts,
                                                    AnalyzeTrace* trace) const {
  AnalyzeTrace local;
  AnalyzeTrace& tr = trace ? *trace : local;
  auto t_total = Clock::now();
  if (bgr_in.empty()) return std::vector<Face>{};
  cv::Mat bgr = bgr_in;
  if (bgr.channels() == 1) cv::cvtColor(bgr_in, bgr, cv::COLOR_GRAY2BGR);
  else if (bgr.channels() == 4) cv::cvtColor(bgr_in, bgr, cv::COLOR_BGRA2BGR);

  // Runs `fn` on each model of the chain until one succeeds; records which ran.
  // The per-face steps call it from the frame's helper threads too: tr_mu guards the trace.
  std::mutex tr_mu;
  auto run_chain = [&](const std::string& task, const std::vector<std::shared_ptr<const LoadedModel>>& chain,
                       auto&& fn) -> Status {
    std::string last_error = "no model available for " + task;
    for (size_t i = 0; i < chain.size(); ++i) {
      Status st = fn(*chain[i]);
      std::lock_guard lock(tr_mu);
      if (st) {
        tr.models[task] = chain[i]->info.id;
        if (i > 0) tr.fallback_used = true;
        return {};
      }
      last_error = chain[i]->info.id + ": " + st.error().message;
      tr.notes.push_back(last_error);
    }
    return Error::make("MODEL_ERROR", last_error);
  };
  // One frame's independent per-face steps run on its helper threads (vision.frame_threads)
  // beside this one; without helpers, in order on this thread.
  auto each_face = [&](size_t n, const std::function<void(size_t)>& fn) {
    if (frame_helpers_) frame_helpers_->run(n, fn);
    else for (size_t i = 0; i < n; ++i) fn(i);
  };
  auto chain_for = [&](const std::string& task, const std::string& wanted) {
    if (!wanted.empty()) {
      if (auto m = registry_->get(wanted); m && m->info.task == task) {
        auto c = registry_->chain(task);
        c.insert(c.begin(), m);
        return c;
      }
    }
    return registry_->chain(task);
  };

  // 1. Detection
  DetectOptions dop;
  dop.threshold = opts.detection_threshold >= 0 ? opts.detection_threshold : config_.detection_threshold;
  dop.min_face_size = opts.min_face_size >= 0 ? opts.min_face_size : config_.min_face_size;
  dop.parallel = frame_helpers_.get();
  std::vector<Detection> dets;
  auto t0 = Clock::now();
  Status st = run_chain("detector", chain_for("detector", opts.detector), [&](const LoadedModel& m) -> Status {
    auto r = m.detector->detect(bgr, dop);
    if (!r) return r.error();
    dets = std::move(*r);
    return {};
  });
  tr.timings_ms["detect"] = ms_since(t0);
  if (!st) return st.error();
  std::sort(dets.begin(), dets.end(), [](const Detection& a, const Detection& b) { return a.box.area() > b.box.area(); });
  if (opts.max_faces > 0 && int(dets.size()) > opts.max_faces) dets.resize(size_t(opts.max_faces));

  std::vector<Face> faces;
  faces.reserve(dets.size());
  for (const auto& d : dets) {
    Face f;
    f.box = d.box;
    f.score = d.score;
    f.landmarks5 = d.keypoints;
    faces.push_back(std::move(f));
  }
  if (opts.on_detected) opts.on_detected(faces);
  if (opts.detect_only) {
    tr.timings_ms["total"] = ms_since(t_total);
    return faces;
  }

  // 2. Landmarks (68 -> 5), unless the detector's keypoints are to be used.
  auto lm_chain = registry_->chain("landmarker");
  double t_lm = 0, t_align = 0, t_q = 0, t_emb = 0, t_attr = 0;
  std::vector<std::shared_ptr<const LoadedModel>> emb_chain;
  std::shared_ptr<const LoadedModel> fa_model, fr_model;
  if (opts.embed) {
    if (opts.fusion) {
      fr_model = registry_->get("fr-feature-ort");
      if (!fr_model) fr_model = registry_->get("fr-feature-opencv");
      fa_model = registry_->get("faceapi-resnet128-ort");
      if (!fa_model) fa_model = registry_->get("faceapi-resnet128-opencv");
      if (!fr_model || !fa_model) return Error::make("MODEL_ERROR", "fusion needs both recognisers");
    } else {
      emb_chain = chain_for("recognizer", opts.embedder);
    }
  }
  auto live = opts.liveness ? registry_->get(registry_->active("liveness")) : nullptr;
  auto pose_m = opts.pose ? registry_->get(registry_->active("pose")) : nullptr;

  // The second landmark pass sharpens alignment for the embedder (LFW 99.08 -> 99.20 %); with an
  // embed_filter (the live path) it runs only for the faces that get embedded, after the filter:
  // the others keep their first-pass points, which are good enough for quality and overlays,
  // and a settled track's face costs one fr_landmark forward instead of two.
  const bool defer_second_pass = opts.embed && static_cast<bool>(opts.embed_filter);
  // The landmarker that gave each face its points (lm_chain keeps it alive for this call).
  std::vector<const LoadedModel*> lm_used(faces.size(), nullptr);
  auto second_pass = [&](const LoadedModel& m, Face& f) {
    if (f.landmarks68.size() != 68) return;
    // A crop re-centred on the first pass's points: placed as the detector's crops place faces
    // on average (docs/accuracy.md "Alignment").
    if (auto r2 = m.landmarker->landmarks68(bgr, crop_from_landmarks(f.landmarks68, kFrLandmarkCropShape, false))) {
      f.landmarks68 = std::move(*r2);
      f.landmarks5 = five_from_68(f.landmarks68);
    }
  };
  // Per face: the time of each step, summed over faces (over threads, with helpers).
  struct FaceTimes {
    double lm = 0, align = 0, q = 0, attr = 0;
  };
  std::vector<FaceTimes> times(faces.size());
  std::vector<Status> face_status(faces.size());
  each_face(faces.size(), [&](size_t i) {
    Face& f = faces[i];
    FaceTimes& t = times[i];
    auto t1 = Clock::now();
    if (opts.landmarks || f.landmarks5.size() < 5) {
      Status ls = run_chain("landmarker", lm_chain, [&](const LoadedModel& m) -> Status {
        auto r = m.landmarker->landmarks68(bgr, f.box);
        if (!r) return r.error();
        f.landmarks68 = std::move(*r);
        f.landmarks5 = five_from_68(f.landmarks68);
        lm_used[i] = &m;
        if (!defer_second_pass) second_pass(m, f);
        return {};
      });
      if (!ls) {
        face_status[i] = ls.error();
        return;
      }
    }
    t.lm += ms_since(t1);

    if (opts.pose && pose_m) {
      auto t5 = Clock::now();
      if (auto p = pose_m->pose->estimate(bgr, f.box)) f.pose = *p;
      t.attr += ms_since(t5);
    }
    if (opts.quality) {
      auto t2 = Clock::now();
      cv::Mat aligned = align_arcface(bgr, f.landmarks5);
      t.align += ms_since(t2);
      auto t3 = Clock::now();
      f.quality = assess_quality(aligned, f.box, f.landmarks5, f.pose, thresholds_);
      t.q += ms_since(t3);
    }
  });
  for (size_t i = 0; i < faces.size(); ++i) {
    if (!face_status[i]) return face_status[i].error();
    t_lm += times[i].lm;
    t_align += times[i].align;
    t_q += times[i].q;
    t_attr += times[i].attr;
  }
  if (opts.pose && pose_m && !faces.empty()) tr.models["pose"] = pose_m->info.id;

  // 3. Embeddings, for the faces the caller still needs (all unless opts.embed_filter says).
  std::vector<bool> embed(faces.size(), opts.embed);
  if (opts.embed && opts.embed_filter) {
    embed = opts.embed_filter(faces);
    if (embed.size() != faces.size())
      return Error::make("INTERNAL", "embed_filter answered " + std::to_string(embed.size()) + " flags for " +
                                         std::to_string(faces.size()) + " faces");
  }
  if (defer_second_pass) {
    std::vector<double> t_pass(faces.size(), 0.0);
    each_face(faces.size(), [&](size_t i) {
      if (!embed[i] || !lm_used[i]) return;
      auto t1 = Clock::now();
      second_pass(*lm_used[i], faces[i]);
      t_pass[i] = ms_since(t1);
    });
    for (double t : t_pass) t_lm += t;
  }
  // One batch per frame: a recogniser whose model takes a batch runs the faces in one call.
  std::vector<size_t> to_embed;
  std::vector<std::vector<PointF>> l5s;
  for (size_t i = 0; i < faces.size(); ++i)
    if (embed[i]) {
      to_embed.push_back(i);
      l5s.push_back(faces[i].landmarks5);
    }
  // On the CPU with helpers, one call per face spread over them (a CPU backend runs one face
  // per call anyway, docs/benchmarks.md "Vision"); otherwise the frame's faces in one batch,
  // which is what a GPU wants.
  auto embed_all = [&](const LoadedModel& m) -> Result<std::vector<std::vector<float>>> {
    Embedder& e = *m.embedder;
    if (!frame_helpers_ || l5s.size() < 2 || m.info.device != "cpu") return e.embed_batch(bgr, l5s, opts.flip);
    std::vector<std::vector<float>> out(l5s.size());
    std::vector<Status> st(l5s.size());
    frame_helpers_->run(l5s.size(), [&](size_t k) {
      auto r = e.embed_batch(bgr, {l5s[k]}, opts.flip);
      if (!r) st[k] = r.error();
      else out[k] = std::move(r->at(0));
    });
    for (auto& s : st)
      if (!s) return s.error();
    return out;
  };
  if (!to_embed.empty()) {
    auto t4 = Clock::now();
    if (opts.fusion) {
      auto a = embed_all(*fr_model);
      if (!a) return a.error();
      auto b = embed_all(*fa_model);
      if (!b) return b.error();
      for (size_t k = 0; k < to_embed.size(); ++k) {
        faces[to_embed[k]].embedding = fuse_embeddings((*a)[k], (*b)[k], kFusionWeights);
        faces[to_embed[k]].embedder_id = kFusionEmbedderId;
      }
      tr.models["recognizer"] = std::string("fusion:") + fr_model->info.id + "+" + fa_model->info.id;
    } else {
      std::string used;
      std::vector<std::vector<float>> es;
      Status es_status = run_chain("recognizer", emb_chain, [&](const LoadedModel& m) -> Status {
        auto r = embed_all(m);
        if (!r) return r.error();
        es = std::move(*r);
        used = m.info.id;
        return {};
      });
      if (!es_status) return es_status.error();
      for (size_t k = 0; k < to_embed.size(); ++k) {
        faces[to_embed[k]].embedding = std::move(es[k]);
        faces[to_embed[k]].embedder_id = family_of(used);
      }
    }
    t_emb += ms_since(t4);
  }
  for (size_t i = 0; i < faces.size(); ++i) {
    Face& f = faces[i];
    if (live) {
      auto t6 = Clock::now();
      if (auto p = live->liveness->live_probability(bgr, f.box)) f.liveness = *p;
      tr.models["liveness"] = live->info.id;
      t_attr += ms_since(t6);
    }
  }
  tr.timings_ms["landmarks"] = t_lm;
  tr.timings_ms["align"] = t_align;
  tr.timings_ms["quality"] = t_q;
  tr.timings_ms["embed"] = t_emb;
  if (opts.liveness || opts.pose) tr.timings_ms["attributes"] = t_attr;
  tr.timings_ms["total"] = ms_since(t_total);
  return faces;
}

EnrolCheck FaceAnalyzer::check_enrol(const cv::Mat& bgr, const AnalyzeOptions& opts_in) const {
  EnrolCheck out;
  AnalyzeOptions opts = opts_in;
  opts.quality = true;
  // Enrolment photos may hold faces smaller than the live minimum; judge size by quality instead.
  opts.min_face_size = std::min(config_.min_face_size, 16.f);
  auto faces = analyze(bgr, opts);
  out.faces_found = int(faces.size());
  if (faces.empty()) {
    out.reason = "no_face";
    return out;
  }
  // analyze() sorts by area, largest first.
  out.face = faces[0];
  if (faces.size() > 1 && faces[1].box.area() >= 0.4f * faces[0].box.area()) {
    out.reason = "multiple_faces";
    return out;
  }
  out.reason = faces[0].quality.reason;
  out.ok = out.reason.empty();
  return out;
}

void draw_faces(cv::Mat& img, const std::vector<Face>& faces) {
  for (const auto& f : faces) {
    cv::Rect r(int(f.box.x), int(f.box.y), int(f.box.w), int(f.box.h));
    cv::rectangle(img, r, cv::Scalar(0, 255, 0), 2);
    for (const auto& p : f.landmarks5) cv::circle(img, cv::Point(int(p.x), int(p.y)), 2, cv::Scalar(0, 0, 255), -1);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", f.score);
    cv::putText(img, buf, cv::Point(r.x, std::max(10, r.y - 4)), cv::FONT_HERSHEY_SIMPLEX, 0.5, cv::Scalar(0, 255, 0), 1);
  }
}

Json face_to_json(const Face& f, bool with_embedding) {
  Json j{{"bbox", {{"x", f.box.x}, {"y", f.box.y}, {"width", f.box.w}, {"height", f.box.h}}}, {"confidence", f.score}};
  Json lm = Json::array();
  for (const auto& p : f.landmarks5) lm.push_back({p.x, p.y});
  j["landmarks"] = lm;
  const Quality& q = f.quality;
  j["quality"] = {{"score", q.score}, {"sharpness", q.sharpness}, {"brightness", q.brightness}, {"size", q.size},
                  {"yaw", q.yaw}, {"pitch", q.pitch}, {"roll", q.roll}, {"reason", q.reason}};
  if (f.pose) j["pose"] = {{"yaw", f.pose->yaw}, {"pitch", f.pose->pitch}, {"roll", f.pose->roll}};
  if (f.liveness) j["liveness"] = *f.liveness;
  if (!f.embedder_id.empty()) j["embedder"] = f.embedder_id;
  if (with_embedding) j["embedding"] = f.embedding;
  return j;
}

Json trace_to_json(const AnalyzeTrace& t) {
  Json j{{"timings_ms", t.timings_ms}, {"models", t.models}, {"fallback_used", t.fallback_used}};
  if (!t.notes.empty()) j["notes"] = t.notes;
  return j;
}

}  // namespace argus::vision
