#pragma once
// Notices when a program in a project's container starts or stops
// listening on a TCP port: each watched container's network namespace is
// read once per interval (listening_ports.hpp), from its main process's
// /proc, on the worker pool. A change is reported to the listeners (api/
// turns it into port:opened / port:closed for the project's clients).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/periodic.hpp"
#include "core/worker_pool.hpp"
#include "docker/docker_client.hpp"
#include "preview/namespace_dialer.hpp"

namespace berth::preview {

class PortWatch {
 public:
  // Called on the I/O thread, in the order the changes were seen.
  using Listener = std::function<void(const std::string& project_id, int port, bool open)>;

  PortWatch(boost::asio::any_io_executor executor, WorkerPool& workers, docker::DockerClient& docker,
            std::chrono::milliseconds interval);
  ~PortWatch();

  void on_change(Listener listener) { listeners_.push_back(std::move(listener)); }
  // Starts watching the project's container (by name or id).
  void watch(const std::string& project_id, const std::string& container);
  // Stops; the ports it had open are reported closed.
  void unwatch(const std::string& project_id);
  std::vector<int> open_ports(const std::string& project_id) const;

  // Where a preview connects: the container's main process and the identity
  // of its network namespace, as last seen; nullopt while the project is
  // not running (or its process is not found yet).
  struct Target {
    int pid = 0;
    std::uint64_t ns_inode = 0;
    bool port_open = false;  // at the last poll
  };
  std::optional<Target> target(const std::string& project_id, int port) const;

  void start() { polls_.start(); }
  void shutdown() { polls_.stop(); }

  // Connections into the watched containers' namespaces (the previews').
  NamespaceDialer& dialer() { return dialer_; }

 private:
  struct Watched {
    std::string container;
    int pid = 0;  // 0: ask the engine (again)
    std::uint64_t ns_inode = 0;  // of pid's network namespace
    int diag_fd = -1;  // a sock_diag socket in it; -1: read /proc/<pid>/net/tcp* instead
    std::set<int> open;
  };
  boost::asio::awaitable<void> poll_all();
  boost::asio::awaitable<void> poll(const std::string& project_id);
  void tell(const std::string& project_id, int port, bool open);

  static void close_diag(Watched& w);

  WorkerPool& workers_;
  docker::DockerClient& docker_;
  NamespaceDialer dialer_;
  std::vector<Listener> listeners_;
  mutable std::mutex mu_;
  std::map<std::string, Watched> watched_;
  Periodic polls_;  // last: its rounds use the members above
};

}  // namespace berth::preview
