#pragma once
// `argus models pull NAME` and `argus models list`: the downloadable model catalogue
// (config/model-catalogue.json, compiled in; docs/models.md). A pulled model is verified
// (size, SHA-256), moved into the models folder atomically and listed in its pulled.json,
// which ModelRegistry loads (vision/model_registry.h).
#include <CLI/CLI.hpp>

#include "cli/serve.h"

namespace argus::cli {

void add_models_commands(CLI::App& app, const GlobalOptions& globals);

}  // namespace argus::cli
