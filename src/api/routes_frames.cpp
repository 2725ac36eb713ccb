#include "api/schema.h"
#include "api/routes_frames.h"

#include <fstream>

namespace argus::api {

namespace {

using namespace schema;  // obj(), arr(), kStr ... (api/schema.h)


Json request_schema() {
  return obj({{"camera_id", {{"oneOf", {kStr, kInt}}}},
              {"stream_type", {{"type", "string"}, {"enum", {"RTSP", "USB", "HTTP_MJPEG", "WEBSOCKET", "SOCKET"}}}},
              {"frame_id", kStr},
              {"timestamp", {{"type", "string"}, {"format", "date-time"}}},
              {"frame_data", {{"type", "string"}, {"format", "byte"}, {"description", "base64 JPEG or PNG (a data: URL is accepted)"}}},
              {"frame_metadata", obj({{"format", kStr}, {"resolution", obj({{"width", kInt}, {"height", kInt}})}, {"size_bytes", kInt}, {"codec", kStr}})},
              {"detection_options",
               obj({{"model_type", {{"type", "string"}, {"enum", {"face-recognition", "face-detection"}}}},
                    {"models", obj({{"detection", kStr}, {"recognition", kStr}})},
                    {"parameters", obj({{"min_confidence", kNum}, {"min_face_size", kInt}, {"max_faces", kInt},
                                        {"return_snapshots", kBool}, {"return_embeddings", kBool}})},
                    {"processing", obj({{"priority", {{"type", "string"}, {"enum", {"urgent", "high", "normal", "low"}}}},
                                        {"timeout_ms", kInt}, {"async", kBool}})}})},
              {"client_context", obj({{"client_id", kStr}, {"request_id", kStr}, {"callback_url", kStr}})}});
}

Json response_schema() {
  return obj({{"status", kStr}, {"message", kStr}, {"processing_info", kObj},
              {"detections", {{"type", "array"}, {"items", kObj}}}, {"summary", kObj}, {"model_info", kObj},
              {"job_id", kStr}, {"queue_position", kInt}});
}

unsigned status_of(const std::string& code) {
  static const std::map<std::string, unsigned> m = {
      {"VALIDATION_ERROR", 400}, {"INVALID_BASE64", 400}, {"INVALID_IMAGE", 400}, {"IMAGE_TOO_SMALL", 400},
      {"IMAGE_TOO_LARGE", 400}, {"DUPLICATE_FRAME", 409}, {"QUEUE_FULL", 503}, {"UNAVAILABLE", 503},
      {"MODEL_TIMEOUT", 504}, {"MODEL_FAILURE", 500}};
  auto it = m.find(code);
  return it == m.end() ? 500 : it->second;
}

// The project envelope plus 001's "status": "error" and its extra error fields (§5.2.3).
Response frame_error(const services::FrameError& e) {
  Json err = e.extra;
  err["code"] = e.code;
  err["message"] = e.message;
  Response r;
  r.status = status_of(e.code);
  r.body = dump_body(Json{{"success", false}, {"status", "error"}, {"error", err}});
  if (r.status == 503) r.headers.push_back({"Retry-After", "1"});
  return r;
}

Response parse_error(const Error& e) {
  if (e.code == "VALIDATION_ERROR" || e.code == "INVALID_JSON" || e.code == "UNSUPPORTED_MEDIA_TYPE") return error_response(e);
  return json_error(status_of(e.code), e.code, e.message, e.details);
}

}  // namespace

void add_frame_routes(ApiApp& app, services::FrameService& frames) {
  Router& r = app.router();
  AppContext& c = app.context();
  using V = http::verb;
  auto admin = std::optional<Role>(Role::admin);
  auto supervisor = std::optional<Role>(Role::supervisor);
  auto viewer = std::optional<Role>(Role::viewer);

  r.add({V::post, "/api/v1/detections/process-frame", supervisor, "detections",
         "Analyse one pushed frame (seed 001 §4.1.1): 200 with the 001 §5.1 result, or 202 {job_id} when async; "
         "same frame_id within 5 s -> the cached result (status duplicate) or 409 DUPLICATE_FRAME while in progress; "
         "503 QUEUE_FULL; 504 MODEL_TIMEOUT. An integer camera_id must name a registered camera (else 404 NOT_FOUND): "
         "its frames then join that camera's tracks, live view, WebSocket detection_event and sightings, and each "
         "detection carries its track_id. This route answers in 001's own shape, not the data envelope.",
         request_schema(), response_schema(), {}, false, false, "application/json", [&c, &frames](Request& req) {
           auto body = json_body(req);
           if (!body) return error_response(body.error());
           auto parsed = services::parse_frame_request(*body);
           if (!parsed) return parse_error(parsed.error());
           const auto& who = *req.principal;
           // An Argus camera id (an integer) must name a registered camera the caller may see
           // (001 §4.2 "check camera_id exists in registry"): its frames join that camera's
           // live view and history. Any other id is a camera Argus does not manage (001 shows
           // external UUIDs): answered only, and not for camera-limited users.
           if (parsed->camera_db_id) {
             auto cam = c.cameras.get(*parsed->camera_db_id, who);
             if (!cam) return json_error(404, "NOT_FOUND", "Camera not found", {{"camera_id", {"no camera " + parsed->camera_id}}});
             parsed->camera_name = cam->name;
           } else if (!who.camera_ids.empty()) {
             return json_error(404, "NOT_FOUND", "Camera not found", {{"camera_id", {"no camera " + parsed->camera_id}}});
           }
           parsed->user_id = who.user_id;
           auto reply = frames.submit(std::move(*parsed));
           if (reply.error) return frame_error(*reply.error);
           Response resp;
           resp.status = reply.status;
           resp.body = dump_body(reply.body);
           return resp;
         }});

  // Registered before /jobs/{name} (routes_jobs.cpp, which also serves async frame jobs) so
  // that "dead-letters" is not taken for a job id.
  r.add({V::get, "/api/v1/jobs/dead-letters", admin, "detections",
         "Async-job callbacks that failed every attempt (newest first; in memory, the last pipeline.dead_letter_max)",
         nullptr, obj({{"dead_letters", {{"type", "array"}, {"items", kObj}}}}), {}, false, false, "application/json",
         [&frames](Request&) { return json_ok({{"dead_letters", frames.dead_letters()}}); }});
  r.add({V::get, "/api/v1/detections/frames/snapshots/{name}", viewer, "detections",
         "A face crop saved by process-frame with return_snapshots (JPEG; ?token= accepted for <img>)", nullptr, nullptr,
         {{"token", "string", "access token, for <img src>"}}, false, true, "image/jpeg", [&frames](Request& req) {
           std::string path = frames.snapshot_file(req.params.at("name"));
           std::ifstream in(path, std::ios::binary);
           if (path.empty() || !in) return json_error(404, "NOT_FOUND", "Snapshot not found");
           Response resp;
           resp.content_type = "image/jpeg";
           resp.body.assign(std::istreambuf_iterator<char>(in), {});
           resp.headers.push_back({"Cache-Control", "private, max-age=86400"});
           return resp;
         }});
}

}  // namespace argus::api
