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
// (file_sync.hpp). Not yet here: the inotify watcher for changes made
// inside the container.
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "workspace/container_plan.hpp"
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
  std::uint64_t seq = 0;
};

class Workspace {
 public:
  using Listener = std::function<void(const std::string& project_id, const FileChange& change)>;

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

 private:
  std::string project_id_;
  std::shared_ptr<ProjectFiles> files_;
  std::vector<Listener> listeners_;
  SyncJournal* journal_;
  Recorded recorded_;
  std::int64_t quota_;  // bytes of the project's disk; 0: none (ENOSPC is the host's)
  std::mutex mu_;  // one change at a time, in seq order
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
  const RuntimeOptions& options() const { return options_; }

 private:
  RuntimeOptions options_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Workspace>> open_;
  std::vector<Workspace::Listener> listeners_;
  SyncJournal* journal_ = nullptr;
  Workspace::Recorded recorded_;
};

}  // namespace berth::workspace
