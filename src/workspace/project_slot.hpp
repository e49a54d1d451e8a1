#pragma once
// Private to workspace/: what ProjectRuntime keeps per project, shared by
// project_runtime.cpp and container_watch.cpp.
#include <chrono>
#include <string>

#include "workspace/async_mutex.hpp"
#include "workspace/project_runtime.hpp"

namespace berth::workspace {

using Clock = std::chrono::steady_clock;

struct ProjectRuntime::Slot {
  explicit Slot(boost::asio::any_io_executor ex) : lock(ex) {}
  AsyncMutex lock;  // one lifecycle step at a time
  // Guarded by ProjectRuntime::mu_:
  ProjectStatus status;
  std::string container_id;  // set while ready
  std::string owner_id;      // known once started: counts toward its owner's running projects
  int clients = 0;
  int running_execs = 0;  // an exec in flight keeps the project busy however long it runs
  Clock::time_point last_activity = Clock::now();
  bool busy() const { return clients > 0 || running_execs > 0; }
  bool running() const { return status.state == RuntimeState::ready || status.state == RuntimeState::starting; }
};

}  // namespace berth::workspace
