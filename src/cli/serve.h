#pragma once
// The subcommands that need a data directory: serve, config print, user add/passwd/list.
#include <string>
#include <vector>

#include "core/config.h"

namespace argus::cli {

struct GlobalOptions {
  std::string config_path;
  std::string data_dir;
  std::vector<std::string> sets;
  std::string log_level;
  int port = -1;
  std::string host;
  bool demo_camera = false;
};

// Loads the configuration: file < environment < flags. Prints the error and returns nullopt.
std::optional<Config> load_config(const GlobalOptions& o);

int run_serve(const GlobalOptions& o);
int run_config_print(const GlobalOptions& o);
int run_user_add(const GlobalOptions& o, const std::string& name, const std::string& role, std::string password);
int run_user_passwd(const GlobalOptions& o, const std::string& name, std::string password);
int run_user_list(const GlobalOptions& o);

}  // namespace argus::cli
