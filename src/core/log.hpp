#pragma once
// Logging is spdlog everywhere; this sets the process-wide format and level.
#include <spdlog/spdlog.h>

#include <string>

namespace berth {
void init_logging(const std::string& level);
}
