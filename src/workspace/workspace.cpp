#include "workspace/workspace.hpp"

#include "docker/image_recipes.hpp"
#include "workspace/mirror_dir.hpp"

namespace berth::workspace {

Result<FileChange> Workspace::change(const std::function<Result<FileChange>(ProjectFiles&)>& op) {
  Result<FileChange> done = make_error("internal", "no change");
  {
    std::lock_guard lock(mu_);
    done = op(*files_);
    if (!done) return done;
    if (journal_) {
      std::vector<std::string> paths{done->path};
      if (!done->from.empty()) paths.push_back(done->from);
      // The file is on disk but storage would never learn of it: refuse the
      // ack; the next open finds the file unsynced and journals it then.
      if (auto recorded = journal_->record(project_id_, paths); !recorded) return recorded.error();
    }
    done->seq = ++seq_;
  }
  if (journal_ && recorded_) recorded_(project_id_);
  for (auto& l : listeners_) l(project_id_, *done);
  return done;
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
  auto dir = mirror_dir(options_, project_id);
  if (auto made = ensure_mirror_dir(dir, docker::kContainerUid, docker::kContainerUid); !made) return made.error();
  auto files = ProjectFiles::open(dir);
  if (!files) return files.error();
  auto ws = std::make_shared<Workspace>(project_id, std::move(*files), listeners_, journal_, recorded_);
  open_[project_id] = ws;
  return ws;
}

}  // namespace berth::workspace
