#include "workspace/upload_plan.hpp"

#include <map>
#include <set>

namespace berth::workspace {

namespace {

constexpr std::size_t kMaxIgnoreFile = 64 << 10;

struct Seen {
  std::string kind;
  std::string sha256;
  std::uint64_t size = 0;
  unsigned mode = 0644;
  std::string target;
};

// What the mirror holds at and below `path`: nothing, one entry, or a tree.
Result<std::map<std::string, Seen>> mirror_at(const ProjectFiles& files, const ProjectPath& path,
                                              const IgnoreRules& ignore) {
  std::map<std::string, Seen> out;
  auto describe = [&](const FileEntry& e) -> Seen {
    Seen s{e.kind, e.version, e.size, 0644, {}};
    auto p = parse_project_path(e.path);
    if (!p) return s;
    if (e.kind == "symlink") {
      if (auto t = files.link_target(*p)) s.target = *t;
    } else if (e.kind == "file") {
      struct stat st {};
      if (auto fd = files.open_file(*p, &st)) s.mode = unsigned(st.st_mode & 0777);
    }
    return s;
  };
  if (!path.is_root()) {
    auto top = files.stat(path);
    if (!top) {
      // invalid_path: a folder above it is now a file or a symlink (the
      // container replaced it), so nothing is there that Berth may follow.
      if (top.error().code == "not_found" || top.error().code == "invalid_path") return out;
      return top.error();
    }
    if (ignore.ignored(top->path, top->kind == "dir")) return out;
    out[top->path] = describe(*top);
    if (top->kind != "dir") return out;
  }
  auto below = files.list(path, true, 1'000'000, [&](const std::string& p, bool dir) { return ignore.ignored(p, dir); });
  if (!below) {
    if (below.error().code == "not_found") return out;
    return below.error();
  }
  for (auto& e : *below) out[e.path] = describe(e);
  return out;
}

}  // namespace

IgnoreRules ignore_rules_of(const ProjectFiles& files) {
  auto path = parse_project_path(".berthignore");
  auto content = path ? files.read(*path, kMaxIgnoreFile) : Result<FileContent>(path.error());
  return content ? IgnoreRules::with_file(content->bytes) : IgnoreRules::defaults();
}

Result<UploadPlan> plan_uploads(const ProjectFiles& files, SyncJournal& journal, const std::string& project_id,
                                const std::vector<DirtyPath>& dirty, const IgnoreRules& ignore) {
  UploadPlan plan;
  std::set<std::string> planned;  // a path under two dirty folders is planned once
  std::map<std::string, SyncedEntry> deleted_files;
  for (auto& d : dirty) {
    auto path = parse_project_path(d.path);
    if (!path) continue;  // never recorded by Berth; nothing to do
    auto now = mirror_at(files, *path, ignore);
    if (!now) return now.error();
    auto was = journal.synced(project_id, d.path);
    if (!was) return was.error();
    for (auto& [p, seen] : *now) {
      if (!planned.insert(p).second) continue;
      auto it = was->find(p);
      const SyncedEntry* old = it == was->end() ? nullptr : &it->second;
      if (seen.kind == "file") {
        if (old && old->kind == "file" && old->sha256 == seen.sha256 && old->mode == seen.mode) continue;
        if (old && old->kind == "file" && old->mode != seen.mode) plan.mode_changed = true;
        if (!old && seen.mode != 0644) plan.mode_changed = true;
        if (old && old->kind != "file") plan.forget_meta.push_back(p);
        plan.uploads.push_back({p, seen.sha256, seen.size, seen.mode, {}, {}});
      } else {
        if (old && old->kind == "file") plan.deletes.push_back(p), deleted_files[p] = *old;
        if (old && old->kind == seen.kind && old->target == seen.target) continue;
        plan.set_meta.push_back({p, SyncedEntry{seen.kind, "", "", 0, 0755, seen.target}});
      }
    }
    for (auto& [p, old] : *was) {
      if (now->count(p) || !planned.insert(p).second) continue;
      // Ignored since it was synced: it stays local now, and stays in storage.
      if (ignore.ignored(p, old.kind == "dir")) continue;
      if (old.kind == "file") {
        plan.deletes.push_back(p);
        deleted_files[p] = old;
        if (old.mode != 0644) plan.mode_changed = true;
      } else {
        plan.forget_meta.push_back(p);
      }
    }
  }
  // Renames: the content that left one path and arrived at another moves.
  std::multimap<std::string, std::string> gone_by_hash;
  for (auto& [p, old] : deleted_files)
    if (!old.sha256.empty()) gone_by_hash.emplace(old.sha256, p);
  std::set<std::string> moved;
  for (auto& up : plan.uploads) {
    auto it = gone_by_hash.find(up.sha256);
    if (it == gone_by_hash.end()) continue;
    up.move_from = it->second;
    up.move_etag = deleted_files[it->second].etag;
    moved.insert(it->second);
    gone_by_hash.erase(it);
  }
  std::erase_if(plan.deletes, [&](const std::string& p) { return moved.count(p) > 0; });
  return plan;
}

storage::ProjectManifest manifest_of(const std::map<std::string, SyncedEntry>& synced) {
  storage::ProjectManifest m;
  for (auto it = synced.begin(); it != synced.end(); ++it) {
    auto& [path, e] = *it;
    if (e.kind == "dir") {
      auto below = synced.lower_bound(path + "/");
      bool has_children = below != synced.end() && below->first.starts_with(path + "/");
      if (!has_children) m.empty_directories.push_back(path);
    } else if (e.kind == "symlink") {
      m.symlinks[path] = e.target;
    } else if (e.mode != 0644) {
      m.modes[path] = e.mode;
    }
  }
  return m;
}

}  // namespace berth::workspace
