#pragma once
// The subcommands that need a data directory: serve, config print, user add/passwd/list.
#include <map>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/result.h"

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

// The --set KEY=VALUE flags as config overrides; an error names the malformed one.
Result<std::map<std::string, std::string>> set_overrides(const std::vector<std::string>& sets);

// Loads the configuration: file < environment < flags. Prints the error and returns nullopt.
std::optional<Config> load_config(const GlobalOptions& o);

int run_serve(const GlobalOptions& o);
int run_config_print(const GlobalOptions& o);
int run_user_add(const GlobalOptions& o, const std::string& name, const std::string& role, std::string password);
int run_user_passwd(const GlobalOptions& o, const std::string& name, std::string password);
int run_user_list(const GlobalOptions& o);
// Enrols a person from photos on disk (all must pass, as over the API); exit 3 when one fails.
int run_enroll(const GlobalOptions& o, const std::string& name, const std::string& employee_id,
               const std::vector<std::string>& images);
// Prints every face in each image with the enrolled person it matches (or none).
int run_identify(const GlobalOptions& o, const std::vector<std::string>& images);

}  // namespace argus::cli
