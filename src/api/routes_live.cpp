// Live and history routes: sightings, live results, statistics, attendance, MJPEG,
// snapshots, discovery, the /ws hub and push ingest. Handlers call the store through its
// interface (the service boundary for sightings) and the pipeline through CameraManager.
#include "api/schema.h"
#include "api/routes_live.h"

#include <spdlog/spdlog.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "auth/crypto.h"
#include "core/paths.h"
#include "core/time.h"
#include "events/event_json.h"
#include "ingest/discovery.h"
#include "obs/metrics.h"
#include "recognition/image_decode.h"

namespace argus::api {

namespace fs = std::filesystem;

namespace {

using namespace schema;  // obj(), arr(), kStr ... (api/schema.h)

Json nullable(Json j) {
  j["nullable"] = true;
  return j;
}

const Json kSighting = obj({{"id", kInt}, {"camera_id", kInt}, {"camera_name", kStr}, {"track_id", kInt},
                            {"person_id", nullable(kInt)}, {"person_name", nullable(kStr)}, {"first_seen", kStr},
                            {"last_seen", kStr}, {"best_confidence", kNum}, {"similarity", kNum}, {"frame_count", kInt},
                            {"snapshot_url", nullable(kStr)}});
const Json kAttendance = obj({{"date", kStr}, {"person_id", kInt}, {"name", kStr}, {"first_seen", kStr},
                              {"last_seen", kStr}, {"cameras", arr(kInt)}});

Error bad_query(const std::string& name, const std::string& why) {
  Error e = Error::make("VALIDATION_ERROR", "Invalid query parameter");
  e.details[name].push_back(why);
  return e;
}

Result<std::optional<double>> query_double(const Request& req, const std::string& name, double lo, double hi) {
  auto v = query(req, name);
  if (!v || v->empty()) return std::optional<double>{};
  try {
    size_t used = 0;
    double d = std::stod(*v, &used);
    if (used != v->size() || !std::isfinite(d) || d < lo || d > hi) throw std::invalid_argument("range");
    return std::optional<double>{d};
  } catch (...) {
    return bad_query(name, "must be a number between " + std::to_string(lo) + " and " + std::to_string(hi));
  }
}

Result<std::optional<bool>> query_bool(const Request& req, const std::string& name) {
  auto v = query(req, name);
  if (!v || v->empty()) return std::optional<bool>{};
  if (*v == "true" || *v == "1") return std::optional<bool>{true};
  if (*v == "false" || *v == "0") return std::optional<bool>{false};
  return bad_query(name, "must be true or false");
}

bool valid_date(const std::string& s) {
  static const std::regex re(R"(^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$)");
  return std::regex_match(s, re);
}

std::optional<std::string> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Response jpeg_response(std::string bytes) {
  Response r;
  r.content_type = "image/jpeg";
  r.body = std::move(bytes);
  r.headers.push_back({"Cache-Control", "no-cache"});
  return r;
}

std::string csv_field(const std::string& s) {
  // Quote when needed; a leading = + - @ would be read as a formula by spreadsheets.
  std::string v = s;
  if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@')) v = "'" + v;
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

Json attendance_json(const store::AttendanceRecord& a) {
  return {{"date", a.date}, {"person_id", a.person_id}, {"name", a.person_name}, {"first_seen", iso8601_ms(a.first_seen)},
          {"last_seen", iso8601_ms(a.last_seen)}, {"cameras", a.camera_ids}};
}

// One push-ingest connection: authenticated by the camera's ingest token (query or first
// message) or by a supervisor's access token (browser webcam).
struct IngestConn {
  std::atomic<bool> authed{false};
  std::atomic<bool> told_not_running{false};
};

}  // namespace

std::string ingest_token(const std::string& key, int64_t camera_id) {
  return auth::base64url_encode(auth::hmac_sha256(key, "ingest:" + std::to_string(camera_id)));
}

void add_live_routes(ApiApp& app, LiveContext& live) {
  Router& r = app.router();
  AppContext& c = app.context();
  using V = http::verb;
  auto supervisor = std::optional<Role>(Role::supervisor);
  auto viewer = std::optional<Role>(Role::viewer);

  // ---- live results (pull fallback of the WebSocket) ----
  r.add({V::get, "/api/v1/detections/live", viewer, "detections",
         "Latest analysed frame per camera (detection_event data), kept for pipeline.live_cache_ms", nullptr,
         obj({{"results", arr(kObj)}, {"ttl_ms", kInt}}), {{"camera_id", "integer", "only this camera"}}, false, false,
         "application/json", [&live](Request& req) {
           auto cam = query_int(req, "camera_id", 1, INT64_MAX / 2);
           if (!cam) return error_response(cam.error());
           Json results = Json::array();
           for (auto& [id, data] : live.cache.all(now_unix_ms()))
             if ((!*cam || id == **cam) && req.principal->can_see_camera(id)) results.push_back(data);
           return json_ok({{"results", results}, {"ttl_ms", live.cache.ttl_ms()}});
         }});

  r.add({V::get, "/api/v1/system/alerts", viewer, "system",
         "Alerts in force (camera_offline, camera_idle, analysis_overloaded, disk_low), oldest first; changes arrive as "
         "system_alert WebSocket messages",
         nullptr, obj({{"alerts", arr(kObj)}}), {}, false, false, "application/json", [&live](Request& req) {
           Json alerts = Json::array();
           for (const auto& a : live.alerts.active())
             if (!a.camera || req.principal->can_see_camera(*a.camera)) alerts.push_back(a.to_json());
           return json_ok({{"alerts", alerts}});
         }});

  // ---- sightings ----
  r.add({V::get, "/api/v1/detections", viewer, "detections", "Sightings (one per track), newest first", nullptr,
         obj({{"detections", arr(kSighting)}}),
         {{"page", "integer", ""}, {"per_page", "integer", "1-100"}, {"camera_id", "integer", ""}, {"person_id", "integer", ""},
          {"unknown", "boolean", "only unidentified faces"}, {"start_time", "string", "ISO-8601 or epoch s/ms"},
          {"end_time", "string", "ISO-8601 or epoch s/ms"}, {"min_confidence", "number", "0..1"}},
         false, false, "application/json", [&c](Request& req) {
           auto p = page_request(req);
           if (!p) return error_response(p.error());
           store::SightingFilter f;
           auto cam = query_int(req, "camera_id", 1, INT64_MAX / 2);
           if (!cam) return error_response(cam.error());
           auto person = query_int(req, "person_id", 1, INT64_MAX / 2);
           if (!person) return error_response(person.error());
           auto unknown = query_bool(req, "unknown");
           if (!unknown) return error_response(unknown.error());
           auto minc = query_double(req, "min_confidence", 0, 1);
           if (!minc) return error_response(minc.error());
           f.camera_id = *cam;
           f.person_id = *person;
           f.unknown_only = unknown->value_or(false);
           f.min_confidence = *minc;
           Error bad = Error::make("VALIDATION_ERROR", "Invalid query parameter");
           for (auto [name, slot] : {std::pair{"start_time", &f.start_ms}, std::pair{"end_time", &f.end_ms}})
             if (auto t = query(req, name); t && !t->empty()) {
               auto ms = parse_time_ms(*t);
               if (!ms) bad.details[name].push_back("must be an ISO-8601 time or epoch seconds/milliseconds");
               else *slot = *ms;
             }
           if (!bad.details.empty()) return error_response(bad);
           auto page = c.sightings.list(*p, f, *req.principal);
           Json list = Json::array();
           for (auto& s : page.items) list.push_back(events::sighting_json(s));
           return json_ok_paged(json_field("detections", std::move(list)), p->page, p->per_page, page.total);
         }});
  r.add({V::get, "/api/v1/detections/statistics", viewer, "detections",
         "Sighting counts for the last hour, day or week: totals, per camera, per hour", nullptr,
         obj({{"period", kStr}, {"total", kInt}, {"identified", kInt}, {"unknown", kInt}, {"unique_persons", kInt},
              {"per_camera", arr(kObj)}, {"per_hour", arr(kObj)}}),
         {{"period", "string", "1h | 24h | 7d (default 24h)"}}, false, false, "application/json", [&c](Request& req) {
           std::string period = query(req, "period").value_or("24h");
           int span_h = period == "1h" ? 1 : period == "24h" ? 24 : period == "7d" ? 168 : 0;
           if (!span_h) return error_response(bad_query("period", "must be 1h, 24h or 7d"));
           auto st = c.sightings.statistics(span_h, *req.principal, now_unix_ms());
           Json cams = Json::array();
           for (const auto& cam : st.per_camera)
             cams.push_back({{"camera_id", cam.camera_id}, {"camera_name", cam.camera_name}, {"count", cam.count}});
           Json per_hour = Json::array();
           for (const auto& h : st.per_hour)
             per_hour.push_back({{"start", iso8601_ms(h.start_ms)}, {"count", h.count}, {"identified", h.identified},
                                 {"unknown", h.unknown}});
           return json_ok({{"period", period}, {"start", iso8601_ms(st.start_ms)}, {"end", iso8601_ms(st.end_ms)},
                           {"total", st.total}, {"sightings", st.total}, {"identified", st.identified},
                           {"unknown", st.total - st.identified}, {"unique_persons", st.unique_persons},
                           {"per_camera", cams}, {"per_hour", per_hour}, {"truncated", st.truncated}});
         }});
  r.add({V::get, "/api/v1/detections/{id}", viewer, "detections", "One sighting", nullptr, obj({{"detection", kSighting}}), {},
         false, false, "application/json", [&c](Request& req) {
           auto s = c.sightings.get(req.id_param(), *req.principal);
           if (!s) return json_error(404, "NOT_FOUND", "Detection not found");
           return json_ok({{"detection", events::sighting_json(*s)}});
         }});
  r.add({V::get, "/api/v1/detections/{id}/snapshot", viewer, "detections", "The best face crop of a sighting (JPEG)", nullptr,
         nullptr, {{"token", "string", "access token (for <img>)"}}, false, true, "image/jpeg", [&c, &live](Request& req) {
           auto s = c.sightings.get(req.id_param(), *req.principal);
           if (!s || !is_contained_relative_path(s->snapshot_path))
             return json_error(404, "NOT_FOUND", "No snapshot for this detection");
           auto bytes = read_file(fs::path(live.blob_dir) / s->snapshot_path);
           if (!bytes) return json_error(404, "NOT_FOUND", "No snapshot for this detection");
           Response resp = jpeg_response(std::move(*bytes));
           resp.headers = {{"Cache-Control", "private, max-age=300"}};
           return resp;
         }});

  // ---- attendance ----
  r.add({V::get, "/api/v1/attendance", viewer, "detections",
         "Attendance per person and day (first/last seen, cameras); format=csv for a spreadsheet", nullptr,
         obj({{"attendance", arr(kAttendance)}}),
         {{"date", "string", "YYYY-MM-DD"}, {"from", "string", "YYYY-MM-DD"}, {"to", "string", "YYYY-MM-DD"},
          {"person_id", "integer", ""}, {"format", "string", "json (default) or csv"}},
         false, false, "application/json", [&c](Request& req) {
           Error bad = Error::make("VALIDATION_ERROR", "Invalid query parameter");
           std::optional<std::string> from, to;
           for (auto [name, slot] : {std::pair{"date", &from}, std::pair{"from", &from}, std::pair{"to", &to}})
             if (auto v = query(req, name); v && !v->empty()) {
               if (!valid_date(*v)) bad.details[name].push_back("must be a date YYYY-MM-DD");
               else *slot = *v;
             }
           if (auto d = query(req, "date"); d && !d->empty() && valid_date(*d)) to = *d;
           auto person = query_int(req, "person_id", 1, INT64_MAX / 2);
           if (!person) for (auto& [k, v] : person.error().details) bad.details[k] = v;
           std::string format = query(req, "format").value_or("json");
           if (format != "json" && format != "csv") bad.details["format"].push_back("must be json or csv");
           if (!bad.details.empty()) return error_response(bad);
           if (!from && !to) {
             // No range: today in the configured time zone.
             int tz = c.system_config.get().value("timezoneOffsetMinutes", 0);
             from = to = local_date(now_unix_ms(), tz);
           }
           auto rows = c.sightings.attendance(from, to, *person, *req.principal);
           if (format == "csv") {
             Response resp;
             resp.content_type = "text/csv; charset=utf-8";
             resp.body = "date,person_id,name,first_seen,last_seen,cameras\r\n";
             for (auto& a : rows) {
               std::string cams;
               for (auto id : a.camera_ids) cams += (cams.empty() ? "" : " ") + std::to_string(id);
               resp.body += a.date + "," + std::to_string(a.person_id) + "," + csv_field(a.person_name) + "," +
                            iso8601_ms(a.first_seen) + "," + iso8601_ms(a.last_seen) + "," + cams + "\r\n";
             }
             std::string name = "attendance-" + *from + (to && *to != *from ? "_" + *to : "") + ".csv";
             resp.headers.push_back({"Content-Disposition", "attachment; filename=\"" + name + "\""});
             return resp;
           }
           Json list = Json::array();
           for (auto& a : rows) list.push_back(attendance_json(a));
           return json_ok({{"attendance", list}, {"from", from ? Json(*from) : Json()}, {"to", to ? Json(*to) : Json()}});
         }});

  // ---- cameras: live view, discovery, ingest token ----
  r.add({V::get, "/api/v1/cameras/discover", supervisor, "cameras", "Find USB (V4L2) and ONVIF cameras", nullptr,
         obj({{"discovered_cameras", arr(obj({{"source", kStr}, {"name", kStr}, {"type", kStr}, {"capabilities", arr(kStr)}}))}}),
         {}, false, false, "application/json", [](Request&) {
           // Discovery is best effort: a host without multicast or /dev still answers (empty).
           Json found;
           try {
             found = discover_cameras();
           } catch (const std::exception& e) {
             spdlog::warn("camera discovery failed: {}", e.what());
           }
           return json_ok({{"discovered_cameras", found.is_array() ? found : Json::array()}});
         }});
  r.add({V::get, "/api/v1/cameras/{id}/snapshot", viewer, "cameras", "The camera's latest frame (JPEG)", nullptr, nullptr,
         {{"token", "string", "access token (for <img>)"}}, false, true, "image/jpeg", [&c, &live](Request& req) {
           int64_t id = req.id_param();
           auto cam = c.cameras.get(id, *req.principal);
           if (!cam) return error_response(cam.error());
           auto jpeg = live.frames.latest_jpeg(id);
           if (!jpeg) return json_error(409, "CONFLICT", "The camera has no frame yet (not running or not connected)");
           return jpeg_response(std::move(*jpeg));
         }});
  r.add({V::get, "/api/v1/cameras/{id}/mjpeg", viewer, "cameras",
         "Live MJPEG stream (multipart/x-mixed-replace); each part has X-Frame-Seq and X-Frame-Timestamp", nullptr, nullptr,
         {{"fps", "number", "frames per second (0.5-30, default 10)"}, {"width", "integer", "downscale to this width (64-1920)"},
          {"token", "string", "access token (for <img>)"}},
         false, true, "multipart/x-mixed-replace", [&c, &live](Request& req) {
           int64_t id = req.id_param();
           auto cam = c.cameras.get(id, *req.principal);
           if (!cam) return error_response(cam.error());
           auto fps = query_double(req, "fps", 0.5, 30);
           if (!fps) return error_response(fps.error());
           auto width = query_int(req, "width", 64, 1920);
           if (!width) return error_response(width.error());
           if (!live.frames.has_source(id))
             return json_error(409, "CONFLICT", "The camera is not running and no frames were pushed for it");
           Response resp;
           resp.content_type = "multipart/x-mixed-replace; boundary=argusframe";
           resp.headers.push_back({"X-Accel-Buffering", "no"});
           auto interval = std::chrono::microseconds(static_cast<int64_t>(1e6 / fps->value_or(10.0)));
           int w = static_cast<int>(width->value_or(0));
           const LiveFrames& frames = live.frames;
           int quality = live.jpeg_quality;
           resp.stream = [&frames, id, interval, w, quality](StreamWriter& out) {
             auto& streams = obs::Registry::global().gauge("argus_mjpeg_streams", "Open MJPEG streams");
             streams.add(1);
             // A frame is new when its (seq, arrival) differs: session and pushed frames count
             // their seq separately.
             uint64_t last_seq = 0;
             int64_t last_ts = 0;
             auto next = SteadyClock::now();
             while (out.open() && frames.has_source(id)) {
               auto now = SteadyClock::now();
               if (now < next) {
                 // Short sleeps so a server shutdown (open() false) is noticed promptly.
                 std::this_thread::sleep_for(std::min<SteadyClock::duration>(next - now, std::chrono::milliseconds(50)));
                 continue;
               }
               auto frame = frames.latest_frame(id);
               if (!frame || frame->empty() || (frame->seq == last_seq && frame->received_unix_ms == last_ts)) {
                 next = now + std::chrono::milliseconds(10);
                 continue;
               }
               std::string jpeg;
               if (w > 0 && w < frame->width()) {
                 auto bytes = encode_jpeg_max_width(frame->bgr, w, quality);
                 jpeg.assign(bytes.begin(), bytes.end());
               } else if (auto j = frames.latest_jpeg(id)) {
                 jpeg = std::move(*j);  // cached by the session, shared by every viewer
               }
               if (jpeg.empty()) {
                 next = now + interval;
                 continue;
               }
               std::string part = "--argusframe\r\nContent-Type: image/jpeg\r\nContent-Length: " + std::to_string(jpeg.size()) +
                                  "\r\nX-Frame-Seq: " + std::to_string(frame->seq) +
                                  "\r\nX-Frame-Timestamp: " + std::to_string(frame->received_unix_ms) + "\r\n\r\n";
               part += jpeg;
               part += "\r\n";
               if (!out.write(part)) break;
               last_seq = frame->seq;
               last_ts = frame->received_unix_ms;
               next = now + interval;
             }
             streams.add(-1);
           };
           return resp;
         }});
  r.add({V::post, "/api/v1/cameras/{id}/ingest-token", supervisor, "cameras",
         "Token for pushing frames to a websocket camera at /api/v1/ingest/ws/{id}?token=...", nullptr,
         obj({{"token", kStr}, {"url", kStr}}), {}, false, false, "application/json", [&c, &live](Request& req) {
           int64_t id = req.id_param();
           auto cam = c.cameras.get(id, *req.principal);
           if (!cam) return error_response(cam.error());
           if (cam->camera_type != "websocket") {
             Error e = Error::make("VALIDATION_ERROR", "Only websocket cameras take pushed frames");
             e.details["camera_type"].push_back("must be websocket");
             return error_response(e);
           }
           c.audit.record(req.principal, "ingest_token", "camera", std::to_string(id), req.client, "success");
           std::string tok = ingest_token(live.ingest_key, id);
           return json_ok({{"token", tok}, {"url", "/api/v1/ingest/ws/" + std::to_string(id) + "?token=" + tok}});
         }});

  // ---- WebSockets ----
  Route ws_route{V::get, "/api/v1/ws", viewer, "live",
                 "WebSocket: auth (header or first message), subscribe/unsubscribe per camera, detection/recognition/"
                 "track/status/metrics events and binary video frames",
                 nullptr, nullptr, {}, false, false, "application/json", nullptr};
  ws_route.websocket = [&live](Request& req, std::shared_ptr<WsConnection> ws) { live.hub.attach(std::move(ws), req.principal); };
  r.add(std::move(ws_route));

  // Public in the route table because it has its own credential: the camera's ingest token
  // (query ?token= or first message {"type":"auth","token"}) or a supervisor's access token.
  Route ingest_route{V::get, "/api/v1/ingest/ws/{id}", std::nullopt, "live",
                     "WebSocket push ingest for a websocket camera: binary JPEG frames or base64 text",
                     nullptr, nullptr, {{"token", "string", "the camera's ingest token"}}, false, false, "application/json", nullptr};
  ingest_route.websocket = [&c, &live](Request& req, std::shared_ptr<WsConnection> ws) {
    int64_t id = req.id_param();
    auto state = std::make_shared<IngestConn>();
    auto check = [&c, &live, id](const std::string& token) {
      if (token.empty()) return false;
      if (auth::equal_ct(token, ingest_token(live.ingest_key, id))) return true;
      auto p = c.auth.authenticate(token);
      return p && p->role >= Role::supervisor && p->can_see_camera(id);
    };
    auto fail = [](WsConnection& conn, const std::string& why) {
      conn.send_text(Json{{"type", "error"}, {"code", "UNAUTHORIZED"}, {"message", why}}.dump());
      conn.close();
    };
    if (auto t = query(req, "token"); t && !t->empty()) {
      if (!check(*t)) return fail(*ws, "invalid ingest token");
      state->authed = true;
    }
    obs::Counter* frames = &obs::Registry::global().counter("argus_ingest_frames_total", "Frames pushed to /ingest/ws",
                                                            {{"camera", std::to_string(id)}});
    std::weak_ptr<WsConnection> weak = ws;
    ws->on_message = [&live, id, state, check, fail, weak, frames](const std::string& msg, bool binary) {
      auto conn = weak.lock();
      if (!conn) return;
      std::string jpeg;
      if (!binary) {
        Json j = msg.starts_with("{") ? Json::parse(msg, nullptr, false) : Json();
        if (string_field(j, "type") == "auth") {
          if (!check(string_field(j, "token"))) return fail(*conn, "invalid ingest token");
          state->authed = true;
          conn->send_text(Json{{"type", "auth_ok"}, {"camera_id", id}}.dump());
          return;
        }
        if (!state->authed) return fail(*conn, "authenticate first");
        if (string_field(j, "type") == "ping") {  // an application-level keepalive, as on /ws
          conn->send_text(Json{{"type", "pong"}}.dump());
          return;
        }
        std::string b64 = j.is_object() ? string_field(j, "data") : msg;
        auto bytes = decode_base64(b64);
        if (!bytes) {
          conn->send_text(Json{{"type", "error"}, {"code", "VALIDATION_ERROR"}, {"message", "not a base64 JPEG"}}.dump());
          return;
        }
        jpeg.assign(bytes->begin(), bytes->end());
      } else {
        if (!state->authed) return fail(*conn, "authenticate first");
        jpeg = msg;
      }
      if (live.manager.push_jpeg(id, std::move(jpeg))) {
        frames->inc();
        state->told_not_running = false;
      } else if (!state->told_not_running.exchange(true)) {
        // Said once per outage, not per frame.
        conn->send_text(Json{{"type", "error"}, {"code", "CONFLICT"}, {"message", "the camera is not running (start it first)"}}.dump());
      }
    };
    if (state->authed) {
      ws->send_text(Json{{"type", "auth_ok"}, {"camera_id", id}}.dump());
    } else {
      // A socket that never sends its token would otherwise stay open as long as it answers
      // pings; /ws closes such clients the same way (HubConfig::auth_timeout_ms).
      std::weak_ptr<WsConnection> weak_ws = ws;
      ws->after(std::chrono::milliseconds(live.ingest_auth_timeout_ms), [weak_ws, state, fail] {
        if (auto conn = weak_ws.lock(); conn && !state->authed) fail(*conn, "no token within the time allowed");
      });
    }
  };
  r.add(std::move(ingest_route));
}

}  // namespace argus::api
