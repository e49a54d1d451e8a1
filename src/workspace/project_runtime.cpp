#include "workspace/project_runtime.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/log.hpp"
#include "docker/image_recipes.hpp"
#include "workspace/project_slot.hpp"

namespace berth::workspace {
namespace asio = boost::asio;

ProjectStatus error_status(const Error& error) { return ProjectStatus{RuntimeState::error, error.message, error.code}; }

ProjectRuntime::ProjectRuntime(asio::any_io_executor executor, docker::DockerClient& docker, db::Database& db,
                               WorkerPool& workers, RuntimeOptions options)
    : executor_(std::move(executor)),
      docker_(docker),
      db_(db),
      workers_(workers),
      options_(std::move(options)),
      stopping_(std::make_shared<std::atomic<bool>>(false)) {}

ProjectRuntime::~ProjectRuntime() { shutdown(); }

std::shared_ptr<ProjectRuntime::Slot> ProjectRuntime::slot(const std::string& project_id) {
  std::lock_guard lock(mu_);
  auto& s = slots_[project_id];
  if (!s) s = std::make_shared<Slot>(executor_);
  return s;
}

void ProjectRuntime::publish(const std::string& project_id, Slot& slot, ProjectStatus status) {
  std::vector<Listener> listeners;
  {
    std::lock_guard lock(mu_);
    slot.status = status;
    listeners = listeners_;
  }
  for (auto& l : listeners) l(project_id, status);
}

void ProjectRuntime::report_progress(const std::string& project_id, std::size_t done, std::size_t total) {
  auto s = slot(project_id);
  ProjectStatus st{RuntimeState::starting, "opening the project's files", "", std::pair{done, total}};
  {
    std::lock_guard lock(mu_);
    if (s->status.state != RuntimeState::starting) return;  // an open outside a start
  }
  publish(project_id, *s, st);
}

asio::awaitable<void> ProjectRuntime::persist(const std::string& project_id, RuntimeState state) {
  auto saved = co_await workers_.run([&] { return db_.projects().set_status(project_id, to_string(state)); });
  if (!saved && saved.error().code != "not_found")
    spdlog::warn("project {}: cannot save status {}: {}", project_id, to_string(state), saved.error().message);
}

ProjectStatus ProjectRuntime::status(const std::string& project_id) const {
  std::lock_guard lock(mu_);
  auto it = slots_.find(project_id);
  return it == slots_.end() ? ProjectStatus{} : it->second->status;
}

std::size_t ProjectRuntime::tracked_projects() const {
  std::lock_guard lock(mu_);
  return slots_.size();
}

std::string ProjectRuntime::container_of(const std::string& project_id) const {
  std::lock_guard lock(mu_);
  auto it = slots_.find(project_id);
  if (it == slots_.end() || it->second->status.state != RuntimeState::ready) return "";
  return it->second->container_id;
}

void ProjectRuntime::subscribe(Listener listener) {
  std::lock_guard lock(mu_);
  listeners_.push_back(std::move(listener));
}

void ProjectRuntime::client_attached(const std::string& project_id) {
  auto s = slot(project_id);
  std::lock_guard lock(mu_);
  ++s->clients;
  s->last_activity = Clock::now();
}

void ProjectRuntime::client_detached(const std::string& project_id) {
  auto s = slot(project_id);
  std::lock_guard lock(mu_);
  if (s->clients > 0) --s->clients;
  s->last_activity = Clock::now();  // the idle period starts when the last client leaves
}

// ---- start --------------------------------------------------------------------

asio::awaitable<Result<ProjectStatus>> ProjectRuntime::start(const std::string& project_id) {
  auto s = slot(project_id);
  auto guard = co_await s->lock.lock();
  std::string running;
  {
    std::lock_guard lock(mu_);
    s->last_activity = Clock::now();
    if (s->status.state == RuntimeState::ready) running = s->container_id;
  }
  if (!running.empty()) {  // already up: check it is still alive
    auto info = co_await docker_.inspect_container(running);
    if (info && info->state.running) co_return status(project_id);
  }
  auto project = co_await workers_.run([&] { return db_.projects().find(project_id); });
  if (!project) co_return project.error();
  if (!project->has_value()) co_return make_error("not_found", "no project " + project_id);
  if (auto room = reserve_running(project_id, *s, (*project)->owner_id); !room) co_return room.error();
  publish(project_id, *s, {RuntimeState::starting, "starting the container"});
  co_await persist(project_id, RuntimeState::starting);
  Result<std::string> up = std::string{};
  if (hooks_.open) {
    publish(project_id, *s, {RuntimeState::starting, "opening the project's files"});
    auto opened = co_await hooks_.open(**project);
    if (!opened) up = opened.error();
  }
  if (up) up = co_await bring_up(**project);
  if (!up) {
    spdlog::warn("project {}: start failed: {}", project_id, up.error().message);
    publish(project_id, *s, error_status(up.error()));
    co_await persist(project_id, RuntimeState::error);
    co_return up.error();
  }
  {
    std::lock_guard lock(mu_);
    s->container_id = *up;
    s->last_activity = Clock::now();
  }
  publish(project_id, *s, {RuntimeState::ready, ""});
  co_await persist(project_id, RuntimeState::ready);
  co_return status(project_id);
}

// The node's and the owner's bounds on running projects, checked and taken
// in one step under mu_ (the slot turns `starting`), so two concurrent
// starts cannot both squeeze past the last place.
Status ProjectRuntime::reserve_running(const std::string& project_id, Slot& s, const std::string& owner_id) {
  std::lock_guard lock(mu_);
  int node = 0, owner = 0;
  for (auto& [id, other] : slots_) {
    if (id == project_id || !other->running()) continue;
    ++node;
    if (other->owner_id == owner_id) ++owner;
  }
  if (node >= options_.max_running)
    return make_error("limit_reached", "this server runs " + std::to_string(node) +
                                           " projects already (BERTH_MAX_RUNNING); try again when one stops");
  if (owner >= options_.max_running_per_user)
    return make_error("limit_reached", "the project's owner runs " + std::to_string(owner) +
                                           " projects already (BERTH_MAX_RUNNING_PER_USER); stop one first");
  s.owner_id = owner_id;
  s.status = {RuntimeState::starting, "starting the container"};
  return Ok{};
}

// The container for the project, running: reused when healthy, else made anew.
asio::awaitable<Result<std::string>> ProjectRuntime::bring_up(const db::Project& row) {
  const std::string& project_id = row.id;
  auto tmpl = co_await workers_.run([&] { return db_.templates().find(row.template_id); });
  if (!tmpl) co_return tmpl.error();
  auto image = image_for_template(options_, tmpl->has_value() ? (*tmpl)->image : "");

  auto made = co_await workers_.run([&] { return prepare_project_disk(options_, project_id); });
  if (!made) co_return made.error();

  auto name = container_name(project_id);
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto reused = co_await reuse_or_replace(name, image);
    if (!reused) co_return reused.error();
    if (!reused->empty()) co_return reused;
    auto spec = container_spec_for(options_, project_id, image);  // named: see DockerClient::call
    auto id = co_await docker_.create_container(spec);
    if (!id && id.error().code == "conflict") continue;  // made meanwhile by another Berth: look again
    if (!id) co_return id.error();
    auto started = co_await docker_.start_container(*id);
    if (!started) {
      (void)co_await docker_.remove_container(*id, true);
      co_return make_error(started.error().code == "runtime_unavailable" ? "runtime_unavailable" : "internal",
                           "the container did not start: " + started.error().message);
    }
    co_return *id;
  }
  co_return make_error("conflict", "the container " + name + " keeps changing under Berth; try again");
}

