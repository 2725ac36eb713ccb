#pragma once
// RecognitionService: the one owner of the face analyzer and the gallery. Enrolment, image
// removal and identification go through it, and it hands the live pipeline its analyzer and
// identity matcher, so push-mode frames, live cameras and enrolment share one set of models,
// one gallery and one set of metrics.
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "auth/principal.h"
#include "core/result.h"
#include "pipeline/analysis.h"
#include "recognition/gallery.h"
#include "recognition/matcher.h"
#include "recognition/recognition_config.h"
#include "services/audit_service.h"
#include "store/store.h"
#include "tracking/tracker.h"
#include "vision/face_analyzer.h"

namespace argus::services {

// One uploaded photo (multipart part or a file read by the CLI).
struct Upload {
  std::string filename;
  std::string bytes;
};

// docs/api.md "image verdict".
struct ImageVerdict {
  int index = 0;
  std::string filename;
  bool ok = false;
  std::string reason;  // no_face | multiple_faces | too_small | too_blurry | too_dark | too_bright | bad_pose | low_quality | not_an_image | image_too_large
  std::string message;
  double quality = 0;
  std::optional<int64_t> image_id;
  std::optional<Json> duplicate_of;  // {person_id, name, similarity}: already enrolled as someone else
  Json to_json() const;
};

// The outcome of identifying one face against the gallery.
struct Identification {
  std::optional<int64_t> person_id;
  std::string name;
  double similarity = 0;
  double second_best = 0;
  std::string decision;  // matched | below_threshold | ambiguous | empty_gallery | no_embedding
};

class RecognitionService {
 public:
  // analyzer may be null (models not fetched): enrolment and analysis then answer UNAVAILABLE.
  RecognitionService(store::Store& store, AuditService& audit, std::shared_ptr<vision::FaceAnalyzer> analyzer,
                     RecognitionConfig config, std::string blob_dir);

  bool available() const { return analyzer_ != nullptr; }
  std::string unavailable_reason() const { return unavailable_reason_; }
  void set_unavailable_reason(std::string why) { unavailable_reason_ = std::move(why); }
  vision::FaceAnalyzer* analyzer() { return analyzer_.get(); }

  // Loads every stored embedding into the gallery (at start).
  Status load_gallery();
  size_t gallery_size() const;

  // Checks every photo; when all pass, stores them with their embeddings for `person_id`
  // and adds them to the gallery. All-or-nothing: one bad photo stores none (422).
  // Returns the verdicts either way; ok() tells whether they were stored.
  Result<std::vector<ImageVerdict>> enrol(int64_t person_id, const std::vector<Upload>& photos,
                                          const std::optional<auth::Principal>& who, const std::string& client);
  // Only the verdicts, storing nothing (used before a person row exists).
  std::vector<ImageVerdict> check(const std::vector<Upload>& photos, std::optional<int64_t> exclude_person = {});
  Status delete_image(int64_t person_id, int64_t image_id, const std::optional<auth::Principal>& who, const std::string& client);
  void forget_person(int64_t person_id);  // after the store deleted the person
  void person_renamed(int64_t person_id);  // after the store changed the person's fields

  Identification identify(const std::vector<float>& embedding, const std::string& embedder_id = "");
  std::string person_name(int64_t person_id);

  // For the live pipeline (thread-safe). The matcher carries gallery_generation(), so the
  // trackers re-identify their open tracks after every gallery change.
  std::shared_ptr<FrameAnalyzer> frame_analyzer();
  IdentityMatcher identity_matcher();
  // Bumped after every change of the gallery (load, enrolment, image or person removal).
  uint64_t gallery_generation() const { return gallery_generation_.load(std::memory_order_acquire); }

 private:
  std::shared_ptr<Gallery> gallery_for(const std::string& embedder_id, size_t dim);
  ImageVerdict check_one(int index, const Upload& photo, std::optional<int64_t> exclude_person, vision::Face* face_out);

  store::Store& store_;
  AuditService& audit_;
  std::shared_ptr<vision::FaceAnalyzer> analyzer_;
  RecognitionConfig config_;
  std::string blob_dir_;
  std::string unavailable_reason_;
  GallerySet galleries_;
  std::atomic<uint64_t> gallery_generation_{0};
  void gallery_changed() { gallery_generation_.fetch_add(1, std::memory_order_acq_rel); }
  std::mutex names_mu_;
  std::unordered_map<int64_t, std::string> names_;
};

}  // namespace argus::services
