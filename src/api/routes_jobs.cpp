#include "api/routes_jobs.h"

#include "api/multipart.h"
#include "api/schema.h"

#include <set>

namespace argus::api {

namespace {

using namespace schema;  // obj(), arr(), kStr ... (api/schema.h)

Json video_job_schema() {
  Json track = obj({{"track_id", kInt}, {"known", kBool}, {"person_id", {{"type", "integer"}, {"nullable", true}}},
                    {"person_name", {{"type", "string"}, {"description", "the person's name, or \"unknown\""}}},
                    {"similarity", kNum}, {"first_ms", kInt}, {"last_ms", kInt}, {"best_confidence", kNum}, {"frames", kInt}});
  Json summary = obj({{"frames_decoded", kInt}, {"frames_analyzed", kInt}, {"faces", kInt}, {"tracks", kInt},
                      {"tracks_listed", kInt}, {"persons", kInt}, {"unknown_tracks", kInt}, {"video_ms", kInt},
                      {"elapsed_ms", kNum}, {"cancelled", kBool}, {"analyzer", kBool}, {"warning", kStr}});
  Json progress = obj({{"percent", kNum}, {"video_ms", kInt}, {"duration_ms", kInt},
                       {"frames_decoded", {{"type", "integer"}, {"description", "estimated from the video time while running; exact when completed"}}},
                       {"frames_total", {{"type", "integer"}, {"description", "estimated from the container (frame count, or duration x frame rate)"}}},
                       {"frames_analyzed", kInt}, {"faces", kInt}, {"tracks", kInt}, {"elapsed_ms", kInt},
                       {"speed", {{"type", "number"}, {"description", "video time per wall-clock time"}}}});
  return obj({{"job_id", {{"type", "string"}, {"pattern", "^vj_"}}},
              {"type", {{"type", "string"}, {"enum", {"video"}}}},
              {"status", {{"type", "string"}, {"enum", {"queued", "running", "completed", "failed", "cancelled"}}}},
              {"cancel_requested", kBool},
              {"source", obj({{"kind", {{"type", "string"}, {"enum", {"upload", "path"}}}}, {"name", kStr}})},
              {"sample_fps", kNum},
              {"created_at", {{"type", "string"}, {"format", "date-time"}}},
              {"started_at", {{"type", "string"}, {"format", "date-time"}, {"nullable", true}}},
              {"finished_at", {{"type", "string"}, {"format", "date-time"}, {"nullable", true}}},
              {"position", {{"type", "integer"}, {"description", "place in the queue (queued jobs only)"}}},
              {"video", obj({{"width", kInt}, {"height", kInt}, {"codec", kStr}, {"format", kStr}, {"fps", kNum}, {"duration_ms", kInt}})},
              {"progress", progress},
              {"result", obj({{"summary", summary}, {"tracks", arr(track)}})},
              {"error", obj({{"code", kStr}, {"message", kStr}})},
              {"status_url", kStr}});
}

Json frame_job_schema() { return obj({{"job_id", kStr}, {"status", kStr}, {"result", kObj}, {"error", kObj}}); }

Response job_error(const Error& e) {
  if (e.code == "INVALID_VIDEO") return json_error(422, e.code, e.message, e.details);
  Response r = error_response(e);
  if (r.status == 503) r.headers.push_back({"Retry-After", "5"});
  return r;
}

// sample_fps from JSON or a form field: a number in (0, kMaxSampleFps].
double read_sample_fps(const Json& v, Error& bad) {
  constexpr double kMax = services::VideoJobService::kMaxSampleFps;
  if (!v.is_number() || v.get<double>() <= 0 || v.get<double>() > kMax) {
    bad.details["sample_fps"].push_back("must be a number above 0 and at most " + std::to_string(static_cast<int>(kMax)));
    return 0;
  }
  return v.get<double>();
}

// Camera-limited users see and manage only the video jobs they submitted.
std::optional<int64_t> owner_filter(const Principal& who) {
  return who.camera_ids.empty() ? std::nullopt : std::optional<int64_t>(who.user_id);
}

Response not_found() { return json_error(404, "NOT_FOUND", "Job not found (unknown or expired)"); }

}  // namespace

void add_job_routes(ApiApp& app, services::FrameService& frames, services::VideoJobService& videos) {
  Router& r = app.router();
  AppContext& c = app.context();
  using V = http::verb;
  auto supervisor = std::optional<Role>(Role::supervisor);
  auto viewer = std::optional<Role>(Role::viewer);

  Route submit{V::post, "/api/v1/jobs", supervisor, "jobs",
               "Analyse a video file at full speed as a job: multipart with a file part 'file' (and optional field "
               "'sample_fps'), or JSON {path, sample_fps} naming a file under storage.media_dir. 202 {job_id, status, "
               "position}; 403 for a path outside the media folder; 422 INVALID_VIDEO when it cannot be decoded; "
               "413 above pipeline.video_upload_max_bytes; 503 QUEUE_FULL when pipeline.video_job_queue jobs wait",
               obj({{"path", {{"type", "string"}, {"description", "relative to the media folder (or absolute inside it)"}}},
                    {"sample_fps", {{"type", "number"}, {"description", "analysed frames per second of video (default pipeline.video_job_sample_fps)"}}}}),
               obj({{"job_id", kStr}, {"status", kStr}, {"position", kInt}, {"status_url", kStr}}), {}, true, false,
               "application/json", [&c, &videos](Request& req) {
                 services::VideoJobService::Submission sub;
                 sub.user_id = req.principal->user_id;
                 Error bad = Error::make("VALIDATION_ERROR", "Invalid input data");
                 std::string ct = req.header(http::field::content_type);
                 std::optional<Result<Json>> accepted;
                 if (is_multipart(ct)) {
                   auto parts = parse_multipart(ct, req.body(), 8);
                   if (!parts) return error_response(parts.error());
                   const MultipartPart* file = nullptr;
                   for (const auto& p : *parts) {
                     if (p.name == "file" && p.filename) file = &p;
                     else if (p.name == "sample_fps") sub.sample_fps = read_sample_fps(Json::parse(p.data, nullptr, false), bad);
                     else bad.details[p.name].push_back("Unknown field");
                   }
                   if (!file) bad.details["file"].push_back("is required: the video as a file part named 'file'");
                   if (!bad.details.empty()) return error_response(bad);
                   sub.filename = *file->filename;
                   accepted.emplace(videos.submit_upload(file->data, sub));
                 } else {
                   auto body = json_body(req);
                   if (!body) return error_response(body.error());
                   for (auto& [k, v] : body->items())
                     if (k != "path" && k != "sample_fps") bad.details[k].push_back("Unknown field");
                   if (!body->contains("path") || !(*body)["path"].is_string())
                     bad.details["path"].push_back("is required: a video file under the media folder (or upload one as multipart 'file')");
                   if (body->contains("sample_fps")) sub.sample_fps = read_sample_fps((*body)["sample_fps"], bad);
                   if (!bad.details.empty()) return error_response(bad);
                   accepted.emplace(videos.submit_path((*body)["path"].get<std::string>(), sub));
                 }
                 Json details = {{"source", is_multipart(ct) ? "upload" : "path"}, {"name", sub.filename}};
                 if (!*accepted) {
                   details["error"] = accepted->error().code;
                   c.audit.record(req.principal, "create", "video_job", "", req.client, "failure", details);
                   return job_error(accepted->error());
                 }
                 c.audit.record(req.principal, "create", "video_job", accepted->value()["job_id"].get<std::string>(), req.client, "success", details);
                 return json_ok(std::move(accepted->value()), 202);
               }};
  submit.max_body_bytes = static_cast<uint64_t>(videos.config().upload_max_bytes);
  r.add(std::move(submit));

  r.add({V::get, "/api/v1/jobs", viewer, "jobs",
         "Video jobs, newest first (in memory: finished jobs are kept pipeline.video_job_ttl_s, at most "
         "pipeline.video_job_max); without the per-track lists",
         nullptr, obj({{"jobs", arr(video_job_schema())}}),
         {{"page", "integer", "page number (from 1)"}, {"per_page", "integer", "1..100 (default 20)"},
          {"status", "string", "queued | running | completed | failed | cancelled"}},
         false, false, "application/json", [&videos](Request& req) {
           auto p = page_request(req);
           if (!p) return error_response(p.error());
           std::string status = query(req, "status").value_or("");
           static const std::set<std::string> states = {"", "queued", "running", "completed", "failed", "cancelled"};
           if (!states.count(status)) {
             Error bad = Error::make("VALIDATION_ERROR", "Invalid query parameter");
             bad.details["status"].push_back("must be one of queued, running, completed, failed, cancelled");
             return error_response(bad);
           }
           auto page = videos.list(p->page, p->per_page, status, owner_filter(*req.principal).value_or(0));
           return json_ok_paged(json_field("jobs", std::move(page.jobs)), p->page, p->per_page, page.total);
         }});

  r.add({V::get, "/api/v1/jobs/{name}", viewer, "jobs",
         "A job by id: a video job (vj_..., with progress and, when finished, the summary and one entry per track) or "
         "an async process-frame job (job_..., status queued|processing|completed|failed, kept "
         "pipeline.frame_job_ttl_s after it finished)",
         nullptr, {{"oneOf", {video_job_schema(), frame_job_schema()}}}, {}, false, false, "application/json",
         [&frames, &videos](Request& req) {
           const std::string& id = req.params.at("name");
           if (services::VideoJobService::is_video_job_id(id)) {
             auto j = videos.job(id);
             auto only = owner_filter(*req.principal);
             if (!j || (only && j->user_id != *only)) return not_found();
             return json_ok(std::move(j->json));
           }
           auto j = frames.job(id);
           if (!j || (j->camera_db_id && !req.principal->can_see_camera(*j->camera_db_id))) return not_found();
           return json_ok(std::move(j->json));
         }});

  r.add({V::delete_, "/api/v1/jobs/{name}", supervisor, "jobs",
         "Cancel a queued or running video job (it stays readable as cancelled, with what was found so far) or "
         "delete a finished one (and its uploaded file)",
         nullptr, obj({{"job_id", kStr}, {"result", {{"type", "string"}, {"enum", {"cancelled", "deleted"}}}}}), {}, false,
         false, "application/json", [&c, &videos](Request& req) {
           const std::string& id = req.params.at("name");
           if (!services::VideoJobService::is_video_job_id(id)) return not_found();
           auto done = videos.cancel_or_delete(id, owner_filter(*req.principal));
           if (!done) return job_error(done.error());
           c.audit.record(req.principal, done.value() == "deleted" ? "delete" : "cancel", "video_job", id, req.client, "success");
           return json_ok({{"job_id", id}, {"result", done.value()}});
         }});
}

}  // namespace argus::api
