#include "cli/serve.h"

#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "api/app.h"
#include "recognition/image_decode.h"
#include "api/routes_vision.h"
#include "api/routes_frames.h"
#include "api/routes_jobs.h"
#include "services/frame_service.h"
#include "recognition/recognition_config.h"
#include "services/recognition_service.h"
#include "vision/face_analyzer.h"
#include "api/server.h"
#include "auth/crypto.h"
#include "cli/live_runtime.h"
#include "core/log.h"
#include "core/time.h"
#include "obs/system_stats.h"
#include "services/audit_service.h"
#include "services/auth_service.h"
#include "services/camera_service.h"
#include "services/person_service.h"
#include "services/sighting_service.h"
#include "services/system_config_service.h"
#include "services/user_service.h"
#include "store/store.h"

namespace argus::cli {

namespace fs = std::filesystem;

Result<std::map<std::string, std::string>> set_overrides(const std::vector<std::string>& sets) {
  std::map<std::string, std::string> overrides;
  for (const auto& s : sets) {
    auto eq = s.find('=');
    if (eq == std::string::npos) return Error::make("BAD_CONFIG", "--set needs section.key=value, got '" + s + "'");
    overrides[s.substr(0, eq)] = s.substr(eq + 1);
  }
  return overrides;
}

std::optional<Config> load_config(const GlobalOptions& o) {
  auto sets = set_overrides(o.sets);
  if (!sets) {
    std::cerr << "argus: " << sets.error().message << "\n";
    return std::nullopt;
  }
  std::map<std::string, std::string> overrides = std::move(*sets);
  if (!o.data_dir.empty()) overrides["storage.data_dir"] = o.data_dir;
  if (o.port >= 0) overrides["server.port"] = std::to_string(o.port);
  if (!o.host.empty()) overrides["server.host"] = o.host;
  if (!o.log_level.empty()) overrides["log.level"] = o.log_level;
  if (o.demo_camera) overrides["server.demo_camera"] = "true";
  auto env = process_environment();
  std::string path = o.config_path;
  if (path.empty() && env.count("ARGUS_CONFIG")) path = env["ARGUS_CONFIG"];
  env.erase("ARGUS_CONFIG");
  env.erase("ARGUS_EVAL_DATA");
  env.erase("ARGUS_BIN");
  auto cfg = Config::load(path, env, overrides);
  if (!cfg) {
    std::cerr << "argus: " << cfg.error().message << "\n";
    return std::nullopt;
  }
  return std::move(cfg.value());
}

namespace {

std::string exe_dir() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? "." : p.parent_path().string();
}

std::string default_web_root() {
  for (auto candidate : {fs::path(exe_dir()) / ".." / "web" / "dist", fs::path(exe_dir()) / "web", fs::path("web/dist")})
    if (fs::exists(candidate / "index.html")) return fs::weakly_canonical(candidate).string();
  return "";
}

// Everything a data directory holds, opened in order: folders, secrets, the store.
struct DataDir {
  std::string root, blobs;
  auth::Secrets secrets;
  std::unique_ptr<store::Store> store;

  static std::optional<DataDir> open(const Config& cfg) {
    DataDir d;
    d.root = cfg.storage.data_dir;
    d.blobs = d.root + "/blobs";
    std::error_code ec;
    for (auto sub : {"", "/blobs", "/blobs/persons", "/blobs/snapshots", "/blobs/clips"}) {
      fs::create_directories(d.root + sub, ec);
      if (ec) {
        std::cerr << "argus: cannot create " << d.root + sub << ": " << ec.message() << "\n";
        return std::nullopt;
      }
    }
    try {
      auth::init_crypto();
      d.secrets = auth::load_or_create_secrets(d.root + "/secret.key");
      d.store = store::open_sqlite_store(d.root + "/argus.db");
    } catch (const std::exception& e) {
      std::cerr << "argus: " << e.what() << "\n";
      return std::nullopt;
    }
    return d;
  }
};

// Loads the face models named by the "vision" section; models_dir may be relative to the
// working directory or to the source tree above build/. Null (with `why`) when unavailable.
std::shared_ptr<vision::FaceAnalyzer> load_face_analyzer(const Config& cfg, std::string& why) {
  auto vcfg = vision::VisionConfig::from_json(cfg.tree);
  if (!vcfg) {
    why = vcfg.error().message;
    return nullptr;
  }
  if (fs::path(vcfg->models_dir).is_relative() && !fs::exists(vcfg->models_dir) &&
      fs::exists(fs::path(exe_dir()) / ".." / vcfg->models_dir))
    vcfg->models_dir = fs::weakly_canonical(fs::path(exe_dir()) / ".." / vcfg->models_dir).string();
  vision::RegistryOptions ropts;
  ropts.warmup_runs = cfg.tree["vision"].value("warmup_runs", 10);
  auto created = vision::FaceAnalyzer::create(*vcfg, ropts);
  if (!created) {
    why = created.error().message;
    return nullptr;
  }
  return created.value();
}

std::string read_password(const std::string& prompt) {
  if (!isatty(STDIN_FILENO)) return "";
  std::cerr << prompt;
  termios old{};
  tcgetattr(STDIN_FILENO, &old);
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  std::string pw;
  std::getline(std::cin, pw);
  tcsetattr(STDIN_FILENO, TCSANOW, &old);
  std::cerr << "\n";
  return pw;
}

}  // namespace

