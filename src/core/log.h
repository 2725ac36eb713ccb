#pragma once
// Logging goes through spdlog's default logger; setup_logging picks level and format once.
#include <spdlog/spdlog.h>

#include <string>

namespace argus {
// Sends logs to stderr: stdout carries command output (`argus detect --json`, tables), which a
// warning must not spoil. Call first thing in main.
void log_to_stderr();
void setup_logging(const std::string& level);
}  // namespace argus
