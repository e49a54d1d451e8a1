#include "core/log.hpp"

#include <spdlog/async.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <algorithm>
#include <atomic>

namespace berth {
namespace {
constexpr const char* kPattern = "%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %v";
// Drops counted by thread pools that have since been replaced.
std::atomic<std::uint64_t> dropped_before{0};
}  // namespace

void init_logging(const std::string& level) { init_logging(LogOptions{.level = level}); }

void init_logging(const LogOptions& options) {
  if (auto old = spdlog::thread_pool()) dropped_before += old->overrun_counter();
  // One writer thread; the queue is bounded and the policy never blocks the
  // caller (overrun_oldest: a full queue loses its oldest message).
  spdlog::init_thread_pool(std::max<std::size_t>(options.queue_size, 1), 1);
  // stderr so that `berth token` and other commands keep stdout for their output.
  auto sink = options.sink ? options.sink : std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  auto logger = std::make_shared<spdlog::async_logger>("berth", std::move(sink), spdlog::thread_pool(),
                                                       spdlog::async_overflow_policy::overrun_oldest);
  logger->set_pattern(kPattern);
  logger->set_level(spdlog::level::from_str(options.level));
  spdlog::drop("berth");
  spdlog::set_default_logger(std::move(logger));
}

std::uint64_t log_messages_dropped() {
  auto pool = spdlog::thread_pool();
  return dropped_before.load() + (pool ? pool->overrun_counter() : 0);
}

void shutdown_logging() {
  auto level = spdlog::default_logger() ? spdlog::default_logger()->level() : spdlog::level::info;
  if (auto pool = spdlog::thread_pool()) dropped_before += pool->overrun_counter();
  spdlog::shutdown();  // writes out the queue, joins the writer thread
  // A line logged after this (a late destructor) is written synchronously
  // instead of reaching a logger that no longer exists.
  auto late = std::make_shared<spdlog::logger>("berth", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  late->set_pattern(kPattern);
  late->set_level(level);
  spdlog::set_default_logger(std::move(late));
}

}  // namespace berth
