#include "core/config.h"

#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <functional>

extern char** environ;

namespace argus {

Json default_config_tree() {
  return Json::parse(R"({
    "server": {"host": "0.0.0.0", "port": 8080, "threads": 0, "max_body_bytes": 33554432,
               "max_header_bytes": 16384, "read_timeout_s": 30, "idle_timeout_s": 60,
               "shutdown_grace_s": 10, "web_root": "", "demo_camera": false},
    "storage": {"data_dir": "./data", "media_dir": "./media", "backend": "sqlite"},
    "auth": {"access_ttl_s": 900, "refresh_ttl_s": 604800, "login_attempts_per_minute": 5},
    "log": {"level": "info"},
    "vision": {"models_dir": "./models", "device": "auto", "intra_op_threads": 1, "frame_threads": -1,
               "detector": "auto", "recognizer": "auto", "fusion": false,
               "detection_threshold": 0.6, "recognition_threshold": 0.0, "match_margin": 0.05,
               "min_face_size": 24, "min_quality": 0.3, "min_sharpness": 15.0,
               "min_brightness": 40.0, "max_brightness": 220.0, "max_yaw_deg": 45.0,
               "hnsw_above": 50000, "warmup_runs": 10},
    "pipeline": {"inference_threads": 0, "spread_slots": true, "frame_ring": 4, "default_fps_limit": 5,
                 "live_cache_ms": 3000, "ws_client_queue": 256, "ws_auth_timeout_s": 10, "sighting_close_ms": 5000,
                 "reconnect_base_ms": 1000, "reconnect_max_ms": 60000, "push_queue": 8,
                 "live_jpeg_quality": 80, "preview_boxes": true,
                 "alert_offline_s": 30, "alert_overload_ratio": 0.1, "alert_disk_free_mb": 1024,
                 "frame_queue_capacity": 32, "frame_workers": 0,
                 "frame_dedup_ms": 5000, "frame_timeout_ms": 5000, "frame_sync_waiters": 0,
                 "frame_job_ttl_s": 600, "frame_job_max": 1000, "frame_snapshot_ttl_s": 86400,
                 "callback_max_attempts": 3, "callback_backoff_ms": 1000, "callback_timeout_ms": 5000,
                 "dead_letter_max": 100, "video_job_queue": 8, "video_job_max": 50, "video_job_ttl_s": 3600,
                 "video_job_sample_fps": 5.0, "video_upload_max_bytes": 268435456,
                 "tracker": {"high_score": 0.6, "low_score": 0.1, "new_track_score": 0.7, "match_iou": 0.3,
                             "appearance_weight": 0.5, "min_hits": 2, "max_lost": 30, "min_quality": 0.3,
                             "embed_recheck_ms": 2000}}
  })");
}

std::string env_name_for(const std::string& dotted) {
  std::string out = "ARGUS_";
  for (char c : dotted) out += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos && kv.rfind("ARGUS_", 0) == 0) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
}

namespace {

Json yaml_to_json(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      Json j = Json::object();
      for (const auto& kv : n) j[kv.first.as<std::string>()] = yaml_to_json(kv.second);
      return j;
    }
    case YAML::NodeType::Sequence: {
      Json j = Json::array();
      for (const auto& v : n) j.push_back(yaml_to_json(v));
      return j;
    }
    case YAML::NodeType::Scalar: return Json(n.Scalar());  // typed later, against the default
    default: return Json();
  }
}

// Converts `text` to the JSON type of `like`; nullopt when it does not fit.
std::optional<Json> coerce(const Json& like, const Json& value) {
  if (like.is_object()) return value.is_object() ? std::optional<Json>(value) : std::nullopt;
  if (!value.is_string()) {
    if (like.is_number_integer() && value.is_number_integer()) return value;
    if (like.is_number_float() && value.is_number()) return Json(value.get<double>());
    if (like.is_boolean() && value.is_boolean()) return value;
    if (like.is_string()) return std::nullopt;
    if (like.is_array() && value.is_array()) return value;
    return std::nullopt;
  }
  std::string s = value.get<std::string>();
  try {
    if (like.is_string()) return Json(s);
    if (like.is_boolean()) {
      std::string l = s;
      std::transform(l.begin(), l.end(), l.begin(), ::tolower);
      if (l == "true" || l == "1" || l == "yes" || l == "on") return Json(true);
      if (l == "false" || l == "0" || l == "no" || l == "off") return Json(false);
      return std::nullopt;
    }
    size_t used = 0;
    if (like.is_number_integer()) {
      long long v = std::stoll(s, &used);
      if (used != s.size()) return std::nullopt;
      return Json(v);
    }
    if (like.is_number_float()) {
      double v = std::stod(s, &used);
      if (used != s.size()) return std::nullopt;
      return Json(v);
    }
  } catch (...) {
    return std::nullopt;
  }
  return std::nullopt;
}

