#include "core/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace argus {
void log_to_stderr() { spdlog::set_default_logger(spdlog::stderr_color_mt("argus")); }

void setup_logging(const std::string& level) {
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%t] %v");
}
}  // namespace argus
