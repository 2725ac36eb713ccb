#pragma once
// Enrolled persons: their fields, consent, and (through the enrolment service) their photos.
#include <functional>

#include "auth/principal.h"
#include "core/result.h"
#include "services/audit_service.h"
#include "store/store.h"

namespace argus::services {

class PersonService {
 public:
  PersonService(store::Store& store, AuditService& audit, std::string blob_dir)
      : store_(store), audit_(audit), blob_dir_(std::move(blob_dir)) {}

  // Validates the person fields of `body` (JSON, or multipart text fields turned into JSON).
  Result<store::PersonRecord> create(const Json& body, const auth::Principal& who, const std::string& client);
  Result<store::PersonRecord> update(int64_t id, const Json& body, const auth::Principal& who, const std::string& client);
  Status remove(int64_t id, const auth::Principal& who, const std::string& client);
  // Takes back a create() whose enrolment photos were refused: the person was never usable,
  // so the row goes (audited, with the reason) and nothing else is told.
  void undo_create(int64_t id, const auth::Principal& who, const std::string& client);
  std::optional<store::PersonRecord> get(int64_t id) { return store_.person(id); }
  // One of the person's photos; nullopt when there is none with that id, or it is another's.
  std::optional<store::ImageRecord> image(int64_t person_id, int64_t image_id);
  store::Page<store::PersonRecord> list(const store::PageRequest& p, const std::optional<std::string>& search) {
    return store_.list_persons(p, search);
  }
  Json to_json(const store::PersonRecord& p, bool with_images = true);
  const std::string& blob_dir() const { return blob_dir_; }

  // Called after a person or image is deleted, so the gallery drops the embeddings.
  std::function<void(int64_t person_id)> on_person_deleted;
  // Called after a person's fields changed, so live labels pick up a new name.
  std::function<void(int64_t person_id)> on_person_updated;

 private:
  Status apply(store::PersonRecord& p, const Json& body, bool creating);
  store::Store& store_;
  AuditService& audit_;
  std::string blob_dir_;
};

}  // namespace argus::services