// Keys that were renamed: a configuration written with the old name still loads (with a
// warning); where both names are given, the new one wins.
const std::map<std::string, std::string>& renamed_keys() {
  static const std::map<std::string, std::string> renamed = {
      {"vision.tile_threads", "vision.frame_threads"},  // the helpers took more than detector tiles
  };
  return renamed;
}
std::string current_name(const std::string& key) {
  auto it = renamed_keys().find(key);
  if (it == renamed_keys().end()) return key;
  spdlog::warn("config: '{}' is now called '{}'", key, it->second);
  return it->second;
}

// Merges `src` into `dst`, typed by `defaults`; unknown keys and bad types are errors.
Status merge_typed(Json& dst, const Json& src, const Json& defaults, const std::string& prefix) {
  if (!src.is_object()) return Error::make("CONFIG_ERROR", "'" + prefix + "' must be a mapping");
  for (auto it = src.begin(); it != src.end(); ++it) {
    std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
    std::string name = it.key();
    if (!defaults.contains(name)) {
      std::string now = current_name(key);
      name = now.substr(now.rfind('.') + 1);
      // Same section only; an old name next to its new one is dropped.
      if (now == key || now.substr(0, now.rfind('.')) != prefix || !defaults.contains(name))
        return Error::make("CONFIG_ERROR", "unknown configuration key '" + key + "'");
      if (src.contains(name)) continue;
      key = now;
    }
    const Json& like = defaults[name];
    if (like.is_object()) {
      if (auto st = merge_typed(dst[name], it.value(), like, key); !st) return st;
      continue;
    }
    auto v = coerce(like, it.value());
    if (!v) return Error::make("CONFIG_ERROR", "configuration key '" + key + "' has the wrong type (expected " + std::string(like.type_name()) + ")");
    dst[name] = *v;
  }
  return {};
}

void for_each_leaf(const Json& j, const std::string& prefix, const std::function<void(const std::string&, const Json&)>& fn) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (it.value().is_object()) for_each_leaf(it.value(), key, fn);
    else fn(key, it.value());
  }
}

Json* find_path(Json& root, const std::string& dotted) {
  Json* cur = &root;
  size_t start = 0;
  while (true) {
    size_t dot = dotted.find('.', start);
    std::string part = dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!cur->is_object() || !cur->contains(part)) return nullptr;
    cur = &(*cur)[part];
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
}

bool is_secret_key(const std::string& key) {
  std::string l = key;
  std::transform(l.begin(), l.end(), l.begin(), ::tolower);
  for (const char* w : {"password", "secret", "token", "key"})
    if (l.find(w) != std::string::npos) return true;
  return false;
}

Status check_range(const std::string& key, long long v, long long lo, long long hi) {
  if (v < lo || v > hi)
    return Error::make("CONFIG_ERROR", key + " must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  return {};
}

// pipeline.tracker (src/tracking/tracker.h TrackerConfig): scores and weights are fractions.
Status check_tracker(const Json& t) {
  for (const char* k : {"high_score", "low_score", "new_track_score", "match_iou", "appearance_weight", "min_quality"}) {
    double v = t.at(k).get<double>();
    if (v < 0 || v > 1) return Error::make("CONFIG_ERROR", std::string("pipeline.tracker.") + k + " must be between 0 and 1");
  }
  for (auto st : {check_range("pipeline.tracker.min_hits", t.at("min_hits").get<long long>(), 1, 100),
                  check_range("pipeline.tracker.max_lost", t.at("max_lost").get<long long>(), 1, 100000),
                  check_range("pipeline.tracker.embed_recheck_ms", t.at("embed_recheck_ms").get<long long>(), 0, 3600000)})
    if (!st) return st;
  return {};
}

// pipeline.alert_* (src/events/alert_monitor.h); 0 turns a rule off.
Status check_alerts(const Json& p) {
  double ratio = p.at("alert_overload_ratio").get<double>();
  if (ratio < 0 || ratio > 1) return Error::make("CONFIG_ERROR", "pipeline.alert_overload_ratio must be between 0 and 1");
  for (auto st : {check_range("pipeline.alert_offline_s", p.at("alert_offline_s").get<long long>(), 0, 86400),
                  check_range("pipeline.alert_disk_free_mb", p.at("alert_disk_free_mb").get<long long>(), 0, 1LL << 30)})
    if (!st) return st;
  return {};
}

}  // namespace

