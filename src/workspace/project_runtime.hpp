#pragma once
// The container side of every project (DESIGN §1 "open a project", §8): one
// container `berth-<projectId>` per project, created or reused on start,
// stopped and removed on stop or when idle, adopted across a Berth restart.
//
// Each project's lifecycle steps run one at a time (an AsyncMutex per
// project), so concurrent starts create one container and a stop cannot
// interleave with a start. States are kept in memory, persisted with
// ProjectRepository::set_status, and published to listeners — the Socket.IO
// layer binds those to `project:status`; this class knows nothing of it.
//
// Idle rule: a project is idle while no client is attached
// (client_attached/detached, called by the Socket.IO layer) and no exec is
// running (REST or Socket.IO); once idle for BERTH_IDLE_TIMEOUT the reaper
// stops it. A start counts as activity too.
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/worker_pool.hpp"
#include "db/database.hpp"
#include "docker/command_run.hpp"
#include "docker/docker_client.hpp"
#include "workspace/container_plan.hpp"
#include "workspace/project_status.hpp"

namespace berth::workspace {

struct ExecRequest {
  std::vector<std::string> argv;  // a string command is {"sh", "-c", command}
  std::string cwd;                // relative paths are under /workspace
  std::vector<std::string> env;   // "KEY=value"
  std::chrono::milliseconds timeout{30'000};
  std::size_t max_output = 1 << 20;
  std::shared_ptr<docker::CommandCancel> cancel;  // ends it early (its asker left)
};

class ProjectRuntime {
 public:
  // Called on any thread, after the state changed; must not block.
  using Listener = std::function<void(const std::string& project_id, const ProjectStatus& status)>;

  ProjectRuntime(boost::asio::any_io_executor executor, docker::DockerClient& docker, db::Database& db,
                 WorkerPool& workers, RuntimeOptions options);
  ~ProjectRuntime();

  // Creates or reuses the container and answers `ready`, or an error
  // (runtime_unavailable, image_not_found, not_found, internal...), which is
  // also the project's new `error` state. Idempotent; counts as activity.
  boost::asio::awaitable<Result<ProjectStatus>> start(const std::string& project_id);
  // Stops and removes the container (the mirror dir stays). Idempotent.
  boost::asio::awaitable<Result<ProjectStatus>> stop(const std::string& project_id);
  // Runs a command in the project's container, starting it first if needed.
  boost::asio::awaitable<Result<docker::CommandResult>> exec(const std::string& project_id, ExecRequest request);

  ProjectStatus status(const std::string& project_id) const;
  // How many projects it keeps state for (stopped ones are pruned by the reaper).
  std::size_t tracked_projects() const;
  // The running container's id, "" when the project is not ready (for terminals).
  std::string container_of(const std::string& project_id) const;

  void subscribe(Listener listener);
  // The files' part of a project's life (file_sync.hpp), set before start:
  // `open` runs before the container starts (the mirror must be current
  // before anything in the container reads it), `flush` before it stops.
  struct FileHooks {
    std::function<boost::asio::awaitable<Status>(const db::Project&)> open;
    std::function<boost::asio::awaitable<void>(const std::string& project_id)> flush;
    // After the container is gone: the files are closed on this node.
    std::function<boost::asio::awaitable<void>(const std::string& project_id)> closed;
  };
  void set_file_hooks(FileHooks hooks) { hooks_ = std::move(hooks); }
  // Progress of a starting project's open, sent as project:status.
  void report_progress(const std::string& project_id, std::size_t done, std::size_t total);
  void client_attached(const std::string& project_id);
  void client_detached(const std::string& project_id);

  // Start-up: adopt the labelled containers of existing projects (the reaper
  // stops them if no client comes back) and remove those of deleted ones.
  boost::asio::awaitable<Status> adopt();
  // Starts the idle reaper loop on the executor; shutdown() ends it.
  void start_reaper();
  // Follows the engine's events so that a container that dies on its own
  // (crash, OOM of its init, `docker kill`) turns its project to `error`
  // with code container_exited instead of a stale `ready`
  // (container_watch.cpp).
  void start_watcher();
  void shutdown();

  // For /readyz: does the engine answer?
  boost::asio::awaitable<Status> check_engine();

  docker::DockerClient& docker() { return docker_; }
  const RuntimeOptions& options() const { return options_; }

 private:
  struct Slot;
  std::shared_ptr<Slot> slot(const std::string& project_id);
  void publish(const std::string& project_id, Slot& slot, ProjectStatus status);
  boost::asio::awaitable<void> persist(const std::string& project_id, RuntimeState state);
  Status reserve_running(const std::string& project_id, Slot& slot, const std::string& owner_id);
  boost::asio::awaitable<Result<std::string>> bring_up(const db::Project& project);
  boost::asio::awaitable<Result<std::string>> reuse_or_replace(const std::string& name, const std::string& image);
  boost::asio::awaitable<Result<ProjectStatus>> stop_step(const std::string& project_id, bool only_if_idle);
  boost::asio::awaitable<void> reap();
  boost::asio::awaitable<void> watch();
  boost::asio::awaitable<void> container_exited(std::string project_id, std::string container_id, std::string why);
  boost::asio::awaitable<void> recheck_ready_projects();
  // After a restart nobody holds the streams of the execs (terminals,
  // exec:run) still running in an adopted container: end the sessions of
  // those of `exec_ids` still running.
  boost::asio::awaitable<std::size_t> end_orphaned_execs(std::string container_id,
                                                         std::vector<std::string> exec_ids);

  boost::asio::any_io_executor executor_;
  docker::DockerClient& docker_;
  db::Database& db_;
  WorkerPool& workers_;
  RuntimeOptions options_;

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Slot>> slots_;
  std::vector<Listener> listeners_;
  FileHooks hooks_;
  std::shared_ptr<std::atomic<bool>> stopping_;
};

// An error answered to a caller, with the project's state turned to `error`.
ProjectStatus error_status(const Error& error);

}  // namespace berth::workspace
