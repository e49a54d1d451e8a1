#include "preview/port_watch.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>


#include "preview/listening_ports.hpp"
#include "preview/namespace_dialer.hpp"

namespace berth::preview {
namespace asio = boost::asio;

PortWatch::PortWatch(asio::any_io_executor executor, WorkerPool& workers, docker::DockerClient& docker,
                     std::chrono::milliseconds interval)
    : workers_(workers), docker_(docker), polls_(executor, interval, [this] { return poll_all(); }) {}

PortWatch::~PortWatch() {
  std::lock_guard lock(mu_);
  for (auto& [id, w] : watched_) close_diag(w);
}

void PortWatch::close_diag(Watched& w) {
  if (w.diag_fd >= 0) ::close(w.diag_fd);
  w.diag_fd = -1;
}

void PortWatch::watch(const std::string& project_id, const std::string& container) {
  std::lock_guard lock(mu_);
  auto& w = watched_[project_id];
  if (w.container != container) {
    close_diag(w);
    w = Watched{container, 0, 0, -1, std::move(w.open)};
  }
}

void PortWatch::unwatch(const std::string& project_id) {
  std::set<int> closed;
  {
    std::lock_guard lock(mu_);
    auto it = watched_.find(project_id);
    if (it == watched_.end()) return;
    closed = std::move(it->second.open);
    close_diag(it->second);
    watched_.erase(it);
  }
  for (int port : closed) tell(project_id, port, false);
}

std::vector<int> PortWatch::open_ports(const std::string& project_id) const {
  std::lock_guard lock(mu_);
  auto it = watched_.find(project_id);
  return it == watched_.end() ? std::vector<int>{} : std::vector<int>(it->second.open.begin(), it->second.open.end());
}

std::optional<PortWatch::Target> PortWatch::target(const std::string& project_id, int port) const {
  std::lock_guard lock(mu_);
  auto it = watched_.find(project_id);
  if (it == watched_.end() || it->second.pid == 0 || it->second.ns_inode == 0) return std::nullopt;
  return Target{it->second.pid, it->second.ns_inode, it->second.open.count(port) > 0};
}

void PortWatch::tell(const std::string& project_id, int port, bool open) {
  for (auto& l : listeners_) l(project_id, port, open);
}

asio::awaitable<void> PortWatch::poll(const std::string& project_id) {
  std::string container;
  int pid = 0, diag_fd = -1;
  {
    std::lock_guard lock(mu_);
    auto it = watched_.find(project_id);
    if (it == watched_.end()) co_return;
    container = it->second.container;
    pid = it->second.pid;
    diag_fd = it->second.diag_fd;
  }
  bool fresh = pid == 0;
  if (fresh) {
    auto info = co_await docker_.inspect_container(container);
    if (!info || !info->state.running || info->state.pid <= 0) co_return;  // not up yet, or gone: next round
    pid = info->state.pid;
  }
  std::uint64_t ns_inode = 0;
  if (fresh) {
    ns_inode = co_await workers_.run([pid] { return network_namespace_of(pid).value_or(0); });
    // The kernel's LISTEN table through sock_diag is far cheaper than the
    // text of every socket; the text stays the fallback.
    if (ns_inode != 0)
      if (auto fd = co_await dialer_.open_diag_socket(pid, ns_inode)) diag_fd = *fd;
  }
  auto ports = co_await workers_.run([pid, diag_fd] {
    if (diag_fd >= 0)
      if (auto asked = listening_ports_diag(diag_fd)) {
        // Gone from /proc: the process ended (its namespace may live on in
        // our socket, which must not hide that).
        if (::access(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), F_OK) != 0)
          return Result<std::set<int>>(make_error("not_found", "process gone"));
        return asked;
      }
    return listening_ports(pid);
  });
  std::vector<std::pair<int, bool>> changes;
  {
    std::lock_guard lock(mu_);
    auto it = watched_.find(project_id);
    if (it == watched_.end()) {  // unwatched meanwhile
      if (fresh && diag_fd >= 0) ::close(diag_fd);
      co_return;
    }
    if (fresh) {
      close_diag(it->second);
      it->second.diag_fd = diag_fd;
    }
    if (!ports) {
      it->second.pid = 0;  // its process is gone (a restart): find the new one
      close_diag(it->second);
      co_return;
    }
    it->second.pid = pid;
    if (fresh) it->second.ns_inode = ns_inode;
    for (int p : *ports)
      if (!it->second.open.count(p)) changes.emplace_back(p, true);
    for (int p : it->second.open)
      if (!ports->count(p)) changes.emplace_back(p, false);
    it->second.open = std::move(*ports);
  }
  for (auto [port, open] : changes) {
    spdlog::info("project {}: port {} {}", project_id, port, open ? "opened" : "closed");
    tell(project_id, port, open);
  }
}

asio::awaitable<void> PortWatch::poll_all() {
  std::vector<std::string> ids;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, w] : watched_) ids.push_back(id);
  }
  for (const auto& id : ids) co_await poll(id);
}

}  // namespace berth::preview
