#include "services/recognition_service.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>

#include "auth/crypto.h"
#include "core/time.h"
#include "obs/metrics.h"
#include "recognition/image_decode.h"

namespace argus::services {

namespace fs = std::filesystem;

Json ImageVerdict::to_json() const {
  Json j = {{"index", index}, {"filename", filename}, {"ok", ok}, {"quality", quality}};
  if (!reason.empty()) j["reason"] = reason;
  if (!message.empty()) j["message"] = message;
  if (image_id) j["image_id"] = *image_id;
  if (duplicate_of) j["duplicate_of"] = *duplicate_of;
  return j;
}

RecognitionService::RecognitionService(store::Store& store, AuditService& audit, std::shared_ptr<vision::FaceAnalyzer> analyzer,
                                       RecognitionConfig config, std::string blob_dir)
    : store_(store),
      audit_(audit),
      analyzer_(std::move(analyzer)),
      config_(config),
      blob_dir_(std::move(blob_dir)),
      galleries_(config.gallery) {}

std::shared_ptr<Gallery> RecognitionService::gallery_for(const std::string& embedder_id, size_t dim) {
  auto g = galleries_.get_or_create(embedder_id, dim);
  if (!g) {
    spdlog::warn("gallery {}: {}", embedder_id, g.error().message);
    return nullptr;
  }
  return g.value();
}

Status RecognitionService::load_gallery() {
  size_t n = 0;
  for (const auto& e : store_.all_embeddings()) {
    if (e.vector.empty()) continue;
    auto g = gallery_for(e.model, e.vector.size());
    if (g && g->add(e.id, e.person_id, e.vector)) ++n;
  }
  gallery_changed();
  spdlog::info("gallery: {} embeddings loaded", n);
  obs::Registry::global().gauge_fn("argus_gallery_embeddings", "Enrolled embeddings in the in-memory gallery", {},
                                    [this] { return static_cast<double>(gallery_size()); });
  return {};
}

size_t RecognitionService::gallery_size() const {
  size_t n = 0;
  for (const auto& id : galleries_.embedder_ids())
    if (auto g = galleries_.get(id)) n += g->size();
  return n;
}

std::string RecognitionService::person_name(int64_t person_id) {
  {
    std::lock_guard lock(names_mu_);
    auto it = names_.find(person_id);
    if (it != names_.end()) return it->second;
  }
  auto p = store_.person(person_id);
  std::string name = p ? p->name : "";
  std::lock_guard lock(names_mu_);
  names_[person_id] = name;
  return name;
}

Identification RecognitionService::identify(const std::vector<float>& embedding, const std::string& embedder_id) {
  Identification out;
  if (embedding.empty() || !analyzer_) {
    out.decision = "no_embedding";
    return out;
  }
  std::string id = embedder_id.empty() ? analyzer_->active_embedder_id() : embedder_id;
  auto g = galleries_.get(id);
  if (!g || g->size() == 0) {
    out.decision = "empty_gallery";
    return out;
  }
  auto policy = config_.policy_for(analyzer_->threshold(id));
  auto m = match(*g, embedding, policy);
  out.similarity = m.similarity;
  out.second_best = m.second_best.value_or(0.f);
  switch (m.reason) {
    case MatchReason::Matched: out.decision = "matched"; break;
    case MatchReason::BelowThreshold: out.decision = "below_threshold"; break;
    case MatchReason::Ambiguous: out.decision = "ambiguous"; break;
    default: out.decision = "empty_gallery"; break;
  }
  if (m.person_id) {
    out.person_id = *m.person_id;
    out.name = person_name(*m.person_id);
  }
  return out;
}

ImageVerdict RecognitionService::check_one(int index, const Upload& photo, std::optional<int64_t> exclude_person, vision::Face* face_out) {
  ImageVerdict v;
  v.index = index;
  v.filename = photo.filename;
  DecodeLimits limits;
  auto img = decode_image(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(photo.bytes.data()), photo.bytes.size()), limits);
  if (!img) {
    v.reason = img.error().code == "IMAGE_TOO_LARGE" ? "image_too_large" : img.error().code == "IMAGE_TOO_SMALL" ? "too_small" : "not_an_image";
    v.message = img.error().message;
    return v;
  }
  auto check = analyzer_->check_enrol(img.value());
  if (check.face) v.quality = check.face->quality.score;
  if (!check.ok) {
    v.reason = check.reason;
    static const std::map<std::string, std::string> messages = {
        {"no_face", "No face was found in the photo"},
        {"multiple_faces", "More than one face: use a photo of this person alone"},
        {"too_small", "The face is too small: move closer or use a larger photo"},
        {"too_blurry", "The face is blurred"},
        {"too_dark", "The face is too dark"},
        {"too_bright", "The face is overexposed"},
        {"bad_pose", "The head is turned too far: face the camera"},
        {"low_quality", "The face quality is too low"}};
    auto it = messages.find(check.reason);
    v.message = it == messages.end() ? check.reason : it->second;
    return v;
  }
  v.ok = true;
  if (check.face && !check.face->embedding.empty()) {
    auto who = identify(check.face->embedding, check.face->embedder_id);
    if (who.person_id && (!exclude_person || *who.person_id != *exclude_person))
      v.duplicate_of = Json{{"person_id", *who.person_id}, {"name", who.name}, {"similarity", who.similarity}};
  }
  if (face_out && check.face) *face_out = *check.face;
  return v;
}

