#include "preview/port_watch.hpp"

#include <spdlog/spdlog.h>


#include "preview/listening_ports.hpp"

namespace berth::preview {
namespace asio = boost::asio;

PortWatch::PortWatch(asio::any_io_executor executor, WorkerPool& workers, docker::DockerClient& docker,
                     std::chrono::milliseconds interval)
    : workers_(workers), docker_(docker), polls_(executor, interval, [this] { return poll_all(); }) {}

void PortWatch::watch(const std::string& project_id, const std::string& container) {
  std::lock_guard lock(mu_);
  auto& w = watched_[project_id];
  if (w.container != container) w = Watched{container, 0, std::move(w.open)};
}

void PortWatch::unwatch(const std::string& project_id) {
  std::set<int> closed;
  {
    std::lock_guard lock(mu_);
    auto it = watched_.find(project_id);
    if (it == watched_.end()) return;
    closed = std::move(it->second.open);
    watched_.erase(it);
  }
  for (int port : closed) tell(project_id, port, false);
}

std::vector<int> PortWatch::open_ports(const std::string& project_id) const {
  std::lock_guard lock(mu_);
  auto it = watched_.find(project_id);
  return it == watched_.end() ? std::vector<int>{} : std::vector<int>(it->second.open.begin(), it->second.open.end());
}

void PortWatch::tell(const std::string& project_id, int port, bool open) {
  for (auto& l : listeners_) l(project_id, port, open);
}

asio::awaitable<void> PortWatch::poll(const std::string& project_id) {
  std::string container;
  int pid = 0;
  {
    std::lock_guard lock(mu_);
    auto it = watched_.find(project_id);
    if (it == watched_.end()) co_return;
    container = it->second.container;
    pid = it->second.pid;
  }
  if (pid == 0) {
    auto info = co_await docker_.inspect_container(container);
    if (!info || !info->state.running || info->state.pid <= 0) co_return;  // not up yet, or gone: next round
    pid = info->state.pid;
  }
  auto ports = co_await workers_.run([pid] { return listening_ports(pid); });
  std::vector<std::pair<int, bool>> changes;
  {
    std::lock_guard lock(mu_);
    auto it = watched_.find(project_id);
    if (it == watched_.end()) co_return;  // unwatched meanwhile
    if (!ports) {
      it->second.pid = 0;  // its process is gone (a restart): find the new one
      co_return;
    }
    it->second.pid = pid;
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
