// Workspace's side of the watcher (workspace.hpp): what Berth knows of the
// mirror, and turning what the container changed into one batch.
#include "core/log.hpp"
#include "workspace/upload_plan.hpp"
#include "workspace/workspace.hpp"

namespace berth::workspace {

namespace {

bool under(const std::string& path, const std::string& folder) {
  return path.size() > folder.size() && path.compare(0, folder.size(), folder) == 0 && path[folder.size()] == '/';
}

// Uploaded like any file, but a checkout writes thousands of them: the
// clients hear of the folder's other changes, not of each object.
bool quiet(const std::string& path) { return path.rfind(".git/objects/", 0) == 0; }

}  // namespace

std::optional<Workspace::Known> Workspace::state_of(const std::string& path) const {
  auto parsed = parse_project_path(path);
  if (!parsed) return std::nullopt;
  auto e = files_->stat(*parsed, true);
  if (!e) return std::nullopt;
  return Known{e->kind, e->version};
}

std::optional<Workspace::Known> Workspace::known(const std::string& path) const {
  auto it = known_.find(path);
  if (it == known_.end()) return std::nullopt;
  return it->second;
}

void Workspace::learn(const FileChange& c) {
  auto erase_tree = [&](const std::string& root) {
    known_.erase(root);
    for (auto it = known_.lower_bound(root + "/"); it != known_.end() && under(it->first, root);)
      it = known_.erase(it);
  };
  if (c.op == "deleted") {
    erase_tree(c.path);
    return;
  }
  if (c.op == "renamed") {
    std::vector<std::pair<std::string, Known>> moved;
    for (auto it = known_.lower_bound(c.from + "/"); it != known_.end() && under(it->first, c.from); ++it)
      moved.emplace_back(c.path + it->first.substr(c.from.size()), it->second);
    erase_tree(c.from);
    erase_tree(c.path);  // what the rename replaced
    for (auto& [path, k] : moved) known_[path] = k;
  }
  known_[c.path] = Known{c.kind, c.version};
  // A change at a/b/c means a and a/b are folders now (an upload or an
  // archive makes them on the way): known, so they are not reported as the
  // container's.
  for (auto slash = c.path.find('/'); slash != std::string::npos; slash = c.path.find('/', slash + 1))
    known_.try_emplace(c.path.substr(0, slash), Known{"dir", ""});
}

void Workspace::known_paths(std::set<std::string>& into) const {
  std::lock_guard lock(mu_);
  for (auto& [path, k] : known_) into.insert(path);
}

Status Workspace::snapshot() {
  std::lock_guard lock(mu_);
  auto rules = ignore_rules_of(*files_);
  auto entries = files_->list(ProjectPath{}, true, 1'000'000,
                              [&](const std::string& path, bool is_dir) { return rules.ignored(path, is_dir); });
  if (!entries) return entries.error();
  known_.clear();
  for (auto& e : *entries) known_[e.path] = Known{e.kind, e.version};
  watched_ = true;
  return Ok{};
}

Result<std::size_t> Workspace::absorb(const ObservedPaths& seen, const IgnoreRules& rules) {
  std::vector<FileChange> batch;
  std::size_t found = 0;
  bool journalled = false;
  {
    std::lock_guard lock(mu_);
    if (!watched_) return std::size_t(0);
    std::vector<std::string> journal_paths;
    std::set<std::string> done;
    auto changed = [&](FileChange c) {
      learn(c);
      journal_paths.push_back(c.path);
      if (!c.from.empty()) journal_paths.push_back(c.from);
      ++found;
      if (!quiet(c.path)) batch.push_back(std::move(c));
    };
    // A move inotify could pair, whose content arrived whole: one rename.
    for (auto& [from, to] : seen.moves) {
      auto now = state_of(to);
      auto was = known(from);
      if (state_of(from) || !now || !was || was->kind != now->kind || was->version != now->version ||
          known(to) == now || rules.ignored(to, now->kind == "dir"))
        continue;
      changed(FileChange{"renamed", to, from, now->kind, now->version, {}, {}, "container"});
      done.insert(from);
      done.insert(to);
    }
    // Sorted: a folder comes before its entries, so the entries of a folder
    // deleted here compare equal once its deletion is learnt.
    for (auto& path : seen.paths) {
      if (done.count(path)) continue;
      auto now = state_of(path);
      if (rules.ignored(path, now && now->kind == "dir")) continue;
      auto was = known(path);
      if (now == was) {
        if (now && seen.attributes.count(path)) journal_paths.push_back(path);  // a mode to upload
        continue;
      }
      if (!now) {
        changed(FileChange{"deleted", path, {}, was->kind, {}, {}, {}, "container"});
      } else {
        changed(FileChange{was ? "modified" : "created", path, {}, now->kind, now->version, {}, {}, "container"});
      }
    }
    // Should this fail (a full host disk), the changes stay learnt and
    // unjournalled until the project's next open finds them unsynced.
    if (journal_ && !journal_paths.empty()) {
      if (auto recorded = journal_->record(project_id_, journal_paths); !recorded) return recorded.error();
      journalled = true;
    }
    for (auto& c : batch) c.seq = ++seq_;
    tell_listeners(batch);
  }
  if (journalled && recorded_) recorded_(project_id_);
  return found;
}

}  // namespace berth::workspace
