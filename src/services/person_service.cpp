#include "services/person_service.h"

#include <filesystem>

#include "core/time.h"
#include "core/validate.h"

namespace argus::services {

Status PersonService::apply(store::PersonRecord& p, const Json& body, bool creating) {
  JsonValidator v(body);
  auto name = v.str("name", creating, 1, 200);
  auto emp = v.str("employee_id", false, 0, 100);
  auto dept = v.str("department", false, 0, 200);
  auto meta = v.object("metadata", false);
  auto consent = v.boolean("consent_given", false);
  auto consent_date = v.str("consent_date", false, 0, 40);
  v.reject_unknown();
  if (consent_date && !consent_date->empty() && !parse_time_ms(*consent_date)) v.add("consent_date", "must be a date (YYYY-MM-DD)");
  if (!v.ok()) return v.error();
  if (name) p.name = *name;
  if (emp) p.employee_id = *emp;
  if (dept) p.department = *dept;
  if (meta) p.metadata = *meta;
  if (consent) p.consent_given = *consent;
  if (consent_date) p.consent_date = *consent_date;
  return {};
}

Result<store::PersonRecord> PersonService::create(const Json& body, const auth::Principal& who, const std::string& client) {
  store::PersonRecord p;
  if (auto st = apply(p, body, true); !st) return st.error();
  p = store_.create_person(p);
  audit_.record(who, "create", "person", std::to_string(p.id), client, "success", {{"name", p.name}});
  return p;
}

void PersonService::undo_create(int64_t id, const auth::Principal& who, const std::string& client) {
  store_.delete_person(id);
  audit_.record(who, "delete", "person", std::to_string(id), client, "success", {{"reason", "enrolment photos refused"}});
}

std::optional<store::ImageRecord> PersonService::image(int64_t person_id, int64_t image_id) {
  auto img = store_.image(image_id);
  if (!img || img->person_id != person_id) return std::nullopt;
  return img;
}

Result<store::PersonRecord> PersonService::update(int64_t id, const Json& body, const auth::Principal& who, const std::string& client) {
  auto p = store_.person(id);
  if (!p) return Error::make("NOT_FOUND", "Person not found");
  if (auto st = apply(*p, body, false); !st) return st.error();
  store_.update_person(*p);
  if (on_person_updated) on_person_updated(id);
  audit_.record(who, "update", "person", std::to_string(id), client, "success");
  return *store_.person(id);
}

Status PersonService::remove(int64_t id, const auth::Principal& who, const std::string& client) {
  auto images = store_.person_images(id);
  if (!store_.delete_person(id)) return Error::make("NOT_FOUND", "Person not found");
  std::error_code ec;
  for (const auto& img : images) std::filesystem::remove(blob_dir_ + "/" + img.path, ec);
  std::filesystem::remove(blob_dir_ + "/persons/" + std::to_string(id), ec);
  if (on_person_deleted) on_person_deleted(id);
  audit_.record(who, "delete", "person", std::to_string(id), client, "success");
  return {};
}

Json PersonService::to_json(const store::PersonRecord& p, bool with_images) {
  Json j = {{"id", p.id}, {"name", p.name}, {"employee_id", p.employee_id}, {"department", p.department},
            {"metadata", p.metadata}, {"consent", {{"given", p.consent_given}, {"date", p.consent_date}}},
            {"lastSeen", p.last_seen ? Json(iso8601_ms(*p.last_seen)) : Json(nullptr)},
            {"createdAt", iso8601_ms(p.created_at)}, {"updatedAt", iso8601_ms(p.updated_at)}};
  if (with_images) {
    Json imgs = Json::array();
    for (const auto& img : store_.person_images(p.id))
      imgs.push_back({{"id", img.id}, {"url", "/api/v1/persons/" + std::to_string(p.id) + "/images/" + std::to_string(img.id)},
                      {"quality", img.quality}, {"width", img.width}, {"height", img.height}});
    j["images"] = imgs;
  }
  return j;
}

}  // namespace argus::services
