#pragma once
// `argus detect` and `argus eval lfw|widerface`: the vision core from the command line.
#include <CLI/CLI.hpp>

#include "cli/serve.h"

namespace argus {
// `global` (argus --config/--set ...) must outlive `app`; a command's own --config, --models
// and --device win over it.
void add_vision_commands(CLI::App& app, const cli::GlobalOptions& global);
}  // namespace argus
