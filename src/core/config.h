#pragma once
// Effective configuration: compiled-in defaults < YAML file < ARGUS_* environment < flags.
// Every key has a default in default_config_tree(); a key the defaults do not know is an
// error, so a typo in argus.yaml is reported instead of silently ignored.
#include <map>
#include <string>

#include "core/json.h"
#include "core/result.h"

namespace argus {

struct ServerConfig {
  std::string host = "0.0.0.0";
  int port = 8080;
  int threads = 0;                    // 0: one per core
  int64_t max_body_bytes = 32 << 20;  // 413 above this
  int max_header_bytes = 16 << 10;    // 431 above this
  int read_timeout_s = 30;
  int idle_timeout_s = 60;
  int shutdown_grace_s = 10;
  std::string web_root;               // empty: <source>/web/dist next to the binary
  bool demo_camera = false;
};

struct StorageConfig {
  std::string data_dir = "./data";
  std::string media_dir = "./media";
  std::string backend = "sqlite";
};

struct AuthConfig {
  int access_ttl_s = 900;
  int refresh_ttl_s = 7 * 24 * 3600;
  int login_attempts_per_minute = 5;
};

struct LogConfig {
  std::string level = "info";
};

struct Config {
  ServerConfig server;
  StorageConfig storage;
  AuthConfig auth;
  LogConfig log;
  // The whole effective tree; subsystems outside core (vision, pipeline) read their own
  // sections from it with typed parsers of their own.
  Json tree;

  // env: variables to consult (normally the process environment); overrides: dotted key
  // path -> value text, from command-line flags.
  static Result<Config> load(const std::string& yaml_path,
                             const std::map<std::string, std::string>& env,
                             const std::map<std::string, std::string>& overrides);
  static Result<Config> from_tree(Json tree);
  // The effective tree with secrets (keys containing password, secret, token or key) masked.
  Json masked() const;
};

Json default_config_tree();
std::map<std::string, std::string> process_environment();
// "server.port" -> "ARGUS_SERVER_PORT"
std::string env_name_for(const std::string& dotted_key);

}  // namespace argus