std::vector<ImageVerdict> RecognitionService::check(const std::vector<Upload>& photos, std::optional<int64_t> exclude_person) {
  std::vector<ImageVerdict> out;
  for (size_t i = 0; i < photos.size(); ++i) out.push_back(check_one(static_cast<int>(i), photos[i], exclude_person, nullptr));
  return out;
}

Result<std::vector<ImageVerdict>> RecognitionService::enrol(int64_t person_id, const std::vector<Upload>& photos,
                                                            const std::optional<auth::Principal>& who, const std::string& client) {
  if (!analyzer_) return Error::make("UNAVAILABLE", "Face models are not loaded: " + unavailable_reason_);
  if (photos.empty()) return Error::make("VALIDATION_ERROR", "At least one photo is required");
  std::vector<ImageVerdict> verdicts;
  std::vector<vision::Face> faces(photos.size());
  bool all_ok = true;
  for (size_t i = 0; i < photos.size(); ++i) {
    verdicts.push_back(check_one(static_cast<int>(i), photos[i], person_id, &faces[i]));
    all_ok = all_ok && verdicts.back().ok;
  }
  if (!all_ok) return verdicts;  // the caller answers 422 with these
  std::string dir = "persons/" + std::to_string(person_id);
  std::error_code ec;
  fs::create_directories(blob_dir_ + "/" + dir, ec);
  for (size_t i = 0; i < photos.size(); ++i) {
    const auto& bytes = photos[i].bytes;
    std::string sha = auth::sha256_hex(bytes);
    // Photos are re-encoded as JPEG: one format to serve, and no active content from uploads.
    auto img = decode_image(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
    auto jpeg = encode_jpeg(img.value(), 92);
    std::string rel = dir + "/" + sha.substr(0, 16) + "-" + auth::random_token(6) + ".jpg";
    std::string tmp = blob_dir_ + "/" + rel + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary);
      out.write(reinterpret_cast<const char*>(jpeg.data()), static_cast<std::streamsize>(jpeg.size()));
      if (!out) return Error::make("INTERNAL", "cannot write photo");
    }
    fs::rename(tmp, blob_dir_ + "/" + rel, ec);
    store::EmbeddingRecord e;
    e.person_id = person_id;
    e.model = faces[i].embedder_id;
    e.vector = faces[i].embedding;
    e.quality = faces[i].quality.score;
    store::ImageRecord rec{0, person_id, rel, sha, img->cols, img->rows, faces[i].quality.score, 0};
    std::vector<store::EmbeddingRecord> embs;
    if (!e.vector.empty()) embs.push_back(e);
    auto stored = store_.add_image(rec, embs);
    verdicts[i].image_id = stored.id;
    for (const auto& row : embs)
      if (auto g = gallery_for(row.model, row.vector.size())) (void)g->add(row.id, person_id, row.vector);
    audit_.record(who, "create", "person_image", std::to_string(stored.id), client, "success", {{"person_id", person_id}});
  }
  {
    std::lock_guard lock(names_mu_);
    names_.erase(person_id);
  }
  gallery_changed();  // after the names: a re-identification reads the new name
  return verdicts;
}