// "" when no usable container exists (any broken one is removed).
asio::awaitable<Result<std::string>> ProjectRuntime::reuse_or_replace(const std::string& name,
                                                                      const std::string& image) {
  auto info = co_await docker_.inspect_container(name);
  if (!info && info.error().code == "not_found") co_return std::string();
  if (!info) co_return info.error();
  auto managed = info->labels.find(kManagedLabel);
  if (managed == info->labels.end() || managed->second != "true")
    co_return make_error("conflict", "a container named " + name + " exists that Berth did not create; remove it");
  bool healthy = info->config_image == image && !info->state.dead && info->state.status != "removing" &&
                 info->memory == options_.memory && info->pids_limit == options_.pids &&
                 info->network_mode == options_.network && info->readonly_rootfs;  // older ones had no disk bound
  if (healthy && info->state.running) co_return info->id;
  if (healthy) {  // present but stopped (a warm start): start it again
    auto started = co_await docker_.start_container(info->id);
    if (started) co_return info->id;
    spdlog::warn("container {} did not restart ({}): replacing it", name, started.error().message);
  }
  auto removed = co_await docker_.remove_container(info->id, true);
  if (!removed && removed.error().code != "not_found") co_return removed.error();
  co_return std::string();
}

// ---- stop ---------------------------------------------------------------------

