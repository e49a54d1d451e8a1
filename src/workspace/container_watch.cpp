// ProjectRuntime's watch on the Docker events stream: a project is `ready`
// only while its container runs. Berth's own stops go through `stopping`
// first, so a `die` seen while a project is still `ready` is a container
// that ended by itself.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <set>

#include "core/log.hpp"
#include "workspace/project_slot.hpp"

namespace berth::workspace {
namespace asio = boost::asio;

void ProjectRuntime::start_watcher() { asio::co_spawn(asio::make_strand(executor_), watch(), asio::detached); }

asio::awaitable<void> ProjectRuntime::watch() {
  auto stopping = stopping_;
  auto ex = co_await asio::this_coro::executor;
  std::vector<std::string> labels{std::string(kManagedLabel) + "=true",
                                  std::string(kInstanceLabel) + "=" + options_.instance_id};
  asio::steady_timer retry(ex);
  for (;;) {
    co_await recheck_ready_projects();  // what happened while no stream was open
    std::set<std::string> oomed;  // containers with an OOM kill inside (maybe not of their init)
    auto ended = co_await docker_.events(labels, [&](const docker::Event& e) {
      if (*stopping) return false;
      if (e.type != "container") return true;
      if (e.action == "oom") oomed.insert(e.id);
      if (e.action != "die") return true;
      auto project = e.attributes.find(kProjectLabel);
      auto code = e.attributes.find("exitCode");
      bool oom = oomed.erase(e.id) > 0;
      if (project == e.attributes.end()) return true;
      std::string why = "the container exited by itself (exit code " +
                        (code == e.attributes.end() ? std::string("unknown") : code->second) + ")" +
                        (oom ? " after running out of memory" : "");
      asio::co_spawn(ex, container_exited(project->second, e.id, why), asio::detached);
      return true;
    });
    if (*stopping) co_return;
    if (!ended) spdlog::debug("Docker events stream: {}", ended.error().message);
    retry.expires_after(std::chrono::seconds(2));
    co_await retry.async_wait(asio::as_tuple(asio::use_awaitable));
    if (*stopping) co_return;
  }
}

asio::awaitable<void> ProjectRuntime::container_exited(std::string project_id, std::string container_id,
                                                       std::string why) {
  auto s = slot(project_id);
  auto guard = co_await s->lock.lock();  // after any start or stop in progress
  {
    std::lock_guard lock(mu_);
    if (s->status.state != RuntimeState::ready || s->container_id != container_id) co_return;
  }
  // A start that ran before this (the lock above waited for it) may have
  // restarted the same container: only one that is down now counts.
  auto info = co_await docker_.inspect_container(container_id);
  bool down = info ? !info->state.running : info.error().code == "not_found";
  if (!down) co_return;  // running again, or the engine cannot say: leave it
  {
    std::lock_guard lock(mu_);
    s->container_id.clear();
  }
  spdlog::warn("project {}: {}", project_id, why);
  publish(project_id, *s, error_status(make_error("container_exited", why + "; start the project again")));
  co_await persist(project_id, RuntimeState::error);
}

asio::awaitable<void> ProjectRuntime::recheck_ready_projects() {
  std::vector<std::pair<std::string, std::string>> ready;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, s] : slots_)
      if (s->status.state == RuntimeState::ready) ready.emplace_back(id, s->container_id);
  }
  for (auto& [project, container] : ready) {
    auto info = co_await docker_.inspect_container(container);
    if (info && info->state.running) continue;
    if (!info && info.error().code == "runtime_unavailable") co_return;  // still down: the next round looks
    std::string why = info && info->state.oom_killed ? "the container ran out of memory and was stopped"
                                                      : "the container is gone or stopped";
    co_await container_exited(project, container, why);
  }
}

}  // namespace berth::workspace
