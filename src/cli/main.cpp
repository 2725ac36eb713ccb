#include <CLI/CLI.hpp>
#include "core/config.h"
#include "cli/vision_commands.h"
int main(int argc, char** argv) {
  CLI::App app{"argus"};
  argus::add_vision_commands(app);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
