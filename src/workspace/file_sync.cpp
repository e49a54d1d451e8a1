#include "workspace/file_sync.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <set>

#include "core/parallel.hpp"
#include "storage/project_objects.hpp"
#include "workspace/file_sync_project.hpp"
#include "workspace/upload_plan.hpp"

namespace berth::workspace {
namespace asio = boost::asio;


namespace {

bool never_uploadable(const Error& e) { return e.code == "invalid_path" || e.code == "too_large"; }

// Whether a failed path is the dirty path or below it (then the row stays).
bool covers(const std::string& dirty, const std::string& path) {
  return dirty.empty() || path == dirty || path.starts_with(dirty + "/");
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

}  // namespace

FileSync::FileSync(asio::any_io_executor executor, WorkerPool& workers, storage::ObjectStore& store,
                   SyncJournal& journal, Workspaces& workspaces, SyncOptions options)
    : executor_(std::move(executor)),
      workers_(workers),
      store_(store),
      journal_(journal),
      workspaces_(workspaces),
      options_(options),
      stopping_(std::make_shared<std::atomic<bool>>(false)) {}

FileSync::~FileSync() { shutdown(); }

void FileSync::shutdown() { *stopping_ = true; }

std::shared_ptr<FileSync::Project> FileSync::project(const std::string& project_id) {
  std::lock_guard lock(mu_);
  auto& p = projects_[project_id];
  if (!p) p = std::make_shared<Project>(executor_);
  return p;
}

bool FileSync::is_open(const std::string& project_id) const {
  std::lock_guard lock(mu_);
  auto it = projects_.find(project_id);
  return it != projects_.end() && it->second->opened;
}

asio::awaitable<void> FileSync::close(std::string project_id) {
  auto p = project(project_id);
  auto guard = co_await p->open_lock.lock();
  {
    std::lock_guard lock(mu_);
    if (!p->opened) co_return;
    p->opened = false;
  }
  (void)co_await workers_.run([&] { return mark_used(workspaces_.options(), project_id); });
  if (release_hook_) co_await release_hook_(project_id);
  if (mirror_budget_) asio::co_spawn(executor_, keep_within_budget(), asio::detached);
}

void FileSync::changed(const std::string& project_id) {
  auto p = project(project_id);
  {
    std::lock_guard lock(mu_);
    if (p->forgotten || *stopping_) return;
    if (p->draining) {
      p->again = true;
      return;
    }
    p->draining = true;
  }
  asio::co_spawn(executor_, drain(project_id, p), asio::detached);
}

asio::awaitable<void> FileSync::drain(std::string project_id, std::shared_ptr<Project> p) {
  auto stopping = stopping_;
  auto backoff = options_.first_backoff;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (*stopping || p->forgotten) {
        p->draining = false;
        co_return;
      }
      p->again = false;
    }
    auto round = co_await upload_round(project_id, *p);
    publish_state(project_id);
    if (round && *round) {
      backoff = options_.first_backoff;
      auto left = co_await workers_.run([&] { return journal_.pending_count(project_id); });
      std::lock_guard lock(mu_);
      if (left && *left == 0 && !p->again) {
        p->draining = false;
        co_return;
      }
      continue;
    }
    if (!round) spdlog::warn("sync of project {}: {}; trying again in {} ms", project_id, round.error().message,
                             backoff.count());
    co_await sleep_for(backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

asio::awaitable<Result<bool>> FileSync::upload_round(const std::string& project_id, Project& p) {
  std::string prefix;
  {
    std::lock_guard lock(mu_);
    prefix = p.prefix;
  }
  if (prefix.empty()) {
    auto known = co_await workers_.run([&] { return journal_.prefix_of(project_id); });
    if (!known) co_return known.error();
    prefix = *known;
    std::lock_guard lock(mu_);
    p.prefix = prefix;
  }
  auto ws = co_await workers_.run([&] { return workspaces_.open(project_id); });
  if (!ws) co_return ws.error();
  const ProjectFiles& files = (*ws)->files();
  auto dirty = co_await workers_.run([&] { return journal_.pending(project_id, options_.batch); });
  if (!dirty) co_return dirty.error();
  if (dirty->empty()) co_return true;
  auto plan = co_await workers_.run(
      [&] { return plan_uploads(files, journal_, project_id, *dirty, ignore_rules_of(files)); });
  if (!plan) co_return plan.error();

  std::mutex mu;
  std::set<std::string> failed;  // paths storage did not take this round
  std::vector<std::string> deletes = plan->deletes;
  Error last = make_error("storage_unavailable", "storage did not take every change");
  auto fail = [&](const std::string& path, const Error& e) {
    std::lock_guard lock(mu);
    failed.insert(path);
    last = e;
  };
  auto park = [&](const std::string& path, const Error& e) -> asio::awaitable<void> {
    spdlog::warn("sync of project {}: {} cannot be stored ({}); it stays local until it is changed", project_id,
                 path, e.message);
    co_await workers_.run([&] { return journal_.park(project_id, path, e.code, e.message); });
  };

  co_await for_each_parallel(plan->uploads.size(), options_.width, [&](std::size_t i) -> asio::awaitable<Status> {
    auto& up = plan->uploads[i];
    auto key = prefix + up.path;
    if (!up.move_from.empty()) {
      if (auto moved = co_await store_.move(prefix + up.move_from, key); moved) {
        SyncedEntry entry{"file", up.move_etag, up.sha256, up.size, up.mode, {}};
        co_await workers_.run([&] {
          (void)journal_.forget_synced(project_id, up.move_from);
          return journal_.set_synced(project_id, up.path, entry);
        });
        co_return Ok{};
      }
      std::lock_guard lock(mu);
      deletes.push_back(up.move_from);  // upload instead, then delete the source
    }
    if (auto valid = store_.validate_key(key); !valid) {
      co_await park(up.path, valid.error());
      co_return Ok{};
    }
    if (up.size > store_.max_object_size()) {
      Error big = make_error("too_large", up.path + " is " + std::to_string(up.size) +
                                              " bytes, over the storage's limit of " +
                                              std::to_string(store_.max_object_size()));
      co_await park(up.path, big);
      co_return Ok{};
    }
    auto path = parse_project_path(up.path);
    struct stat st {};
    auto fd = co_await workers_.run([&] { return path ? files.open_file(*path, &st) : Result<UniqueFd>(path.error()); });
    if (!fd) {
      // Gone or replaced since the plan: the change that did it has its own row.
      if (fd.error().code != "not_found" && fd.error().code != "bad_request") fail(up.path, fd.error());
      co_return Ok{};
    }
    // Through the open descriptor: a symlink swapped in since can't redirect it.
    auto source = storage::PutSource::from_file("/proc/self/fd/" + std::to_string(fd->get()));
    auto put = co_await store_.put(key, std::move(source));
    if (!put) {
      if (never_uploadable(put.error()))
        co_await park(up.path, put.error());
      else
        fail(up.path, put.error());
      co_return Ok{};
    }
    if (!put->stable) {
      // Changed, renamed or deleted while it streamed (its ctime moved). The
      // object is in storage all the same: say so in `synced`, so the retry
      // compares the mirror with what storage really holds. Without this, a
      // file deleted or renamed away mid-upload left its object behind for
      // good: the retry found nothing synced there to delete.
      SyncedEntry stored{"file", put->etag, put->sha256, put->size, unsigned(st.st_mode & 0777), {}};
      co_await workers_.run([&] { return journal_.set_synced(project_id, up.path, stored); });
      fail(up.path, make_error("conflict", up.path + " changed while it was uploaded"));
      co_return Ok{};
    }
    SyncedEntry entry{"file", put->etag, put->sha256, put->size, unsigned(st.st_mode & 0777), {}};
    co_await workers_.run([&] {
      (void)journal_.unpark(project_id, up.path);
      return journal_.set_synced(project_id, up.path, entry);
    });
    co_return Ok{};
  });

  if (!deletes.empty()) {
    std::vector<std::string> keys;
    for (auto& d : deletes) keys.push_back(prefix + d);
    if (auto removed = co_await store_.remove_many(std::move(keys)); !removed) {
      for (auto& d : deletes) fail(d, removed.error());
    } else {
      co_await workers_.run([&] {
        for (auto& d : deletes) (void)journal_.forget_synced(project_id, d);
        return Status(Ok{});
      });
    }
  }
  co_await workers_.run([&] {
    for (auto& [path, entry] : plan->set_meta) (void)journal_.set_synced(project_id, path, entry);
    for (auto& path : plan->forget_meta) (void)journal_.forget_synced(project_id, path);
    return Status(Ok{});
  });
  if (plan->manifest_changed()) {
    auto synced = co_await workers_.run([&] { return journal_.synced(project_id); });
    // (No co_await inside ?: — GCC 12 destroys its temporaries twice.)
    Status saved = Ok{};
    if (!synced) {
      saved = synced.error();
    } else {
      auto manifest = manifest_of(*synced);
      saved = co_await storage::save_manifest(store_, prefix, manifest);
    }
    if (!saved) fail("", saved.error());
  }
  co_await workers_.run([&] {
    for (auto& d : *dirty) {
      bool blocked = std::any_of(failed.begin(), failed.end(), [&](auto& f) { return covers(d.path, f) || f.empty(); });
      if (!blocked) (void)journal_.settle(project_id, d);
    }
    return Status(Ok{});
  });
  if (!failed.empty()) co_return last;
  co_return true;
}

asio::awaitable<Status> FileSync::flush(std::string project_id, std::chrono::milliseconds limit) {
  changed(project_id);
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    auto left = co_await workers_.run([&] { return journal_.pending_count(project_id); });
    if (!left) co_return left.error();
    if (*left == 0) co_return Ok{};
    if (std::chrono::steady_clock::now() >= deadline)
      co_return make_error("storage_unavailable", std::to_string(*left) + " changes of project " + project_id +
                                                      " are not in storage yet; they stay journalled and are "
                                                      "uploaded when storage answers");
    co_await sleep_for(std::chrono::milliseconds(50));
  }
}

asio::awaitable<void> FileSync::resume() {
  auto projects = co_await workers_.run([&] { return journal_.projects_with_pending(); });
  if (!projects) {
    spdlog::warn("cannot read the sync journal: {}", projects.error().message);
    co_return;
  }
  if (!projects->empty()) spdlog::info("sync: resuming the uploads of {} projects", projects->size());
  for (auto& id : *projects) changed(id);
}

asio::awaitable<Status> FileSync::forget(std::string project_id) {
  auto p = project(project_id);
  {
    std::lock_guard lock(mu_);
    p->forgotten = true;
  }
  for (int i = 0; i < 600; ++i) {  // the running round finishes (at most a batch)
    {
      std::lock_guard lock(mu_);
      if (!p->draining) break;
    }
    co_await sleep_for(std::chrono::milliseconds(50));
  }
  auto done = co_await workers_.run([&] { return journal_.forget_project(project_id); });
  std::lock_guard lock(mu_);
  projects_.erase(project_id);
  co_return done;
}

Result<SyncState> FileSync::state(const std::string& project_id) {
  auto pending = journal_.pending_count(project_id);
  if (!pending) return pending.error();
  auto parked = journal_.parked(project_id);
  if (!parked) return parked.error();
  return SyncState{*pending, std::move(*parked)};
}

void FileSync::publish_state(const std::string& project_id) {
  if (state_listeners_.empty()) return;
  asio::co_spawn(
      executor_,
      [this, project_id]() -> asio::awaitable<void> {
        auto s = co_await workers_.run([&] { return state(project_id); });
        if (!s) co_return;
        for (auto& l : state_listeners_) l(project_id, *s);
      },
      asio::detached);
}

void FileSync::publish_progress(const std::string& project_id, std::size_t done, std::size_t total) {
  for (auto& l : progress_listeners_) l(project_id, done, total);
}

}  // namespace berth::workspace