asio::awaitable<Result<ProjectStatus>> ProjectRuntime::stop(const std::string& project_id) {
  co_return co_await stop_step(project_id, false);
}

asio::awaitable<Result<ProjectStatus>> ProjectRuntime::stop_step(const std::string& project_id, bool only_if_idle) {
  auto s = slot(project_id);
  auto guard = co_await s->lock.lock();
  std::string id;
  {
    std::lock_guard lock(mu_);
    // The reaper looks again under the lock: a client may have come back.
    if (only_if_idle && (s->status.state != RuntimeState::ready || s->busy() ||
                         Clock::now() - s->last_activity < options_.idle_timeout))
      co_return s->status;
    id = s->container_id.empty() ? container_name(project_id) : s->container_id;
  }
  publish(project_id, *s, {RuntimeState::stopping, "stopping the container"});
  co_await persist(project_id, RuntimeState::stopping);
  // What the container wrote must reach storage before it goes.
  if (hooks_.flush) co_await hooks_.flush(project_id);
  auto stopped = co_await docker_.stop_container(id, options_.stop_timeout);
  Status removed = Ok{};
  if (stopped || stopped.error().code == "not_found") removed = co_await docker_.remove_container(id, true);
  auto outcome = !stopped && stopped.error().code != "not_found"   ? stopped
                 : !removed && removed.error().code != "not_found" ? removed
                                                                   : Status(Ok{});
  if (!outcome) {
    publish(project_id, *s, error_status(outcome.error()));
    co_await persist(project_id, RuntimeState::error);
    co_return outcome.error();
  }
  {
    std::lock_guard lock(mu_);
    s->container_id.clear();
  }
  publish(project_id, *s, {RuntimeState::stopped, ""});
  co_await persist(project_id, RuntimeState::stopped);
  if (hooks_.closed) co_await hooks_.closed(project_id);
  co_return status(project_id);
}

// ---- exec ---------------------------------------------------------------------

asio::awaitable<Result<docker::CommandResult>> ProjectRuntime::exec(const std::string& project_id, ExecRequest req) {
  // Busy from here until the command is over, whatever the idle timeout.
  auto s = slot(project_id);
  {
    std::lock_guard lock(mu_);
    if (s->running_execs >= options_.max_execs_per_project)
      co_return make_error("limit_reached", std::to_string(s->running_execs) +
                                                " commands are running in this project already "
                                                "(BERTH_MAX_EXECS_PER_PROJECT); wait for one to finish");
    s->running_execs++;
    s->last_activity = Clock::now();
  }
  struct Done {
    ProjectRuntime* self;
    std::shared_ptr<Slot> s;
    ~Done() {
      std::lock_guard lock(self->mu_);
      s->running_execs--;
      s->last_activity = Clock::now();
    }
  } done{this, s};
  auto container = container_of(project_id);
  if (container.empty()) {
    auto started = co_await start(project_id);
    if (!started) co_return started.error();
    container = container_of(project_id);
    if (container.empty()) co_return make_error("conflict", "the project stopped while the command was starting");
  }
  docker::CommandSpec spec;
  spec.argv = std::move(req.argv);
  spec.cwd = req.cwd.empty() || req.cwd.front() == '/' ? req.cwd : "/workspace/" + req.cwd;
  spec.env = std::move(req.env);
  spec.timeout = req.timeout;
  spec.max_output = req.max_output;
  spec.cancel = std::move(req.cancel);
  co_return co_await docker::run_command(docker_, container, std::move(spec));
}

// ---- adoption, idle reaper, health ---------------------------------------------

