#include "services/camera_service.h"

#include <filesystem>
#include <regex>

#include "auth/crypto.h"
#include "core/paths.h"
#include "core/time.h"
#include "core/validate.h"
#include <set>

namespace argus::services {

namespace fs = std::filesystem;

std::optional<SourceUrl> parse_source_url(const std::string& url) {
  auto sep = url.find("://");
  if (sep == std::string::npos || sep == 0) return std::nullopt;
  SourceUrl u;
  u.scheme = url.substr(0, sep);
  for (auto& ch : u.scheme) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  std::string after = url.substr(sep + 3);
  auto path_start = after.find_first_of("/?#");
  std::string authority = after.substr(0, path_start);
  std::string path = path_start == std::string::npos ? "" : after.substr(path_start);
  auto at = authority.rfind('@');
  if (at != std::string::npos) {
    std::string userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    auto colon = userinfo.find(':');
    u.username = userinfo.substr(0, colon);
    if (colon != std::string::npos) u.password = userinfo.substr(colon + 1);
  }
  std::string port_text;
  if (!authority.empty() && authority[0] == '[') {  // IPv6 literal
    auto close = authority.find(']');
    if (close == std::string::npos) return std::nullopt;
    u.host = authority.substr(0, close + 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return std::nullopt;
      port_text = authority.substr(close + 2);
    }
  } else {
    auto colon = authority.rfind(':');
    u.host = authority.substr(0, colon);
    if (colon != std::string::npos) port_text = authority.substr(colon + 1);
  }
  if (u.host.empty()) return std::nullopt;
  static const std::regex host_re(R"(^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]{0,252}))$)");
  if (!std::regex_match(u.host, host_re)) return std::nullopt;
  if (!port_text.empty()) {
    if (port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    u.port = std::stoi(port_text);
    if (u.port < 1 || u.port > 65535) return std::nullopt;
  }
  u.rest = (port_text.empty() ? "" : ":" + port_text) + path;
  return u;
}

std::string mask_source(const std::string& url) {
  auto u = parse_source_url(url);
  if (!u || (u->username.empty() && u->password.empty())) return url;
  return u->scheme + "://***:***@" + u->host + u->rest;
}

CameraService::CameraService(store::Store& store, AuditService& audit, std::string seal_key, std::string media_dir)
    : store_(store), audit_(audit), seal_key_(std::move(seal_key)), media_dir_(std::move(media_dir)) {}

Json CameraService::detection_defaults() const { return detection_defaults(system_config ? system_config() : Json::object()); }

Json CameraService::detection_defaults(const Json& sys) {
  Json d = {{"enabled", true}, {"fps_limit", 5.0}, {"min_face_size", 24}, {"confidence_threshold", 0.6}, {"max_faces_per_frame", 20}};
  if (!sys.is_object()) return d;
  // SystemConfigService validated these with ranges inside the camera's own.
  for (auto [key, sys_key] : {std::pair{"fps_limit", "samplingRate"}, {"confidence_threshold", "detectionThreshold"},
                              {"min_face_size", "minFaceSize"}, {"max_faces_per_frame", "maxFacesPerFrame"}})
    if (sys.contains(sys_key) && sys[sys_key].is_number()) d[key] = sys[sys_key];
  return d;
}

Status CameraService::check_source(const std::string& type, const std::string& source, std::string& normalised) const {
  auto bad = [](const std::string& msg) {
    Error e = Error::make("VALIDATION_ERROR", "Invalid input data");
    e.details["source"].push_back(msg);
    return e;
  };
  normalised = source;
  if (type == "usb") {
    static const std::regex dev(R"(^/dev/video[0-9]{1,3}$)");
    if (!std::regex_match(source, dev)) return bad("must be a V4L2 device such as /dev/video0");
    return {};
  }
  if (type == "file") {
    if (source.empty()) return bad("must be a file path under the media folder");
    std::error_code ec;
    fs::path root = fs::weakly_canonical(fs::absolute(media_dir_), ec);
    fs::path p = fs::path(source).is_absolute() ? fs::path(source) : root / source;
    fs::path canon = fs::weakly_canonical(p, ec);
    if (ec || !is_below(canon, root)) return bad("must be a file inside the media folder (" + media_dir_ + ")");
    if (!fs::is_regular_file(canon, ec)) return bad("file does not exist in the media folder");
    normalised = canon.string();
    return {};
  }
  if (type == "websocket" && source.empty()) return {};  // push mode: frames arrive at /ingest/ws/{id}
  auto u = parse_source_url(source);
  if (!u) return bad("is not a valid URL");
  if (type == "rtsp" && u->scheme != "rtsp" && u->scheme != "rtsps") return bad("Invalid RTSP URL format (rtsp:// or rtsps://)");
  if (type == "http_mjpeg" && u->scheme != "http" && u->scheme != "https") return bad("must be an http:// or https:// URL");
  if (type == "websocket" && u->scheme != "ws" && u->scheme != "wss") return bad("must be a ws:// or wss:// URL");
  if (type == "socket") {
    if (u->scheme != "tcp") return bad("must be tcp://host:port");
    if (u->port == 0) return bad("must include a port (tcp://host:port)");
    if (!u->username.empty()) return bad("must not contain credentials");
  }
  return {};
}

Status CameraService::apply(store::CameraRecord& c, const Json& body, bool creating) {
  JsonValidator v(body);
  auto name = v.str("name", creating, 1, 200);
  auto type = v.one_of("camera_type", creating, {"rtsp", "http_mjpeg", "usb", "websocket", "socket", "file"});
  if (!type && !creating && body.is_object() && body.contains("type")) type = v.one_of("type", false, {"rtsp", "http_mjpeg", "usb", "websocket", "socket", "file"});
  auto source = v.str("source", creating && !(type && *type == "websocket"), 0, 2000);
  auto username = v.str("username", false, 0, 200);
  auto password = v.str("password", false, 0, 200);
  // The capture format: what a USB device is asked for (live_camera_config), 0 for "what the
  // source delivers"; network streams and files choose their own, so for them it is only kept.
  auto width = v.integer("resolution_width", false, 0, 16384);
  auto height = v.integer("resolution_height", false, 0, 16384);
  auto fps = v.integer("fps", false, 0, 240);
  for (auto [key, value] : {std::pair{"resolution_width", width}, {"resolution_height", height}})
    if (value && *value > 0 && *value < 16) v.add(key, "must be 0 (as the source delivers) or at least 16");
  auto settings = v.object("settings", false);
  auto detection = v.object("detection", false);
  auto location = v.object("location", false);
  auto active = v.boolean("is_active", false);
  v.reject_unknown();
  if (!v.ok()) return v.error();

  if (name) c.name = *name;
  // A camera that becomes USB (new, or another type before) asks its device for nothing unless
  // told: a size stored for an RTSP stream was never a choice for this device.
  if (type && *type == "usb" && (creating || c.camera_type != "usb")) c.width = c.height = c.fps = 0;
  if (type) c.camera_type = *type;
  if (width) c.width = static_cast<int>(*width);
  if (height) c.height = static_cast<int>(*height);
  if (fps) c.fps = static_cast<int>(*fps);
  if (settings) {
    // Free-form (an integration may keep its own keys there), but the keys the server acts on
    // are checked: a wrong one would otherwise surface only as a camera that fails to connect.
    JsonValidator sv(*settings);
    sv.one_of("rtsp_transport", false, {"tcp", "udp"});
    sv.boolean("loop", false);
    sv.integer("idle_alert_s", false, 0, 7 * 86400);
    if (!sv.ok()) {
      Error e = Error::make("VALIDATION_ERROR", "Invalid input data");
      for (auto& [k, msgs] : sv.error().details) e.details["settings." + k] = msgs;
      return e;
    }
    c.settings = *settings;
  }
  if (active) c.is_active = *active;
  if (detection) {
    Json merged = c.detection.is_object() && !c.detection.empty() ? c.detection : detection_defaults();
    JsonValidator dv(*detection);
    if (auto e = dv.boolean("enabled", false)) merged["enabled"] = *e;
    if (auto e = dv.number("fps_limit", false, 0.1, 60)) merged["fps_limit"] = *e;
    if (auto e = dv.integer("min_face_size", false, 8, 2048)) merged["min_face_size"] = *e;
    if (auto e = dv.number("confidence_threshold", false, 0.0, 1.0)) merged["confidence_threshold"] = *e;
    if (auto e = dv.integer("max_faces_per_frame", false, 1, 500)) merged["max_faces_per_frame"] = *e;
    dv.reject_unknown();
    if (!dv.ok()) {
      Error e = Error::make("VALIDATION_ERROR", "Invalid input data");
      for (auto& [k, msgs] : dv.error().details) e.details["detection." + k] = msgs;
      return e;
    }
    c.detection = merged;
  }
  if (location) {
    JsonValidator lv(*location);
    Json loc = c.location.is_object() ? c.location : Json::object();
    for (const char* k : {"site", "floor", "zone"})
      if (auto s = lv.str(k, false, 0, 200)) loc[k] = *s;
    lv.reject_unknown();
    if (!lv.ok()) {
      Error e = Error::make("VALIDATION_ERROR", "Invalid input data");
      for (auto& [k, msgs] : lv.error().details) e.details["location." + k] = msgs;
      return e;
    }
    c.location = loc;
  }
  if (source || type || username || password) {
    // Re-validate the source whenever it or its type changes; credentials may come in the
    // URL or in fields, and are sealed together with the URL.
    std::string src = source ? *source : [&] {
      auto old = auth::open_sealed(seal_key_, c.source_sealed);
      auto j = old ? Json::parse(*old, nullptr, false) : Json();
      return j.is_object() ? j.value("url", std::string()) : std::string();
    }();
    std::string normalised;
    if (auto st = check_source(c.camera_type, src, normalised); !st) return st;
    auto u = parse_source_url(normalised);
    std::string user = username ? *username : (u ? u->username : "");
    std::string pass = password ? *password : (u ? u->password : "");
    if (u && (!u->username.empty() || !u->password.empty())) normalised = u->scheme + "://" + u->host + u->rest;
    Json sealed = {{"url", normalised}, {"username", user}, {"password", pass}};
    c.source_sealed = auth::seal(seal_key_, sealed.dump());
    c.has_credentials = !user.empty() || !pass.empty();
    c.source_masked = c.has_credentials && u ? u->scheme + "://***:***@" + u->host + u->rest : normalised;
  }
  if (creating && (c.detection.is_null() || c.detection.empty())) c.detection = detection_defaults();
  return {};
}

Result<store::CameraRecord> CameraService::create(const Json& body, const auth::Principal& who, const std::string& client) {
  store::CameraRecord c;
  if (auto st = apply(c, body, true); !st) return st.error();
  c = store_.create_camera(c);
  audit_.record(who, "create", "camera", std::to_string(c.id), client, "success", {{"name", c.name}, {"type", c.camera_type}});
  if (on_change) on_change(c.id, "create");
  return c;
}

Result<store::CameraRecord> CameraService::update(int64_t id, const Json& body, const auth::Principal& who, const std::string& client) {
  auto c = get(id, who);
  if (!c) return c;
  if (auto st = apply(*c, body, false); !st) return st.error();
  store_.update_camera(*c);
  audit_.record(who, "update", "camera", std::to_string(id), client, "success");
  if (on_change) on_change(id, "update");
  return *store_.camera(id);
}

Result<store::CameraRecord> CameraService::update_settings(int64_t id, const Json& body, const auth::Principal& who,
                                                           const std::string& client) {
  if (!body.is_object()) return Error::make("VALIDATION_ERROR", "body must be a JSON object");
  for (auto it = body.begin(); it != body.end(); ++it) {
    static const std::set<std::string> allowed = {"resolution_width", "resolution_height", "fps", "settings", "detection"};
    if (!allowed.count(it.key())) {
      Error e = Error::make("VALIDATION_ERROR", "Invalid input data");
      e.details[it.key()].push_back("Unknown field");
      return e;
    }
  }
  return update(id, body, who, client);
}

Status CameraService::remove(int64_t id, const auth::Principal& who, const std::string& client) {
  auto c = get(id, who);
  if (!c) return c.error();
  store_.delete_camera(id);
  audit_.record(who, "delete", "camera", std::to_string(id), client, "success", {{"name", c->name}});
  if (on_change) on_change(id, "delete");
  return {};
}

Result<store::CameraRecord> CameraService::get(int64_t id, const auth::Principal& who) {
  auto c = store_.camera(id);
  if (!c || !who.can_see_camera(id)) return Error::make("NOT_FOUND", "Camera not found");
  return *c;
}

store::Page<store::CameraRecord> CameraService::list(const store::PageRequest& p, store::CameraFilter f, const auth::Principal& who) {
  if (!who.camera_ids.empty()) f.allowed_ids = who.camera_ids;
  return store_.list_cameras(p, f);
}

std::optional<CameraSource> CameraService::source(int64_t id) {
  auto c = store_.camera(id);
  if (!c) return std::nullopt;
  auto plain = auth::open_sealed(seal_key_, c->source_sealed);
  if (!plain) return std::nullopt;
  auto j = Json::parse(*plain, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  std::string url = j.value("url", "");
  std::string user = j.value("username", ""), pass = j.value("password", "");
  if (!user.empty() || !pass.empty()) {
    if (auto u = parse_source_url(url)) url = u->scheme + "://" + user + ":" + pass + "@" + u->host + u->rest;
  }
  return CameraSource{c->camera_type, url};
}

std::optional<int64_t> CameraService::ensure_demo_camera(const std::string& clip_path) {
  if (store_.meta("demo_camera_created")) return std::nullopt;
  store::CameraRecord c;
  c.name = "Demo camera";
  c.camera_type = "file";
  Json sealed = {{"url", clip_path}, {"username", ""}, {"password", ""}};
  c.source_sealed = auth::seal(seal_key_, sealed.dump());
  c.source_masked = clip_path;
  c.detection = detection_defaults();
  c.settings = {{"loop", true}};
  c.is_active = true;
  c.location = {{"site", "demo"}};
  c = store_.create_camera(c);
  store_.set_meta("demo_camera_created", std::to_string(c.id));
  return c.id;
}

Json CameraService::to_json(store::CameraRecord c) const {
  Json j = {{"id", c.id}, {"name", std::move(c.name)}, {"source", std::move(c.source_masked)}, {"type", std::move(c.camera_type)},
          {"status", std::move(c.status)}, {"resolution", {{"width", c.width}, {"height", c.height}}}, {"fps", c.fps},
          {"isActive", c.is_active}, {"hasCredentials", c.has_credentials}, {"createdAt", iso8601_ms(c.created_at)},
          {"updatedAt", iso8601_ms(c.updated_at)}};
  j["settings"] = std::move(c.settings);
  j["detection"] = std::move(c.detection);
  j["location"] = std::move(c.location);
  if (stats_for) {
    Json stats = stats_for(c.id);
    if (!stats.is_null()) j["stats"] = std::move(stats);
  }
  return j;
}

}  // namespace argus::services