Result<Config> Config::load(const std::string& yaml_path, const std::map<std::string, std::string>& env,
                            const std::map<std::string, std::string>& overrides) {
  const Json defaults = default_config_tree();
  Json tree = defaults;
  if (!yaml_path.empty()) {
    if (!std::filesystem::exists(yaml_path))
      return Error::make("CONFIG_ERROR", "configuration file not found: " + yaml_path);
    YAML::Node root;
    try {
      root = YAML::LoadFile(yaml_path);
    } catch (const std::exception& e) {
      return Error::make("CONFIG_ERROR", "cannot parse " + yaml_path + ": " + e.what());
    }
    if (root && !root.IsNull()) {
      if (auto st = merge_typed(tree, yaml_to_json(root), defaults, ""); !st) return st.error();
    }
  }
  Status env_status;
  for_each_leaf(defaults, "", [&](const std::string& key, const Json& like) {
    auto it = env.find(env_name_for(key));
    for (const auto& [was, now] : renamed_keys()) {  // the old name's variable, if only it is set
      if (it != env.end()) break;
      if (now != key || (it = env.find(env_name_for(was))) == env.end()) continue;
      spdlog::warn("config: {} is now called {}", it->first, env_name_for(now));
    }
    if (it == env.end() || !env_status) return;
    auto v = coerce(like, Json(it->second));
    if (!v) env_status = Error::make("CONFIG_ERROR", it->first + " has the wrong type (expected " + std::string(like.type_name()) + ")");
    else *find_path(tree, key) = *v;
  });
  if (!env_status) return env_status.error();
  for (const auto& [given, text] : overrides) {
    const std::string key = current_name(given);
    Json* slot = find_path(tree, key);
    if (!slot) return Error::make("CONFIG_ERROR", "unknown configuration key '" + key + "'");
    auto v = coerce(*slot, Json(text));
    if (!v) return Error::make("CONFIG_ERROR", "value for '" + key + "' has the wrong type");
    *slot = *v;
  }
  return from_tree(std::move(tree));
}

Result<Config> Config::from_tree(Json tree) {
  Config c;
  try {
    const Json& s = tree.at("server");
    c.server.host = s.at("host");
    c.server.port = s.at("port");
    c.server.threads = s.at("threads");
    c.server.max_body_bytes = s.at("max_body_bytes");
    c.server.max_header_bytes = s.at("max_header_bytes");
    c.server.read_timeout_s = s.at("read_timeout_s");
    c.server.idle_timeout_s = s.at("idle_timeout_s");
    c.server.shutdown_grace_s = s.at("shutdown_grace_s");
    c.server.web_root = s.at("web_root");
    c.server.demo_camera = s.at("demo_camera");
    const Json& st = tree.at("storage");
    c.storage.data_dir = st.at("data_dir");
    c.storage.media_dir = st.at("media_dir");
    c.storage.backend = st.at("backend");
    const Json& a = tree.at("auth");
    c.auth.access_ttl_s = a.at("access_ttl_s");
    c.auth.refresh_ttl_s = a.at("refresh_ttl_s");
    c.auth.login_attempts_per_minute = a.at("login_attempts_per_minute");
    c.log.level = tree.at("log").at("level");
  } catch (const std::exception& e) {
    return Error::make("CONFIG_ERROR", std::string("invalid configuration: ") + e.what());
  }
  for (auto st : {check_range("server.port", c.server.port, 0, 65535),
                  check_range("server.threads", c.server.threads, 0, 256),
                  check_range("server.max_body_bytes", c.server.max_body_bytes, 1024, 1LL << 31),
                  check_range("server.max_header_bytes", c.server.max_header_bytes, 1024, 1 << 20),
                  check_range("server.read_timeout_s", c.server.read_timeout_s, 1, 3600),
                  check_range("auth.access_ttl_s", c.auth.access_ttl_s, 1, 86400),
                  check_range("auth.refresh_ttl_s", c.auth.refresh_ttl_s, 60, 90 * 86400),
                  check_range("auth.login_attempts_per_minute", c.auth.login_attempts_per_minute, 1, 10000)})
    if (!st) return st.error();
  if (auto st = check_tracker(tree.at("pipeline").at("tracker")); !st) return st.error();
  if (auto st = check_alerts(tree.at("pipeline")); !st) return st.error();
  if (auto st = check_range("pipeline.ws_auth_timeout_s", tree.at("pipeline").at("ws_auth_timeout_s").get<long long>(), 1, 300); !st)
    return st.error();
  if (c.storage.backend != "sqlite")
    return Error::make("CONFIG_ERROR", "storage.backend must be 'sqlite' (postgres is not built yet)");
  static const char* levels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  if (std::find(std::begin(levels), std::end(levels), c.log.level) == std::end(levels))
    return Error::make("CONFIG_ERROR", "log.level must be one of trace, debug, info, warn, error, critical, off");
  c.tree = std::move(tree);
  return c;
}

Json Config::masked() const {
  Json out = tree;
  std::function<void(Json&)> walk = [&](Json& j) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.value().is_object()) walk(it.value());
      else if (is_secret_key(it.key()) && it.value().is_string() && !it.value().get<std::string>().empty())
        it.value() = "********";
    }
  };
  walk(out);
  return out;
}

}  // namespace argus
