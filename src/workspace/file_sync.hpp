#pragma once
// Keeps each project's mirror and its objects in storage the same (DESIGN
// §1, §6), in both directions:
//
// - open(): before a project is used on this node, its mirror is reconciled
//   with storage — only objects whose etag or size differ from the synced
//   view are downloaded (in parallel), files storage no longer has are
//   removed unless they carry unsynced changes, folders, modes and symlinks
//   come back from the manifest, and local files storage never saw are
//   journalled for upload (open_from_storage.cpp).
// - changed(): a journalled change wakes the project's uploader, which
//   drains its dirty paths through the ObjectStore (upload_plan.hpp), with
//   bounded parallelism, parks what can never be stored (a key the backend
//   refuses, an object over its limit) and retries the rest with backoff
//   for as long as storage is down. resume() restarts every project with
//   pending rows after a restart.
//
// Everything blocking (journal, mirror) runs on the WorkerPool.
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
#include "storage/object_store.hpp"
#include "workspace/async_mutex.hpp"
#include "workspace/sync_journal.hpp"
#include "workspace/workspace.hpp"

namespace berth::workspace {


struct SyncOptions {
  std::size_t width = 8;    // transfers in flight per project
  std::size_t batch = 512;  // dirty paths taken per round
  std::chrono::milliseconds first_backoff{500};
  std::chrono::milliseconds max_backoff{30'000};
};

class FileSync {
 public:
  using StateListener = std::function<void(const std::string& project_id, const SyncState& state)>;
  using ProgressListener = std::function<void(const std::string& project_id, std::size_t done, std::size_t total)>;

  FileSync(boost::asio::any_io_executor executor, WorkerPool& workers, storage::ObjectStore& store,
           SyncJournal& journal, Workspaces& workspaces, SyncOptions options = {});
  ~FileSync();

  void on_state(StateListener listener) { state_listeners_.push_back(std::move(listener)); }
  void on_progress(ProgressListener listener) { progress_listeners_.push_back(std::move(listener)); }
  // Runs (on the worker pool, blocking) once a project's open has
  // reconciled its mirror, before open() returns: the watcher starts here,
  // so nothing the container does after the open is missed.
  using OpenedHook = std::function<Status(const std::string& project_id)>;
  void on_opened(OpenedHook hook) { opened_hook_ = std::move(hook); }
  // Asked before an open touches anything (the project's lease,
  // project_leases.hpp); its error is the open's. `release` after a close.
  using LeaseHook = std::function<boost::asio::awaitable<Status>(const std::string& project_id)>;
  using ReleaseHook = std::function<boost::asio::awaitable<void>(const std::string& project_id)>;
  void on_lease(LeaseHook claim, ReleaseHook release) {
    claim_hook_ = std::move(claim);
    release_hook_ = std::move(release);
  }

  // Reconciles the mirror with storage, once per process and project;
  // concurrent callers wait for the same run. Errors: storage_unavailable
  // (storage down: nothing was lost, try again), disk_full, internal.
  boost::asio::awaitable<Status> open(std::string project_id, std::string owner_id);
  bool is_open(const std::string& project_id) const;
  // The project is closed on this node (its container stopped): the next
  // open reconciles with storage again, since another node may have had it
  // meanwhile. Pending rows stay and are still uploaded.
  boost::asio::awaitable<void> close(std::string project_id);
  // A change was journalled: upload it (returns at once).
  void changed(const std::string& project_id);
  // Waits until the project has no pending rows, or `limit` passes
  // (storage_unavailable then: the rows stay and are uploaded later).
  boost::asio::awaitable<Status> flush(std::string project_id, std::chrono::milliseconds limit);
  // Start-up: uploads what a previous run left pending.
  boost::asio::awaitable<void> resume();
  // The project is being deleted: stop uploading and forget its journal.
  boost::asio::awaitable<Status> forget(std::string project_id);
  // Blocking (reads the journal).
  Result<SyncState> state(const std::string& project_id);

  // This node keeps at most `budget` bytes of project disks (BERTH_MIRROR_BUDGET,
  // mirror_budget.cpp): past it, mirrors of closed projects go, least recently
  // used first, never one that is open here, `in_use` (a container runs on
  // it) or has journal rows storage has not taken; their next open downloads
  // them again. Run after each close and at start-up; 0: no budget.
  using InUse = std::function<bool(const std::string& project_id)>;
  void set_mirror_budget(std::uint64_t budget, InUse in_use) {
    mirror_budget_ = budget;
    in_use_ = std::move(in_use);
  }
  boost::asio::awaitable<void> keep_within_budget();
  void shutdown();

 private:
  struct Project;
  std::shared_ptr<Project> project(const std::string& project_id);
  boost::asio::awaitable<Status> reconcile(std::string project_id, std::string prefix);
  boost::asio::awaitable<void> drain(std::string project_id, std::shared_ptr<Project> p);
  // One round: true when storage took everything it was given.
  boost::asio::awaitable<Result<bool>> upload_round(const std::string& project_id, Project& p);
  void publish_state(const std::string& project_id);
  void publish_progress(const std::string& project_id, std::size_t done, std::size_t total);

  boost::asio::any_io_executor executor_;
  WorkerPool& workers_;
  storage::ObjectStore& store_;
  SyncJournal& journal_;
  Workspaces& workspaces_;
  SyncOptions options_;

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Project>> projects_;
  std::vector<StateListener> state_listeners_;
  std::vector<ProgressListener> progress_listeners_;
  OpenedHook opened_hook_;
  LeaseHook claim_hook_;
  std::uint64_t mirror_budget_ = 0;
  InUse in_use_;
  ReleaseHook release_hook_;
  std::shared_ptr<std::atomic<bool>> stopping_;
};

}  // namespace berth::workspace
