#pragma once
// One open project's files (DESIGN §1): its mirror directory behind
// ProjectFiles, and the project's change counter `seq`.
//
// Every change runs through change(), which applies it and takes the next
// seq under one lock, so seq order is the order the changes hit the disk,
// and publishes a FileChange to the listeners — the Socket.IO layer turns
// those into `fs:changed` for the project's other clients. The domain knows
// nothing of sockets: `actor` is an opaque tag of whoever made the change.
//
// With a journal (use_journal), a change is recorded there, durably, before
// it gets its seq: the caller acknowledges only what the uploader will find
// (file_sync.hpp).
//
// Changes made inside the container arrive from the MirrorWatcher
// (mirror_watcher.hpp) as paths that may have changed; absorb() compares
// each with what Berth knows of it (`known_`: the mirror at snapshot(), plus
// every change since, Berth's own included) under the same lock, so Berth's
// own writes are told apart by content hash and never echo back.
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "workspace/container_plan.hpp"
#include "workspace/ignore_rules.hpp"
#include "workspace/project_files.hpp"
#include "workspace/sync_journal.hpp"

namespace berth::workspace {

struct FileChange {
  std::string op;  // created | modified | deleted | renamed
  std::string path;
  std::string from;  // renamed only
  std::string kind;  // file | dir | symlink
  std::string version;
  std::string by;     // user id
  std::string actor;  // opaque: who to leave out when telling the others
  std::string origin = "editor";  // editor | container
  std::uint64_t seq = 0;
};

// What the watcher saw in one window: paths that may have changed, moves it
// could pair (inotify's cookie), and paths whose attributes (mode) changed.
struct ObservedPaths {
  std::set<std::string> paths;
  std::vector<std::pair<std::string, std::string>> moves;  // from, to (both in `paths`)
  std::set<std::string> attributes;
  bool empty() const { return paths.empty(); }
};

class MirrorWatcher;

class Workspace {
 public:
  // One batch: an editor's change, or what the container changed in one
  // watcher window (contiguous seqs, the same actor). Called under the
  // workspace's lock, in seq order: queue, never block.
  using Listener = std::function<void(const std::string& project_id, const std::vector<FileChange>& changes)>;

  using Recorded = std::function<void(const std::string& project_id)>;

  Workspace(std::string project_id, std::shared_ptr<ProjectFiles> files, std::vector<Listener> listeners,
            SyncJournal* journal = nullptr, Recorded recorded = {}, std::int64_t quota = 0)
      : project_id_(std::move(project_id)),
        files_(std::move(files)),
        listeners_(std::move(listeners)),
        journal_(journal),
        recorded_(std::move(recorded)),
        quota_(quota) {}

  const ProjectFiles& files() const { return *files_; }
  // For the sync's open, which writes what storage has without a change event.
  ProjectFiles& mutable_files() { return *files_; }
  std::uint64_t seq() const { return seq_.load(); }

  // Blocking (worker pool). `op` changes the files and returns the change
  // to publish (or an error: then nothing is published and seq stays).
  Result<FileChange> change(const std::function<Result<FileChange>(ProjectFiles&)>& op);
  // disk_full on the project's own disk becomes quota_exceeded (the user
  // can make room); anything else is returned as it is.
  Error explain_full_disk(Error e) const;

  // The watcher's side (blocking, worker pool). snapshot() takes the mirror
  // as it is now as known; absorb() journals and publishes, as one batch
  // with origin "container", whatever differs from the known state, and
  // returns how many changes it found. Paths under .git/objects/ are
  // journalled (uploaded) but not published one by one.
  Status snapshot();
  // `rules`: the watcher's .berthignore, kept current as the file changes.
  Result<std::size_t> absorb(const ObservedPaths& seen, const IgnoreRules& rules);
  // Adds every path Berth knows to `into` (a full rescan: what is gone too).
  void known_paths(std::set<std::string>& into) const;

 private:
  struct Known {
    std::string kind;  // file | dir | symlink
    std::string version;
    bool operator==(const Known&) const = default;
  };
  std::optional<Known> state_of(const std::string& path) const;  // the mirror now; nullopt: nothing there
  std::optional<Known> known(const std::string& path) const;
  void learn(const FileChange& c);  // under mu_
  void tell_listeners(const std::vector<FileChange>& batch);

  std::string project_id_;
  std::shared_ptr<ProjectFiles> files_;
  std::vector<Listener> listeners_;
  SyncJournal* journal_;
  Recorded recorded_;
  std::int64_t quota_;  // bytes of the project's disk; 0: none (ENOSPC is the host's)
  mutable std::mutex mu_;  // one change at a time, in seq order
  bool watched_ = false;              // known_ is kept (after snapshot())
  std::map<std::string, Known> known_;  // by path, sorted: a folder's entries follow it
  std::atomic<std::uint64_t> seq_{0};
};

// The open workspaces of this node, by project.
class Workspaces {
 public:
  explicit Workspaces(RuntimeOptions options) : options_(std::move(options)) {}

  void subscribe(Workspace::Listener listener);
  // Before the first open: every change is journalled, then `recorded` runs.
  void use_journal(SyncJournal* journal, Workspace::Recorded recorded);
  // Blocking (mkdir, chown, opening the root): call from the worker pool.
  Result<std::shared_ptr<Workspace>> open(const std::string& project_id);
  // The project is deleted: closes it and removes its disk and mirror. Blocking.
  Status remove(const std::string& project_id);
  // Set once before use: removal stops the project's watch.
  void use_watcher(MirrorWatcher* watcher) { watcher_ = watcher; }
  const RuntimeOptions& options() const { return options_; }

 private:
  RuntimeOptions options_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Workspace>> open_;
  std::vector<Workspace::Listener> listeners_;
  SyncJournal* journal_ = nullptr;
  Workspace::Recorded recorded_;
  MirrorWatcher* watcher_ = nullptr;
};

}  // namespace berth::workspace
