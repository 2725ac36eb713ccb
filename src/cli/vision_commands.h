#pragma once
// `argus detect` and `argus eval lfw|widerface`: the vision core from the command line.
#include <CLI/CLI.hpp>

namespace argus {
void add_vision_commands(CLI::App& app);
}  // namespace argus
