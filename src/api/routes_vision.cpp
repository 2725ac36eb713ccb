// Routes that need the face models: enrolment with photos, person images, model registry.
#include "api/routes_vision.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "api/multipart.h"
#include "api/schema.h"
#include "core/validate.h"

namespace argus::api {

namespace {

using schema::kObj;

// Splits multipart parts into person fields (as JSON, typed like the JSON API) and photos.
Result<std::pair<Json, std::vector<services::Upload>>> read_enrol_form(const Request& req) {
  auto parts = parse_multipart(req.header(http::field::content_type), req.body());
  if (!parts) return parts.error();
  Json fields = Json::object();
  std::vector<services::Upload> photos;
  Error bad = Error::make("VALIDATION_ERROR", "Invalid input data");
  for (auto& p : *parts) {
    if (p.name == "images" || p.name == "images[]") {
      if (photos.size() >= 20) {
        bad.details["images"].push_back("at most 20 photos per request");
        continue;
      }
      photos.push_back({p.filename.value_or("photo" + std::to_string(photos.size() + 1)), std::move(p.data)});
    } else if (p.name == "consent_given") {
      fields[p.name] = p.data == "true" || p.data == "1" || p.data == "on";
    } else if (p.name == "metadata") {
      auto j = Json::parse(p.data, nullptr, false);
      if (!j.is_object()) bad.details["metadata"].push_back("must be a JSON object");
      else fields["metadata"] = j;
    } else {
      if (!is_clean_text(p.data)) bad.details[p.name].push_back("contains invalid characters");
      else fields[p.name] = p.data;
    }
  }
  if (!bad.details.empty()) return bad;
  return std::make_pair(std::move(fields), std::move(photos));
}

Response unprocessable(const std::vector<services::ImageVerdict>& verdicts) {
  Json list = Json::array();
  int failed = 0;
  for (const auto& v : verdicts) {
    list.push_back(v.to_json());
    failed += v.ok ? 0 : 1;
  }
  Response r;
  r.status = 422;
  r.body = Json{{"success", false},
                {"error", {{"code", "UNPROCESSABLE"},
                           {"message", std::to_string(failed) + " of " + std::to_string(verdicts.size()) +
                                           " photos cannot be used; nothing was stored"},
                           {"details", {{"images", list}}}}}}
               .dump();
  return r;
}

Json verdicts_json(const std::vector<services::ImageVerdict>& verdicts) {
  Json list = Json::array();
  for (const auto& v : verdicts) list.push_back(v.to_json());
  return list;
}

}  // namespace

void add_vision_routes(ApiApp& app, services::RecognitionService& rec) {
  Router& r = app.router();
  AppContext& c = app.context();
  using V = http::verb;
  auto supervisor = std::optional<Role>(Role::supervisor);
  auto viewer = std::optional<Role>(Role::viewer);
  auto admin = std::optional<Role>(Role::admin);

  c.persons.on_person_deleted = [&rec](int64_t id) { rec.forget_person(id); };
  c.persons.on_person_updated = [&rec](int64_t id) { rec.person_renamed(id); };

  // POST /persons with photos: the core route calls this hook for every request.
  c.enrol_person = [&c, &rec](Request& req) -> Response {
    std::string ct = req.header(http::field::content_type);
    Json fields;
    std::vector<services::Upload> photos;
    if (is_multipart(ct)) {
      auto form = read_enrol_form(req);
      if (!form) return error_response(form.error());
      fields = std::move(form->first);
      photos = std::move(form->second);
    } else {
      auto body = json_body(req);
      if (!body) return error_response(body.error());
      fields = *body;
    }
    if (!photos.empty() && !rec.available())
      return json_error(503, "UNAVAILABLE", "Face models are not loaded: " + rec.unavailable_reason());
    auto person = c.persons.create(fields, *req.principal, req.client);
    if (!person) return error_response(person.error());
    Json verdicts = Json::array();
    if (!photos.empty()) {
      auto enrolled = rec.enrol(person->id, photos, req.principal, req.client);
      bool ok = enrolled && std::all_of(enrolled->begin(), enrolled->end(), [](auto& v) { return v.ok; });
      if (!ok) {
        // The photos decide whether the person is enrolled at all: undo the row, keep nothing.
        c.persons.undo_create(person->id, *req.principal, req.client);
        return enrolled ? unprocessable(*enrolled) : error_response(enrolled.error());
      }
      verdicts = verdicts_json(*enrolled);
    }
    auto stored = c.persons.get(person->id);
    if (!stored) return json_error(404, "NOT_FOUND", "Person not found");  // deleted meanwhile
    return json_ok({{"person", c.persons.to_json(*stored)}, {"images", verdicts}}, 201);
  };

  r.add({V::post, "/api/v1/persons/{id}/images", supervisor, "persons",
         "Add photos (multipart, files named 'images'); all must pass the quality checks", nullptr,
         {{"type", "object"}, {"properties", {{"person", kObj}, {"images", {{"type", "array"}}}}}}, {}, true, false,
         "application/json", [&c, &rec](Request& req) {
           int64_t id = req.id_param();
           if (!c.persons.get(id)) return json_error(404, "NOT_FOUND", "Person not found");
           if (!is_multipart(req.header(http::field::content_type)))
             return json_error(415, "UNSUPPORTED_MEDIA_TYPE", "Send photos as multipart/form-data with files named 'images'");
           auto form = read_enrol_form(req);
           if (!form) return error_response(form.error());
           if (form->second.empty()) return json_error(400, "VALIDATION_ERROR", "No photos: send files named 'images'");
           auto enrolled = rec.enrol(id, form->second, req.principal, req.client);
           if (!enrolled) return error_response(enrolled.error());
           if (!std::all_of(enrolled->begin(), enrolled->end(), [](auto& v) { return v.ok; })) return unprocessable(*enrolled);
           auto person = c.persons.get(id);
           if (!person) return json_error(404, "NOT_FOUND", "Person not found");  // deleted meanwhile
           return json_ok({{"person", c.persons.to_json(*person)}, {"images", verdicts_json(*enrolled)}}, 201);
         }});
  r.add({V::get, "/api/v1/persons/{id}/images/{image_id}", viewer, "persons", "A person's photo (JPEG)", nullptr, nullptr, {},
         false, true, "image/jpeg", [&c](Request& req) {
           auto img = c.persons.image(req.id_param(), req.id_param("image_id"));
           if (!img) return json_error(404, "NOT_FOUND", "Image not found");
           std::ifstream in(c.persons.blob_dir() + "/" + img->path, std::ios::binary);
           if (!in) return json_error(404, "NOT_FOUND", "Image file is missing");
           Response resp;
           resp.content_type = "image/jpeg";
           resp.body.assign(std::istreambuf_iterator<char>(in), {});
           resp.headers.push_back({"Cache-Control", "private, max-age=3600"});
           return resp;
         }});
  r.add({V::delete_, "/api/v1/persons/{id}/images/{image_id}", supervisor, "persons", "Delete one photo and its embedding",
         nullptr, kObj, {}, false, false, "application/json", [&rec](Request& req) {
           auto st = rec.delete_image(req.id_param(), req.id_param("image_id"), req.principal, req.client);
           if (!st) return error_response(st.error());
           return json_message("Image deleted");
         }});

  r.add({V::get, "/api/v1/models", viewer, "models", "The model registry: every model, its task, status and latency; the active one per task",
         nullptr, {{"type", "object"}, {"properties", {{"models", {{"type", "array"}}}, {"active", kObj}}}}, {}, false, false,
         "application/json", [&rec](Request&) {
           if (!rec.available())
             return json_ok({{"models", Json::array()}, {"active", Json::object()}, {"status", "unavailable"},
                             {"reason", rec.unavailable_reason()}});
           Json j = rec.analyzer()->registry().to_json();
           j["gallery_size"] = rec.gallery_size();
           return json_ok(j);
         }});
  r.add({V::put, "/api/v1/models/{task}", admin, "models", "Switch the active model of a task at run time (no restart)",
         {{"type", "object"}, {"properties", {{"model_id", {{"type", "string"}}}}}}, kObj, {}, false, false, "application/json",
         [&c, &rec](Request& req) {
           auto body = json_body(req);
           if (!body) return error_response(body.error());
           JsonValidator v(*body);
           auto id = v.str("model_id", true, 1, 100);
           v.reject_unknown();
           if (!v.ok()) return error_response(v.error());
           if (!rec.available()) return json_error(503, "UNAVAILABLE", "Face models are not loaded");
           std::string task = req.params.at("task");
           auto st = rec.analyzer()->registry().set_active(task, *id);
           if (!st) {
             Error e = st.error();
             if (e.code != "NOT_FOUND") e.code = "VALIDATION_ERROR";
             return error_response(e);
           }
           c.audit.record(req.principal, "update", "model", task, req.client, "success", {{"model_id", *id}});
           return json_ok(rec.analyzer()->registry().to_json());
         }});
}

}  // namespace argus::api
