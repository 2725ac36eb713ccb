#include <CLI/CLI.hpp>
#include "core/config.h"
int main(int argc, char** argv) {
  CLI::App app{"argus"};
  CLI11_PARSE(app, argc, argv);
  return 0;
}
