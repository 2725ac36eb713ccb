#pragma once
// Logging goes through spdlog's default logger; setup_logging picks level and format once.
#include <spdlog/spdlog.h>

#include <string>

namespace argus {
void setup_logging(const std::string& level);
}  // namespace argus
