#pragma once
// What an object store cannot express about a project's files, kept in one
// JSON object beside them (layout.hpp manifest_key): empty directories, the
// mode of files that are not plain 0644 (an executable stays executable),
// and symlinks. Pure encode/decode, no I/O.
//
// Symlinks are restored only when they point inside the project: a project
// is shared, copied from templates and opened on other nodes, and a link to
// /etc/passwd or ../../other-project must never come back as a link.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace berth::storage {

struct ProjectManifest {
  std::vector<std::string> empty_directories;    // project-relative, sorted
  std::map<std::string, unsigned> modes;         // path → permission bits (07777 masked to 0777)
  std::map<std::string, std::string> symlinks;   // path → target, as readlink gives it

  bool empty() const { return empty_directories.empty() && modes.empty() && symlinks.empty(); }
  std::string encode() const;
  // Entries with unsafe paths, and symlinks leading out, are dropped.
  static Result<ProjectManifest> decode(std::string_view json);
  bool operator==(const ProjectManifest&) const = default;
};

// Whether `path` is a clean project-relative path: no leading `/`, no empty,
// `.` or `..` component, no NUL.
bool is_clean_relative_path(std::string_view path);
// Whether a symlink at `path` whose target is `target` resolves (lexically)
// inside the project root.
bool symlink_stays_inside(std::string_view path, std::string_view target);

}  // namespace berth::storage
