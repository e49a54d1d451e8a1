#include "workspace/workspace.hpp"

#include "workspace/mirror_watcher.hpp"
#include "workspace/project_disk.hpp"

namespace berth::workspace {

Error Workspace::explain_full_disk(Error e) const {
  // ENOSPC on the project's own disk is its quota, not the host's disk.
  if (e.code == "disk_full" && quota_ > 0)
    return make_error("quota_exceeded", "the project's disk is full (BERTH_PROJECT_QUOTA, " +
                                            std::to_string(quota_ >> 20) + " MiB): delete files to make room");
  return e;
}

Result<FileChange> Workspace::change(const std::function<Result<FileChange>(ProjectFiles&)>& op) {
  Result<FileChange> done = make_error("internal", "no change");
  {
    std::lock_guard lock(mu_);
    done = op(*files_);
    if (!done) return explain_full_disk(done.error());
    if (journal_) {
      std::vector<std::string> paths{done->path};
      if (!done->from.empty()) paths.push_back(done->from);
      // The file is on disk but storage would never learn of it: refuse the
      // ack; the next open finds the file unsynced and journals it then.
      if (auto recorded = journal_->record(project_id_, paths); !recorded) return recorded.error();
    }
    done->seq = ++seq_;
    if (watched_) learn(*done);  // so the watcher takes this for Berth's own
    tell_listeners({*done});
  }
  if (journal_ && recorded_) recorded_(project_id_);
  return done;
}

// Under mu_: the listeners hear of the batches in seq order. They only queue.
void Workspace::tell_listeners(const std::vector<FileChange>& batch) {
  if (batch.empty()) return;
  for (auto& l : listeners_) l(project_id_, batch);
}

void Workspaces::subscribe(Workspace::Listener listener) {
  std::lock_guard lock(mu_);
  listeners_.push_back(std::move(listener));
}

void Workspaces::use_journal(SyncJournal* journal, Workspace::Recorded recorded) {
  std::lock_guard lock(mu_);
  journal_ = journal;
  recorded_ = std::move(recorded);
}

Result<std::shared_ptr<Workspace>> Workspaces::open(const std::string& project_id) {
  std::lock_guard lock(mu_);
  if (auto it = open_.find(project_id); it != open_.end()) return it->second;
  if (auto made = prepare_project_disk(options_, project_id); !made) return made.error();
  auto files = ProjectFiles::open(mirror_dir(options_, project_id));
  if (!files) return files.error();
  auto ws = std::make_shared<Workspace>(project_id, std::move(*files), listeners_, journal_, recorded_,
                                        options_.project_quota);
  open_[project_id] = ws;
  return ws;
}

}  // namespace berth::workspace

namespace berth::workspace {

Status Workspaces::remove(const std::string& project_id) {
  if (watcher_) watcher_->unwatch(project_id);
  std::lock_guard lock(mu_);
  open_.erase(project_id);  // its root descriptor would keep the unmounted disk alive
  return remove_project_disk(project_dir(options_, project_id));
}

}  // namespace berth::workspace