Status RecognitionService::delete_image(int64_t person_id, int64_t image_id, const std::optional<auth::Principal>& who,
                                        const std::string& client) {
  auto img = store_.image(image_id);
  if (!img || img->person_id != person_id) return Error::make("NOT_FOUND", "Image not found");
  auto embedding_ids = store_.embedding_ids_for_image(image_id);
  store_.delete_image(image_id);
  for (const auto& id : galleries_.embedder_ids())
    if (auto g = galleries_.get(id))
      for (auto eid : embedding_ids) g->remove(eid);
  gallery_changed();
  std::error_code ec;
  fs::remove(blob_dir_ + "/" + img->path, ec);
  audit_.record(who, "delete", "person_image", std::to_string(image_id), client, "success", {{"person_id", person_id}});
  return {};
}

void RecognitionService::forget_person(int64_t person_id) {
  for (const auto& id : galleries_.embedder_ids())
    if (auto g = galleries_.get(id)) g->remove_person(person_id);
  person_renamed(person_id);
}

void RecognitionService::person_renamed(int64_t person_id) {
  {
    std::lock_guard lock(names_mu_);
    names_.erase(person_id);
  }
  gallery_changed();  // open tracks re-vote and read the name afresh
}

namespace {

FaceObservation to_observation(const vision::Face& f) {
  FaceObservation o;
  o.box = f.box;
  o.score = f.score;
  if (f.landmarks5.size() == 5) {
    for (size_t i = 0; i < 5; ++i) o.landmarks[i] = f.landmarks5[i];
    o.has_landmarks = true;
  }
  o.embedding = f.embedding;
  o.quality = f.quality.score;
  o.pose = FacePose{f.quality.yaw, f.quality.pitch, f.quality.roll};
  return o;
}

std::vector<FaceObservation> to_observations(const std::vector<vision::Face>& faces) {
  std::vector<FaceObservation> out;
  out.reserve(faces.size());
  for (const auto& f : faces) out.push_back(to_observation(f));
  return out;
}

// Adapts the vision FaceAnalyzer to the pipeline's FrameAnalyzer seam.
class LiveAnalyzer final : public FrameAnalyzer {
 public:
  explicit LiveAnalyzer(vision::FaceAnalyzer& a) : a_(a) {}
  AnalysisResult analyze(const Frame& frame) override { return run(frame, {}); }
  AnalysisResult analyze_live(const Frame& frame, const AnalysisHooks& hooks) override {
    vision::AnalyzeOptions opts;
    opts.detection_threshold = hooks.limits.min_confidence;
    opts.min_face_size = hooks.limits.min_face_size;
    opts.max_faces = hooks.limits.max_faces;
    if (hooks.detected)
      opts.on_detected = [&hooks](const std::vector<vision::Face>& faces) { hooks.detected(to_observations(faces)); };
    if (hooks.wanted)
      opts.embed_filter = [&hooks](const std::vector<vision::Face>& faces) { return hooks.wanted(to_observations(faces)); };
    return run(frame, opts);
  }

 private:
  AnalysisResult run(const Frame& frame, const vision::AnalyzeOptions& opts) {
    vision::AnalyzeTrace trace;
    auto faces = a_.analyze(frame.bgr, opts, &trace);
    AnalysisResult out;
    out.timings_ms = trace.timings_ms;
    out.faces = to_observations(faces);
    return out;
  }

  vision::FaceAnalyzer& a_;
};

}  // namespace

std::shared_ptr<FrameAnalyzer> RecognitionService::frame_analyzer() {
  if (!analyzer_) return nullptr;
  return std::make_shared<LiveAnalyzer>(*analyzer_);
}

IdentityMatcher RecognitionService::identity_matcher() {
  return IdentityMatcher(
      [this](const std::vector<float>& embedding) -> std::optional<IdentityMatch> {
        auto who = identify(embedding);
        if (!who.person_id) return std::nullopt;
        return IdentityMatch{*who.person_id, static_cast<float>(who.similarity), who.name};
      },
      [this] { return gallery_generation(); });
}

}  // namespace argus::services
