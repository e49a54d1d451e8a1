#pragma once
// Timestamps in the database are BIGINT milliseconds since the Unix epoch.
#include <chrono>
#include <cstdint>

namespace berth::db {

inline std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace berth::db
