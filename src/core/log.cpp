#include "core/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace berth {

void init_logging(const std::string& level) {
  // stderr so that `berth token` and other commands keep stdout for their output.
  auto logger = spdlog::stderr_color_mt("berth");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %v");
  logger->set_level(spdlog::level::from_str(level));
  spdlog::set_default_logger(logger);
}

}  // namespace berth