int run_serve(const GlobalOptions& o) {
  // Block the stop signals before any thread starts, so only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto cfg = load_config(o);
  if (!cfg) return 2;
  setup_logging(cfg->log.level);
  auto data = DataDir::open(*cfg);
  if (!data) return 1;
  obs::register_process_metrics();

  services::AuditService audit(*data->store);
  services::AuthService auth(*data->store, audit, cfg->auth, data->secrets);
  services::UserService users(*data->store, auth, audit);
  services::CameraService cameras(*data->store, audit, data->secrets.seal_key, cfg->storage.media_dir);
  services::PersonService persons(*data->store, audit, data->blobs);
  services::SightingService sightings(*data->store);
  services::SystemConfigService system_config(*data->store, audit);
  cameras.system_config = [&system_config] { return system_config.get(); };  // a new camera's detection defaults
  obs::SystemSampler sampler(data->root);

  if (auto pw = services::bootstrap_admin(*data->store, data->root)) {
    std::cout << "\n  First start: created user 'admin' with password  " << *pw << "\n"
              << "  (also written to " << data->root << "/initial-admin-password; change it after logging in)\n\n"
              << std::flush;
  }

  // Face models: optional at run time. Without them the server still manages cameras and
  // persons, and the routes that need models answer 503 with the reason.
  std::string vision_unavailable;
  auto analyzer = load_face_analyzer(*cfg, vision_unavailable);
  if (!analyzer) spdlog::warn("face models unavailable ({}); run scripts/fetch-models.sh", vision_unavailable);
  auto rec_cfg = parse_recognition_config(cfg->tree);
  services::RecognitionService recognition(*data->store, audit, analyzer, rec_cfg ? rec_cfg.value() : RecognitionConfig{},
                                           data->blobs);
  recognition.set_unavailable_reason(vision_unavailable);
  (void)recognition.load_gallery();

  if (cfg->server.demo_camera) {
    std::error_code ec;
    fs::path clip = fs::weakly_canonical(fs::absolute(cfg->storage.media_dir) / "demo.mp4", ec);
    if (fs::exists(clip)) {
      if (auto id = cameras.ensure_demo_camera(clip.string())) spdlog::info("created the demo camera (id {})", *id);
    } else {
      spdlog::warn("demo camera: {} is missing (scripts/make-demo-video.sh makes it)", clip.string());
    }
  }

  api::AppContext ctx{*data->store, audit, auth, users, cameras, persons, sightings, system_config, sampler,
                      cfg->server.web_root.empty() ? default_web_root() : cfg->server.web_root,
                      ARGUS_VERSION, data->root, {}, {}};
  api::ApiApp app(ctx);
  api::add_core_routes(app);
  api::add_vision_routes(app, recognition);
  // Push-mode frames (issue 3 §6, seed 001 §4.1.1): a priority queue and workers over the
  // same analyzer and gallery. Stopped before the HTTP server so waiting requests end at once.
  auto frame_cfg = services::FrameServiceConfig::from_tree(cfg->tree);
  if (!frame_cfg) {
    for (auto& [key, msgs] : frame_cfg.error().details) std::cerr << "argus: " << key << " " << msgs.front() << "\n";
    return 2;
  }
  int http_threads = cfg->server.threads > 0 ? cfg->server.threads
                                             : static_cast<int>(std::max(2u, std::thread::hardware_concurrency()) * 2);
  services::FrameService frames(recognition, *data->store, frame_cfg.value(), data->root, http_threads);
  frames.start();
  api::add_frame_routes(app, frames);
  // Video files as jobs (issue 4 §1): one worker below live priority; GET /jobs/{id} serves both kinds.
  auto video_jobs = services::VideoJobService::create(cfg->tree, recognition, cfg->storage.media_dir, data->blobs, *data->store);
  if (!video_jobs) {
    std::cerr << "argus: " << video_jobs.error().message << "\n";
    return 2;
  }
  api::add_job_routes(app, frames, *video_jobs.value());
  ctx.health_checks.push_back({"models", [&recognition] {
    return recognition.available() ? Json{{"status", "healthy"}, {"gallery_size", recognition.gallery_size()}}
                                   : Json{{"status", "degraded"}, {"reason", recognition.unavailable_reason()}};
  }});

  // Cameras inside serve (issue 4): sessions, live results, sightings, /ws, MJPEG, ingest.
  LiveRuntime live({*cfg, app, data->blobs, recognition.frame_analyzer(), recognition.identity_matcher(),
                    [&recognition](int64_t id) { return recognition.person_name(id); }, analyzer ? "argus-face" : ""});
  // Frames pushed for a registered camera join its tracks, live view and history.
  frames.set_live_feed(live.pushed_frames());

  api::HttpServer server(cfg->server, app);
  server.ws_queue_limit = live.ws_client_queue();
  unsigned short port = 0;
  try {
    port = server.start();
  } catch (const std::exception& e) {
    std::cerr << "argus: cannot listen on " << cfg->server.host << ":" << cfg->server.port << ": " << e.what() << "\n";
    return 1;
  }
  std::string shown_host = cfg->server.host == "0.0.0.0" ? "127.0.0.1" : cfg->server.host;
  std::cout << "Argus " << ARGUS_VERSION << " listening on http://" << shown_host << ":" << port << "/" << std::endl;
  spdlog::info("data directory {}, dashboard {}", data->root, ctx.web_root.empty() ? "(not built)" : ctx.web_root);

  live.start();

  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("signal {}: shutting down", sig);
  frames.stop();
  video_jobs.value()->stop();  // a running job is stored as interrupted
  server.stop();
  live.stop();
  spdlog::info("stopped");
  return 0;
}

