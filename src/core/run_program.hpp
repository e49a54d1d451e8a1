#pragma once
// Runs a helper program (mkfs.ext4, mount) to completion and keeps what it
// printed, for the error message. Blocking: call it from the worker pool.
// posix_spawn, not fork: Berth is multi-threaded.
#include <string>
#include <vector>

#include "core/result.hpp"

namespace berth {

struct ProgramOutcome {
  int exit_code = -1;  // -1: killed by a signal
  std::string output;  // stdout and stderr together, at most 64 KiB
};

// `argv[0]` is looked up in PATH. An error only when it could not be started
// (not installed: the message names it).
Result<ProgramOutcome> run_program(const std::vector<std::string>& argv);

}  // namespace berth
