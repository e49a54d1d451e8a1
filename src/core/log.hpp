#pragma once
// Logging is spdlog everywhere; this sets the process-wide format and level.
// The logger is asynchronous: a call formats the message and puts it on a
// bounded queue, and one background thread writes it to stderr. A slow or
// stuck terminal, pipe or disk therefore never blocks an I/O thread: when the
// queue is full the oldest waiting message is dropped (and counted, see
// log_messages_dropped) instead of making the caller wait.
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace berth {

struct LogOptions {
  std::string level = "info";
  std::size_t queue_size = 8192;  // messages waiting for the writer thread
  spdlog::sink_ptr sink;          // default: stderr (in colour on a terminal)
};

void init_logging(const std::string& level);
void init_logging(const LogOptions& options);

// Messages dropped because the queue was full, since logging was configured
// (and across reconfigurations); for berth_log_messages_dropped_total.
std::uint64_t log_messages_dropped();

// Writes out every queued message and stops the writer thread: call once at
// exit (main does). Anything logged afterwards is written synchronously.
void shutdown_logging();

}  // namespace berth