int run_config_print(const GlobalOptions& o) {
  auto cfg = load_config(o);
  if (!cfg) return 2;
  std::cout << cfg->masked().dump(2) << "\n";
  return 0;
}

int run_user_add(const GlobalOptions& o, const std::string& name, const std::string& role, std::string password) {
  auto cfg = load_config(o);
  if (!cfg) return 2;
  auto data = DataDir::open(*cfg);
  if (!data) return 1;
  bool generated = false;
  if (password.empty()) password = read_password("Password for " + name + ": ");
  if (password.empty()) {
    password = auth::random_password(20);
    generated = true;
  }
  services::AuditService audit(*data->store);
  services::AuthService auth(*data->store, audit, cfg->auth, data->secrets);
  services::UserService users(*data->store, auth, audit);
  auto u = users.create_local(name, password, role);
  if (!u) {
    std::cerr << "argus: " << u.error().message << "\n";
    return 1;
  }
  audit.record(std::nullopt, "create", "user", std::to_string(u->id), "cli", "success", {{"username", name}, {"role", role}}, "cli");
  std::cout << "created user " << name << " (" << role << ")";
  if (generated) std::cout << " with password " << password;
  std::cout << "\n";
  return 0;
}

int run_user_passwd(const GlobalOptions& o, const std::string& name, std::string password) {
  auto cfg = load_config(o);
  if (!cfg) return 2;
  auto data = DataDir::open(*cfg);
  if (!data) return 1;
  if (password.empty()) password = read_password("New password for " + name + ": ");
  services::AuditService audit(*data->store);
  services::AuthService auth(*data->store, audit, cfg->auth, data->secrets);
  services::UserService users(*data->store, auth, audit);
  auto st = users.set_password_local(name, password);
  if (!st) {
    std::cerr << "argus: " << st.error().message << "\n";
    return 1;
  }
  audit.record(std::nullopt, "update", "user", name, "cli", "success", {{"fields", {"password"}}}, "cli");
  std::cout << "password changed for " << name << " (existing sessions revoked)\n";
  return 0;
}

int run_user_list(const GlobalOptions& o) {
  auto cfg = load_config(o);
  if (!cfg) return 2;
  auto data = DataDir::open(*cfg);
  if (!data) return 1;
  auto page = data->store->list_users({1, 100}, std::nullopt);
  for (const auto& u : page.items)
    std::cout << u.id << "\t" << u.username << "\t" << u.role << "\t" << (u.last_login ? iso8601_ms(*u.last_login) : "never") << "\n";
  return 0;
}

