// FileSync::open: the mirror is reconciled with storage before the project
// is used on this node (file_sync.hpp). Storage is the truth for what it
// holds, except where the journal says the mirror has changes storage has
// not seen yet; those paths are left alone and uploaded.
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/this_coro.hpp>
#include <chrono>
#include <filesystem>
#include <set>

#include "core/digest.hpp"
#include "core/encoding.hpp"
#include "core/parallel.hpp"
#include "core/unique_fd.hpp"
#include "storage/layout.hpp"
#include "storage/project_objects.hpp"
#include "workspace/file_sync_project.hpp"
#include "workspace/upload_plan.hpp"

namespace berth::workspace {
namespace asio = boost::asio;

namespace {

struct OpenPlan {
  std::vector<std::pair<std::string, storage::ObjectInfo>> downloads;  // path, object
  std::vector<std::string> removals;  // deleted in storage since this node synced them
  std::vector<std::string> unsynced;  // changed here while nothing watched: upload them
  std::vector<std::string> forget;    // gone on both sides
};

std::string sha256_of_file(const std::string& file) {
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  Digest digest;
  std::string chunk(1 << 16, '\0');
  for (ssize_t n; fd && (n = ::read(fd.get(), chunk.data(), chunk.size())) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    digest.update(std::string_view(chunk.data(), std::size_t(n)));
  }
  return digest.hex();
}

// Whether a pending row (a dirty path or a folder above it) holds `path`.
bool pending_at(const std::set<std::string>& pending, const std::string& path) {
  if (pending.count("") || pending.count(path)) return true;
  for (auto at = path.find('/'); at != std::string::npos; at = path.find('/', at + 1))
    if (pending.count(path.substr(0, at))) return true;
  return false;
}

Result<OpenPlan> plan_open(const ProjectFiles& files, SyncJournal& journal, const std::string& project_id,
                           const std::string& prefix, const std::vector<storage::ObjectInfo>& objects,
                           const storage::ProjectManifest& manifest) {
  auto synced = journal.synced(project_id);
  if (!synced) return synced.error();
  auto dirty = journal.pending(project_id, 10'000'000);
  if (!dirty) return dirty.error();
  std::set<std::string> pending;
  for (auto& d : *dirty) pending.insert(d.path);
  auto ignore = ignore_rules_of(files);
  auto local_list = files.list(ProjectPath{}, true, 10'000'000,
                               [&](const std::string& p, bool dir) { return ignore.ignored(p, dir); }, false);
  if (!local_list) return local_list.error();
  std::map<std::string, FileEntry> local;
  for (auto& e : *local_list) local[e.path] = e;

  OpenPlan plan;
  std::set<std::string> remote;
  for (auto& object : objects) {
    if (!object.key.starts_with(prefix)) continue;
    std::string path = object.key.substr(prefix.size());
    auto parsed = parse_project_path(path);
    if (!parsed || parsed->str() != path) {
      spdlog::warn("project {}: object {} has a name no file can have; left in storage", project_id, object.key);
      continue;
    }
    if (ignore.ignored(path, false)) continue;
    remote.insert(path);
    if (pending_at(pending, path)) continue;
    auto here = local.find(path);
    auto was = synced->find(path);
    bool current = here != local.end() && here->second.kind == "file" && here->second.size == object.size &&
                   was != synced->end() && was->second.kind == "file" && was->second.etag == object.etag;
    if (current) continue;
    if (here != local.end() && here->second.kind == "dir") {
      spdlog::warn("project {}: {} is a folder here and a file in storage; the folder stays", project_id, path);
      continue;
    }
    plan.downloads.emplace_back(path, object);
  }
  for (auto& [path, e] : local) {
    if (e.kind == "dir" || remote.count(path) || pending_at(pending, path)) continue;
    if (e.kind == "symlink" && manifest.symlinks.count(path)) continue;
    if (synced->count(path))
      plan.removals.push_back(path);
    else
      plan.unsynced.push_back(path);
  }
  for (auto& [path, e] : *synced)
    if (e.kind == "file" && !remote.count(path) && !local.count(path)) plan.forget.push_back(path);
  return plan;
}

}  // namespace

asio::awaitable<Status> FileSync::open(std::string project_id, std::string owner_id) {
  auto p = project(project_id);
  auto guard = co_await p->open_lock.lock();
  if (p->opened) co_return Ok{};
  if (claim_hook_)
    if (auto claimed = co_await claim_hook_(project_id); !claimed) co_return claimed;
  auto prefix = storage::project_prefix(owner_id, project_id);
  if (auto known = co_await workers_.run([&] { return journal_.set_prefix(project_id, prefix); }); !known)
    co_return known.error();
  {
    std::lock_guard lock(mu_);
    p->prefix = prefix;
  }
  if (auto done = co_await reconcile(project_id, prefix); !done) {
    if (release_hook_) co_await release_hook_(project_id);  // not open here: nothing to hold
    co_return done;
  }
  if (opened_hook_)
    if (auto hooked = co_await workers_.run([&] { return opened_hook_(project_id); }); !hooked)
      spdlog::warn("project {}: {}", project_id, hooked.error().message);
  {
    std::lock_guard lock(mu_);
    p->opened = true;
  }
  (void)co_await workers_.run([&] { return mark_used(workspaces_.options(), project_id); });
  changed(project_id);  // what open journalled, and anything an earlier run left
  co_return Ok{};
}

asio::awaitable<Status> FileSync::reconcile(std::string project_id, std::string prefix) {
  auto started = std::chrono::steady_clock::now();
  auto objects = co_await store_.list(prefix);
  if (!objects) co_return make_error(objects.error().code, "cannot list the project's files in storage: " +
                                                               objects.error().message);
  auto manifest = co_await storage::load_manifest(store_, prefix);
  if (!manifest) co_return manifest.error();
  auto ws = co_await workers_.run([&] { return workspaces_.open(project_id); });
  if (!ws) co_return ws.error();
  ProjectFiles& files = (*ws)->mutable_files();
  auto plan = co_await workers_.run([&] { return plan_open(files, journal_, project_id, prefix, *objects, *manifest); });
  if (!plan) co_return plan.error();

  // On the project's own disk: installing is a rename (project_disk.hpp).
  const std::string staging = staging_dir(workspaces_.options(), project_id);
  std::atomic<std::size_t> done{0};
  const std::size_t total = plan->downloads.size();
  publish_progress(project_id, 0, total);
  auto last_report = std::chrono::steady_clock::now();
  std::mutex report_mu;
  auto downloaded = co_await for_each_parallel(total, options_.width, [&](std::size_t i) -> asio::awaitable<Status> {
    auto& [path, object] = plan->downloads[i];
    auto staged = staging + "/" + hex_encode(random_bytes(8)) + ".part";
    auto got = co_await store_.get_to_file(object.key, staged);
    if (!got) {
      ::unlink(staged.c_str());
      co_return make_error(got.error().code, "cannot download " + path + ": " + got.error().message);
    }
    auto mode_it = manifest->modes.find(path);
    unsigned mode = mode_it == manifest->modes.end() ? 0644 : mode_it->second;
    auto installed = co_await workers_.run([&]() -> Status {
      SyncedEntry entry{"file", got->etag, sha256_of_file(staged), got->size, mode, {}};
      auto parsed = parse_project_path(path);
      if (!parsed) return parsed.error();
      if (auto s = files.install(*parsed, staged, mode); !s) {
        ::unlink(staged.c_str());
        return s;
      }
      return journal_.set_synced(project_id, path, entry);
    });
    if (!installed) co_return installed;
    auto n = ++done;
    std::lock_guard lock(report_mu);
    if (n == total || std::chrono::steady_clock::now() - last_report > std::chrono::milliseconds(100)) {
      last_report = std::chrono::steady_clock::now();
      publish_progress(project_id, n, total);
    }
    co_return Ok{};
  });
  if (!downloaded) co_return downloaded;

  auto finished = co_await workers_.run([&]() -> Status {
    for (auto& dir : manifest->empty_directories) {
      auto p = parse_project_path(dir);
      if (!p) continue;
      if (auto s = files.make_dirs(*p); !s) spdlog::warn("project {}: cannot restore folder {}: {}", project_id, dir, s.error().message);
      (void)journal_.set_synced(project_id, dir, SyncedEntry{"dir", "", "", 0, 0755, {}});
    }
    for (auto& [link, target] : manifest->symlinks) {
      auto p = parse_project_path(link);
      if (!p) continue;
      auto made = files.make_symlink(*p, target);
      if (made || made.error().code == "conflict")
        (void)journal_.set_synced(project_id, link, SyncedEntry{"symlink", "", "", 0, 0777, target});
    }
    for (auto& [file, mode] : manifest->modes)
      if (auto p = parse_project_path(file)) (void)files.set_mode(*p, mode);
    for (auto& path : plan->removals) {
      auto p = parse_project_path(path);
      if (p) (void)files.remove(*p);
      (void)journal_.forget_synced(project_id, path);
    }
    for (auto& path : plan->forget) (void)journal_.forget_synced(project_id, path);
    return journal_.record(project_id, plan->unsynced);
  });
  if (!finished) co_return finished;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  spdlog::info("project {}: mirror reconciled with storage in {} ms ({} objects, {} downloaded, {} removed, {} local "
               "changes to upload)",
               project_id, ms.count(), objects->size(), total, plan->removals.size(), plan->unsynced.size());
  co_return Ok{};
}

}  // namespace berth::workspace
