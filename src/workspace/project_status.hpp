#pragma once
// The runtime state of a project (DESIGN §5 `project:status`): what the
// editor shows while a container starts, runs and stops.
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace berth::workspace {

enum class RuntimeState { stopped, starting, ready, stopping, error };

inline std::string_view to_string(RuntimeState s) {
  switch (s) {
    case RuntimeState::stopped:
      return "stopped";
    case RuntimeState::starting:
      return "starting";
    case RuntimeState::ready:
      return "ready";
    case RuntimeState::stopping:
      return "stopping";
    case RuntimeState::error:
      return "error";
  }
  return "error";
}

inline std::optional<RuntimeState> runtime_state_from(std::string_view s) {
  for (auto st : {RuntimeState::stopped, RuntimeState::starting, RuntimeState::ready, RuntimeState::stopping,
                  RuntimeState::error})
    if (to_string(st) == s) return st;
  return std::nullopt;
}

struct ProjectStatus {
  RuntimeState state = RuntimeState::stopped;
  std::string message;     // why, for error (and a hint for the others)
  std::string error_code;  // the catalogue code behind an error state
  // While `starting` downloads the project's files: how many of how many.
  std::optional<std::pair<std::size_t, std::size_t>> progress;
};

}  // namespace berth::workspace
