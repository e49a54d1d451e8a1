#pragma once
// The file operations of one project's mirror directory (DESIGN §5: fs:list,
// fs:stat, fs:read, fs:write, fs:create, fs:delete, fs:rename), every path
// resolved through the PathGuard, so nothing outside the root is ever
// touched and no symlink the container planted is ever followed.
//
// Writes are atomic and durable before they return: a temporary file beside
// the target, fsync, renameat over it, fsync of the directory. A written
// file belongs to the container's user (uid 1000) and keeps its previous
// mode (an executable stays executable).
//
// `version` is the SHA-256 of the content, stable across restarts and nodes;
// hashes are cached by (inode, size, mtime, ctime), so listing a large tree
// twice reads each file once.
//
// Blocking: call from the WorkerPool. Safe to use from several threads.
#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "workspace/path_guard.hpp"

namespace berth::workspace {

struct FileEntry {
  std::string path;  // project-relative, "" for the root
  std::string name;
  std::string kind;  // file | dir | symlink
  std::uint64_t size = 0;
  std::int64_t mtime_ms = 0;
  std::string version;  // files only
};

struct FileContent {
  std::string bytes;
  std::string version;
};

// Berth's own temporary files while a write is under way (".berth-<hex>.tmp"):
// never listed, never reported by the watcher.
bool is_temporary_name(std::string_view name);

class ProjectFiles {
 public:
  static Result<std::shared_ptr<ProjectFiles>> open(const std::string& root,
                                                    PathGuard::Resolve resolve = PathGuard::Resolve::automatic);

  // The entries of a directory (recursive: of its whole subtree, not into
  // symlinked directories), sorted by path; too_large past max_entries.
  // `skip` leaves out an entry (and, for a folder, all below it): the sync's
  // ignored paths, so a node_modules/ is never walked.
  using Skip = std::function<bool(const std::string& path, bool is_dir)>;
  Result<std::vector<FileEntry>> list(const ProjectPath& dir, bool recursive, std::size_t max_entries = 100'000,
                                      const Skip& skip = {}, bool with_versions = true) const;
  // with_version false: what and where it is, without reading the content.
  Result<FileEntry> stat(const ProjectPath& path, bool with_version = true) const;
  // too_large past max_bytes; a directory or a symlink is bad_request.
  Result<FileContent> read(const ProjectPath& path, std::uint64_t max_bytes) const;
  // conflict when base_version is given and the file's is another (or the
  // file was created meanwhile); disk_full when the disk is. A base_version
  // of "" means the file must not exist yet, kAnyVersion that it must.
  static constexpr std::string_view kAnyVersion = "*";  // HTTP's If-Match: *
  Result<FileEntry> write(const ProjectPath& path, std::string_view bytes,
                          const std::optional<std::string>& base_version);
  // write() of a complete file staged elsewhere on the same file system
  // (streamed uploads): the same checks, mode, owner and durability; the
  // staged file is moved, not copied.
  Result<FileEntry> replace(const ProjectPath& path, const std::string& staged_file,
                            const std::optional<std::string>& base_version);
  // conflict when something exists there already.
  Result<FileEntry> create(const ProjectPath& path, bool directory);
  // Directories recursively; a symlink is removed as a link. The root cannot be.
  Status remove(const ProjectPath& path);
  // conflict when `to` exists and !overwrite; moving a directory into its
  // own subtree or renaming the root is bad_request.
  Result<FileEntry> rename(const ProjectPath& from, const ProjectPath& to, bool overwrite);

  // For the sync (open and uploader): what a path is without following it.
  // A regular file opened read-only through the guard, and its stat.
  Result<UniqueFd> open_file(const ProjectPath& path, struct stat* st) const;
  Result<std::string> link_target(const ProjectPath& path) const;
  // Moves a file downloaded elsewhere on the same file system (a staging
  // folder) into place: missing folders made, owner and mode set, durable.
  Status install(const ProjectPath& path, const std::string& staged_file, unsigned mode);
  // mkdir -p through the guard (owner uid 1000).
  Status make_dirs(const ProjectPath& path);
  Status make_parent_dirs(const ProjectPath& path);  // make_dirs of the folder `path` is in
  Status set_mode(const ProjectPath& path, unsigned mode);
  // conflict when something is there already.
  Status make_symlink(const ProjectPath& path, const std::string& target);

  // The uid:gid written files get (the container's user); tests may change it.
  void set_owner(int uid, int gid) { uid_ = uid, gid_ = gid; }

 private:
  explicit ProjectFiles(PathGuard guard) : guard_(std::move(guard)) {}
  Result<FileEntry> entry_at(int dir_fd, const std::string& name, const std::string& path,
                             bool with_version = true) const;
  std::string version_of(int fd, const struct stat& st) const;
  Status check_replaceable(int dir, const std::string& name, const ProjectPath& path,
                           const std::optional<std::string>& base_version, mode_t& mode) const;
  Result<ParentDir> parent_for_write(const ProjectPath& path, const std::optional<std::string>& base_version) const;
  Result<FileEntry> put_in_place(int file, int from_dir, const std::string& from_name, int dir,
                                 const std::string& name, const ProjectPath& path, mode_t mode) const;

  PathGuard guard_;
  int uid_ = 1000, gid_ = 1000;
  using StatKey = std::tuple<ino_t, off_t, std::int64_t, std::int64_t>;
  mutable std::mutex mu_;
  mutable std::map<StatKey, std::string> versions_;
};

}  // namespace berth::workspace