namespace {
std::optional<services::Upload> read_upload(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return services::Upload{fs::path(path).filename().string(), std::string((std::istreambuf_iterator<char>(in)), {})};
}
// What the offline face commands share: the data directory, the models and a gallery loaded
// from the store. `error` is the exit code when opening failed.
struct FaceTools {
  std::optional<DataDir> data;
  std::shared_ptr<vision::FaceAnalyzer> analyzer;
  std::unique_ptr<services::AuditService> audit;
  std::unique_ptr<services::RecognitionService> recognition;
  int error = 0;
  explicit operator bool() const { return error == 0; }

  static FaceTools open(const GlobalOptions& o) {
    FaceTools t;
    auto cfg = load_config(o);
    if (!cfg) {
      t.error = 2;
      return t;
    }
    setup_logging("warn");
    t.data = DataDir::open(*cfg);
    if (!t.data) {
      t.error = 1;
      return t;
    }
    std::string why;
    t.analyzer = load_face_analyzer(*cfg, why);
    if (!t.analyzer) {
      std::cerr << "argus: face models unavailable: " << why << "\n";
      t.error = 1;
      return t;
    }
    t.audit = std::make_unique<services::AuditService>(*t.data->store);
    auto rec_cfg = parse_recognition_config(cfg->tree);
    t.recognition = std::make_unique<services::RecognitionService>(
        *t.data->store, *t.audit, t.analyzer, rec_cfg ? rec_cfg.value() : RecognitionConfig{}, t.data->blobs);
    (void)t.recognition->load_gallery();
    return t;
  }
};

}  // namespace

int run_enroll(const GlobalOptions& o, const std::string& name, const std::string& employee_id,
               const std::vector<std::string>& images) {
  auto tools = FaceTools::open(o);
  if (!tools) return tools.error;
  auto& data = tools.data;
  auto& recognition = *tools.recognition;
  services::PersonService persons(*data->store, *tools.audit, data->blobs);
  std::vector<services::Upload> photos;
  for (const auto& path : images) {
    auto u = read_upload(path);
    if (!u) {
      std::cerr << "argus: cannot read " << path << "\n";
      return 1;
    }
    photos.push_back(std::move(*u));
  }
  auth::Principal cli_user{0, "cli", auth::Role::admin, {}, "", 0};
  Json fields = {{"name", name}};
  if (!employee_id.empty()) fields["employee_id"] = employee_id;
  auto person = persons.create(fields, cli_user, "cli");
  if (!person) {
    std::cerr << "argus: " << person.error().message << "\n";
    for (auto& [k, msgs] : person.error().details) std::cerr << "  " << k << ": " << msgs.front() << "\n";
    return 1;
  }
  auto verdicts = recognition.enrol(person->id, photos, cli_user, "cli");
  Json out = Json::array();
  bool ok = verdicts.ok();
  if (ok)
    for (auto& v : *verdicts) {
      out.push_back(v.to_json());
      ok = ok && v.ok;
    }
  if (!ok) data->store->delete_person(person->id);  // all-or-nothing, as over the API
  std::cout << Json{{"person_id", ok ? Json(person->id) : Json(nullptr)}, {"name", name}, {"enrolled", ok}, {"images", out}}.dump(2) << "\n";
  if (!verdicts.ok()) std::cerr << "argus: " << verdicts.error().message << "\n";
  return ok ? 0 : 3;
}

int run_identify(const GlobalOptions& o, const std::vector<std::string>& images) {
  auto tools = FaceTools::open(o);
  if (!tools) return tools.error;
  auto& analyzer = tools.analyzer;
  auto& recognition = *tools.recognition;
  Json results = Json::array();
  int rc = 0;
  for (const auto& path : images) {
    auto u = read_upload(path);
    auto img = u ? decode_image(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(u->bytes.data()), u->bytes.size()))
                 : Result<cv::Mat>(Error::make("INVALID_IMAGE", "cannot read file"));
    if (!img) {
      results.push_back({{"image", path}, {"error", img.error().message}});
      rc = 1;
      continue;
    }
    Json faces = Json::array();
    for (const auto& f : analyzer->analyze(img.value())) {
      auto who = recognition.identify(f.embedding, f.embedder_id);
      faces.push_back({{"bbox", {{"x", f.box.x}, {"y", f.box.y}, {"width", f.box.w}, {"height", f.box.h}}},
                       {"confidence", f.score},
                       {"person", who.person_id ? Json{{"id", *who.person_id}, {"name", who.name}} : Json(nullptr)},
                       {"similarity", who.similarity},
                       {"decision", who.decision}});
    }
    results.push_back({{"image", path}, {"faces", faces}});
  }
  std::cout << Json{{"results", results}}.dump(2) << "\n";
  return rc;
}

}  // namespace argus::cli
