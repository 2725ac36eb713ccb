#include "cli/models_commands.h"

#include <curl/curl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/model_catalogue_json.h"  // generated from config/model-catalogue.json
#include "core/json.h"
#include "core/time.h"
#include "vision/model_registry.h"
#include "vision/vision_config.h"

namespace argus::cli {
namespace {
namespace fs = std::filesystem;

// A base URL that replaces the catalogue's host: the file is fetched from
// $ARGUS_MODEL_MIRROR/<mirror_path> (the layout of ../shared/data/baseline-models).
constexpr const char* kMirrorEnv = "ARGUS_MODEL_MIRROR";
constexpr long kMaxRedirects = 5;

struct ModelsOptions {
  std::string name;
  std::string models_dir;
  std::string url;        // exact file URL (overrides the catalogue and the mirror)
  std::string mirror;     // base URL (overrides $ARGUS_MODEL_MIRROR)
  std::string catalogue;  // catalogue file ("" = the compiled-in one)
  long timeout_s = 600;   // whole transfer
  bool json = false;
};

struct CatalogueEntry {
  std::string name, description, task, decoder, input_size, file, sha256, url, mirror_path, licence, source;
  int64_t size = 0;
};

bool is_hex64(const std::string& s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}
bool is_plain_file_name(const std::string& s) {
  return !s.empty() && s.front() != '.' && s.find('/') == std::string::npos && s.find('\\') == std::string::npos;
}
bool is_http_url(const std::string& u) { return u.rfind("http://", 0) == 0 || u.rfind("https://", 0) == 0; }

Result<std::vector<CatalogueEntry>> load_catalogue(const std::string& path) {
  std::string text = kModelCatalogueJson, where = "the built-in catalogue";
  if (!path.empty()) {
    std::ifstream in(path);
    if (!in) return Error::make("NOT_FOUND", "cannot read catalogue " + path);
    text.assign(std::istreambuf_iterator<char>(in), {});
    where = path;
  }
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("models") || !j["models"].is_object())
    return Error::make("VALIDATION_ERROR", where + ": not a JSON object with a \"models\" object");
  std::vector<CatalogueEntry> out;
  for (const auto& [name, m] : j["models"].items()) {
    CatalogueEntry e;
    e.name = name;
    auto str = [&](const char* key) { return m.is_object() && m.contains(key) && m[key].is_string() ? m[key].get<std::string>() : ""; };
    e.description = str("description"); e.task = str("task"); e.decoder = str("decoder");
    e.input_size = str("input_size"); e.file = str("file"); e.sha256 = str("sha256"); e.url = str("url");
    e.mirror_path = str("mirror_path"); e.licence = str("licence"); e.source = str("source");
    if (m.is_object() && m.contains("size") && m["size"].is_number_integer()) e.size = m["size"].get<int64_t>();
    std::string bad;
    if (e.task.empty() || e.decoder.empty() || e.input_size.empty()) bad = "task, decoder and input_size are required";
    else if (!is_plain_file_name(e.file)) bad = "file must be a plain file name";
    else if (!is_hex64(e.sha256)) bad = "sha256 must be 64 lowercase hex digits";
    else if (e.size <= 0) bad = "size (bytes) is required";
    else if (!is_http_url(e.url)) bad = "url must be http(s)";
    if (!bad.empty()) return Error::make("VALIDATION_ERROR", where + ": model " + name + ": " + bad);
    out.push_back(std::move(e));
  }
  return out;
}

// The models folder: --models-dir, else vision.models_dir of the configuration.
std::optional<std::string> resolve_models_dir(const GlobalOptions& g, const ModelsOptions& o) {
  if (!o.models_dir.empty()) return o.models_dir;
  auto cfg = load_config(g);
  if (!cfg) return std::nullopt;
  auto vc = vision::VisionConfig::from_json(cfg->tree);
  if (!vc) {
    std::cerr << "argus: " << vc.error().message << "\n";
    return std::nullopt;
  }
  return vc->models_dir;
}

std::string human_size(int64_t bytes) {
  char buf[32];
  if (bytes >= 1 << 20) std::snprintf(buf, sizeof buf, "%.1f MiB", double(bytes) / (1 << 20));
  else std::snprintf(buf, sizeof buf, "%.0f KiB", double(bytes) / 1024);
  return buf;
}

// The temporary download: removed unless handed over with keep().
class TempFile {
 public:
  explicit TempFile(const std::string& dir, const std::string& file) {
    path_ = dir + "/." + file + ".part-XXXXXX";
    int fd = mkstemp(path_.data());
    if (fd < 0) { path_.clear(); return; }
    fchmod(fd, 0644);
    f_ = fdopen(fd, "wb");
    if (!f_) { ::close(fd); discard(); }
  }
  ~TempFile() { discard(); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  FILE* file() const { return f_; }
  const std::string& path() const { return path_; }
  // Flushes to disk; false on a write error.
  bool finish() {
    bool ok = f_ && std::fflush(f_) == 0 && fsync(fileno(f_)) == 0;
    if (f_ && std::fclose(f_) != 0) ok = false;
    f_ = nullptr;
    return ok;
  }
  void keep() { path_.clear(); }

 private:
  void discard() {
    if (f_) std::fclose(f_);
    f_ = nullptr;
    if (!path_.empty()) ::unlink(path_.c_str());
    path_.clear();
  }
  std::string path_;
  FILE* f_ = nullptr;
};

struct Sink {
  FILE* f;
  vision::Sha256 sha;
  int64_t bytes = 0, max_bytes = 0;
  bool too_big = false, write_failed = false;
};

size_t on_data(char* data, size_t size, size_t n, void* user) {
  auto* s = static_cast<Sink*>(user);
  const size_t len = size * n;
  if (s->bytes + int64_t(len) > s->max_bytes) { s->too_big = true; return 0; }  // 0 aborts the transfer
  if (std::fwrite(data, 1, len, s->f) != len) { s->write_failed = true; return 0; }
  s->sha.update(data, len);
  s->bytes += int64_t(len);
  return len;
}

struct Downloaded {
  int64_t bytes = 0;
  std::string sha256;
};

// GET url into `out`, hashing as it streams; at most max_bytes. HTTPS peers are verified
// (system CA store), redirects are followed up to kMaxRedirects and never from https to http.
Result<Downloaded> download(const std::string& url, FILE* out, int64_t max_bytes, long timeout_s) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> c(curl_easy_init(), curl_easy_cleanup);
  if (!c) return Error::make("INTERNAL", "libcurl could not start");
  Sink sink{out, {}, 0, max_bytes};
  char errbuf[CURL_ERROR_SIZE] = {0};
  const bool https = url.rfind("https://", 0) == 0;
  curl_easy_setopt(c.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(c.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c.get(), CURLOPT_REDIR_PROTOCOLS_STR, https ? "https" : "http,https");
  curl_easy_setopt(c.get(), CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c.get(), CURLOPT_MAXREDIRS, kMaxRedirects);
  curl_easy_setopt(c.get(), CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c.get(), CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(c.get(), CURLOPT_CONNECTTIMEOUT, 20L);
  curl_easy_setopt(c.get(), CURLOPT_TIMEOUT, timeout_s);
  curl_easy_setopt(c.get(), CURLOPT_LOW_SPEED_LIMIT, 1024L);  // abort below 1 KiB/s for 30 s
  curl_easy_setopt(c.get(), CURLOPT_LOW_SPEED_TIME, 30L);
  curl_easy_setopt(c.get(), CURLOPT_MAXFILESIZE_LARGE, curl_off_t(max_bytes));
  curl_easy_setopt(c.get(), CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(c.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c.get(), CURLOPT_USERAGENT, "argus/" ARGUS_VERSION);
  curl_easy_setopt(c.get(), CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c.get(), CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c.get(), CURLOPT_WRITEDATA, &sink);
  CURLcode rc = curl_easy_perform(c.get());
  if (rc != CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(c.get(), CURLINFO_RESPONSE_CODE, &status);
    std::string why = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    if (rc == CURLE_HTTP_RETURNED_ERROR) why = "HTTP " + std::to_string(status);
    else if (sink.too_big || rc == CURLE_FILESIZE_EXCEEDED)
      why = "the server sent more than the catalogue's " + std::to_string(max_bytes) + " bytes";
    else if (sink.write_failed) why = "cannot write the download (disk full?)";
    else if (rc == CURLE_TOO_MANY_REDIRECTS) why = "more than " + std::to_string(kMaxRedirects) + " redirects";
    else if (rc == CURLE_PEER_FAILED_VERIFICATION) why = "TLS certificate verification failed: " + why;
    return Error::make(rc == CURLE_HTTP_RETURNED_ERROR && status == 404 ? "NOT_FOUND" : "DOWNLOAD_FAILED", why);
  }
  return Downloaded{sink.bytes, sink.sha.hex()};
}

int run_pull(const GlobalOptions& g, const ModelsOptions& o) {
  auto fail = [&](int code, const std::string& msg) {
    std::cerr << "argus models pull " << o.name << ": " << msg << "\n";
    return code;
  };
  auto cat = load_catalogue(o.catalogue);
  if (!cat) return fail(2, cat.error().message);
  const CatalogueEntry* e = nullptr;
  std::string names;
  for (const auto& c : *cat) {
    if (c.name == o.name) e = &c;
    names += (names.empty() ? "" : ", ") + c.name;
  }
  if (!e) return fail(2, "unknown model (the catalogue has: " + names + ")");
  if (!vision::pulled_decoder_supported(e->task, e->decoder))
    return fail(2, "this argus cannot run a " + e->task + " with decoder '" + e->decoder + "'");
  auto dir = resolve_models_dir(g, o);
  if (!dir) return 2;

  std::string url = e->url;
  std::string mirror = o.mirror;
  if (mirror.empty() && std::getenv(kMirrorEnv)) mirror = std::getenv(kMirrorEnv);
  if (!o.url.empty()) url = o.url;
  else if (!mirror.empty()) {
    if (e->mirror_path.empty()) return fail(2, "the catalogue gives no mirror_path for this model");
    while (!mirror.empty() && mirror.back() == '/') mirror.pop_back();
    url = mirror + "/" + e->mirror_path;
  }
  if (!is_http_url(url)) return fail(2, "only http:// and https:// URLs are supported, got " + url);

  std::error_code ec;
  const bool dir_existed = fs::is_directory(*dir, ec);
  if (!dir_existed && !fs::create_directories(*dir, ec))
    return fail(1, "cannot create models folder " + *dir + ": " + ec.message());
  // On failure leave nothing behind: not even a folder we made.
  auto fail_clean = [&](int code, const std::string& msg) {
    if (!dir_existed) fs::remove(*dir, ec);  // only when empty
    return fail(code, msg);
  };
  const std::string target = *dir + "/" + e->file;
  const bool had_target = fs::exists(target, ec);

  vision::PulledModel rec{e->name, e->task, e->decoder, e->input_size, e->file, e->sha256, url, e->licence,
                          iso8601_ms(now_unix_ms())};
  // Download into a temporary file beside the target, verify, then rename over it.
  auto install = [&]() -> Result<std::string> {
    if (had_target && vision::sha256_file(target) == e->sha256) return "already present and verified: " + target;
    TempFile tmp(*dir, e->file);
    if (!tmp.file()) return Error::make("IO_ERROR", "cannot create a temporary file in " + *dir);
    std::cerr << "argus: downloading " << e->name << " (" << human_size(e->size) << ") from " << url << "\n";
    curl_global_init(CURL_GLOBAL_DEFAULT);
    auto got = download(url, tmp.file(), e->size, o.timeout_s);
    if (!tmp.finish() && got) got = Error::make("IO_ERROR", "cannot write " + tmp.path());
    if (!got) return Error::make(got.error().code, "download from " + url + " failed: " + got.error().message);
    if (got->bytes != e->size || got->sha256 != e->sha256)
      return Error::make("CHECKSUM_MISMATCH", "SHA-256 mismatch for the file from " + url + ": expected " + e->sha256 +
                                                  " (" + std::to_string(e->size) + " bytes), got " + got->sha256 +
                                                  " (" + std::to_string(got->bytes) + " bytes)");
    if (::rename(tmp.path().c_str(), target.c_str()) != 0)
      return Error::make("IO_ERROR", "cannot move the download to " + target + ": " + std::strerror(errno));
    tmp.keep();
    return "downloaded " + std::to_string(got->bytes) + " bytes, SHA-256 verified: " + target;
  };
  auto how = install();
  if (!how) return fail_clean(1, how.error().message + "; nothing was installed");
  if (auto st = vision::record_pulled_model(*dir, rec); !st) {
    if (!had_target) fs::remove(target, ec);
    return fail_clean(1, st.error().message + "; nothing was installed");
  }
  if (o.json) {
    Json j = rec.to_json();
    j["path"] = target;
    std::cout << j.dump() << "\n";
  } else {
    std::cout << "pulled " << e->name << ": " << *how << "\n"
              << "registered in " << *dir << "/" << vision::kPulledModelsFile << "; make it active with\n"
              << "  PUT /api/v1/models/" << e->task << " {\"model_id\": \"" << e->name << "\"}  (no restart), or\n"
              << "  vision." << e->task << ": " << e->name << " in the configuration\n";
  }
  return 0;
}

int run_list(const GlobalOptions& g, const ModelsOptions& o) {
  auto cat = load_catalogue(o.catalogue);
  if (!cat) {
    std::cerr << "argus models list: " << cat.error().message << "\n";
    return 2;
  }
  auto dir = resolve_models_dir(g, o);
  if (!dir) return 2;
  auto pulled = vision::read_pulled_models(*dir);
  if (!pulled) std::cerr << "argus models list: " << pulled.error().message << "\n";
  std::vector<vision::PulledModel> installed = pulled ? *pulled : std::vector<vision::PulledModel>{};
  auto status_of = [&](const std::string& name, const std::string& file, const std::string& sha) -> std::string {
    auto it = std::find_if(installed.begin(), installed.end(), [&](const auto& p) { return p.id == name; });
    if (it == installed.end()) return "not installed";
    if (!fs::exists(*dir + "/" + it->file)) return "file missing";
    std::string got = vision::sha256_file(*dir + "/" + it->file);
    if (got != it->sha256 || (!sha.empty() && got != sha) || (!file.empty() && file != it->file))
      return "SHA-256 mismatch";
    return "installed";
  };
  Json rows = Json::array();
  for (const auto& e : *cat)
    rows.push_back({{"name", e.name}, {"task", e.task}, {"decoder", e.decoder}, {"input_size", e.input_size},
                    {"file", e.file}, {"size", e.size}, {"sha256", e.sha256}, {"url", e.url}, {"licence", e.licence},
                    {"description", e.description}, {"in_catalogue", true},
                    {"status", status_of(e.name, e.file, e.sha256)}});
  for (const auto& p : installed) {  // pulled from another catalogue
    if (std::any_of(cat->begin(), cat->end(), [&](const auto& e) { return e.name == p.id; })) continue;
    Json r = p.to_json();
    r["name"] = p.id;
    r["in_catalogue"] = false;
    r["status"] = status_of(p.id, "", "");
    rows.push_back(std::move(r));
  }
  if (o.json) {
    std::cout << Json{{"models_dir", *dir}, {"models", rows}}.dump(2) << "\n";
    return 0;
  }
  std::printf("%-16s %-9s %-10s %-8s %-9s %-11s %s\n", "NAME", "TASK", "DECODER", "INPUT", "SIZE", "LICENCE", "STATUS");
  for (const auto& r : rows) {
    std::string size = r.contains("size") ? human_size(r["size"].get<int64_t>()) : "-";
    std::string st = r["status"].get<std::string>() + (r["in_catalogue"].get<bool>() ? "" : " (not in the catalogue)");
    std::printf("%-16s %-9s %-10s %-8s %-9s %-11s %s\n", r["name"].get<std::string>().c_str(),
                r["task"].get<std::string>().c_str(), r["decoder"].get<std::string>().c_str(),
                r["input_size"].get<std::string>().c_str(), size.c_str(), r["licence"].get<std::string>().c_str(),
                st.c_str());
  }
  std::printf("models folder: %s\n", dir->c_str());
  return 0;
}

}  // namespace

void add_models_commands(CLI::App& app, const GlobalOptions& globals) {
  static ModelsOptions o;
  auto* models = app.add_subcommand("models", "the downloadable model catalogue (docs/models.md)");
  models->require_subcommand(1);
  auto common = [&](CLI::App* cmd) {
    cmd->add_option("--models-dir", o.models_dir, "models folder (default: vision.models_dir of the configuration)");
    cmd->add_option("--catalogue", o.catalogue, "catalogue file (default: the built-in config/model-catalogue.json)");
    cmd->add_flag("--json", o.json, "machine-readable output");
  };
  auto* pull = models->add_subcommand("pull", "download a catalogue model, verify its SHA-256 and register it");
  pull->add_option("name", o.name, "catalogue name (argus models list)")->required();
  pull->add_option("--url", o.url, "download this exact URL instead (still verified against the catalogue)");
  pull->add_option("--mirror", o.mirror, std::string("base URL of a mirror holding <mirror_path> (default: $") +
                                             kMirrorEnv + ")");
  pull->add_option("--timeout", o.timeout_s, "seconds the whole download may take")->check(CLI::Range(1, 86400));
  common(pull);
  pull->callback([&globals] { std::exit(run_pull(globals, o)); });
  auto* list = models->add_subcommand("list", "the catalogue, and which of its models are installed");
  common(list);
  list->callback([&globals] { std::exit(run_list(globals, o)); });
}

}  // namespace argus::cli