asio::awaitable<Status> ProjectRuntime::adopt() {
  // (A braced list in a co_await's arguments trips GCC 12: name it first.)
  // Only this Berth's containers: others sharing the engine keep theirs.
  std::vector<std::string> managed{std::string(kManagedLabel) + "=true",
                                   std::string(kInstanceLabel) + "=" + options_.instance_id};
  auto list = co_await docker_.list_containers(managed);
  if (!list) co_return list.error();
  for (auto& c : *list) {
    auto label = c.labels.find(kProjectLabel);
    std::string project_id = label == c.labels.end() ? "" : label->second;
    auto project = co_await workers_.run([&]() -> Result<std::optional<db::Project>> {
      if (project_id.empty()) return std::optional<db::Project>();
      return db_.projects().find(project_id);
    });
    if (!project) {
      spdlog::warn("container {}: cannot look up project {}: {}", c.id.substr(0, 12), project_id,
                   project.error().message);
      continue;
    }
    if (!project->has_value()) {
      spdlog::info("removing container {} of deleted project {}", c.id.substr(0, 12), project_id);
      (void)co_await docker_.remove_container(c.id, true);
      continue;
    }
    auto s = slot(project_id);
    if (c.state == "running") {
      // The execs of the old process, read before `ready` lets anyone open
      // new ones, which must not be taken for orphans.
      auto inspected = co_await docker_.inspect_container(c.id);
      auto old_execs = inspected ? std::move(inspected->exec_ids) : std::vector<std::string>{};
      {
        std::lock_guard lock(mu_);
        s->container_id = c.id;
        s->owner_id = (*project)->owner_id;
        s->last_activity = Clock::now();
      }
      publish(project_id, *s, {RuntimeState::ready, ""});
      co_await persist(project_id, RuntimeState::ready);
      auto orphans = co_await end_orphaned_execs(c.id, std::move(old_execs));
      spdlog::info("adopted the running container of project {}{}", project_id,
                   orphans ? fmt::format(" and ended {} commands or terminals no one can reach any more", orphans)
                           : std::string{});
    } else {
      co_await persist(project_id, RuntimeState::stopped);  // kept: the next start reuses it
    }
  }
  co_return Ok{};
}

void ProjectRuntime::start_reaper() { asio::co_spawn(asio::make_strand(executor_), reap(), asio::detached); }

void ProjectRuntime::shutdown() {
  std::lock_guard lock(mu_);
  *stopping_ = true;
}

asio::awaitable<void> ProjectRuntime::reap() {
  auto stopping = stopping_;
  auto tick = std::clamp<std::chrono::milliseconds>(options_.idle_timeout / 4, std::chrono::milliseconds(250),
                                                    std::chrono::seconds(30));
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    timer.expires_after(tick);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    std::vector<std::string> idle;
    {
      std::lock_guard lock(mu_);
      if (*stopping) co_return;
      auto now = Clock::now();
      for (auto& [id, s] : slots_)
        if (s->status.state == RuntimeState::ready && !s->busy() && now - s->last_activity >= options_.idle_timeout)
          idle.push_back(id);
      // A stopped project nobody holds needs no slot: status() of a missing
      // one is `stopped`. Only the map holds it (use_count 1), and new holders
      // are made under mu_, so nothing can be using it.
      std::erase_if(slots_, [](const auto& entry) {
        const auto& s = entry.second;
        return s.use_count() == 1 && s->status.state == RuntimeState::stopped && !s->busy();
      });
    }
    for (auto& id : idle) {
      spdlog::info("project {}: idle for {}s with no client: stopping", id, options_.idle_timeout.count());
      auto stopped = co_await stop_step(id, true);
      if (!stopped) spdlog::warn("project {}: idle stop failed: {}", id, stopped.error().message);
    }
  }
}

asio::awaitable<Status> ProjectRuntime::check_engine() { co_return co_await docker_.ping(std::chrono::seconds(1)); }

asio::awaitable<std::size_t> ProjectRuntime::end_orphaned_execs(std::string container_id,
                                                                 std::vector<std::string> exec_ids) {
  std::size_t ended = 0;
  for (auto& exec_id : exec_ids) {
    auto exec = co_await docker_.inspect_exec(exec_id);
    if (!exec || !exec->running) continue;
    auto session = co_await docker_.exec_container_pid(exec_id);
    if (!session || *session <= 1) continue;  // never the container's init
    auto user = exec->user.empty() ? std::to_string(docker::kContainerUid) : exec->user;
    if (auto done = co_await docker_.end_exec_session(container_id, *session, user, std::chrono::seconds(2)); done)
      ++ended;
    else
      spdlog::warn("container {}: cannot end exec {}: {}", container_id.substr(0, 12), exec_id.substr(0, 12),
                   done.error().message);
  }
  co_return ended;
}

}  // namespace berth::workspace
