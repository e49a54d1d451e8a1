#include "workspace/project_files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>  // renameat2
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "core/atomic_file.hpp"
#include "core/digest.hpp"
#include "core/encoding.hpp"

namespace berth::workspace {

namespace {

constexpr std::size_t kMaxDepth = 256;
constexpr std::size_t kVersionCacheMax = 200'000;

std::string join(const std::string& dir, const std::string& name) { return dir.empty() ? name : dir + "/" + name; }

std::int64_t ms(const timespec& t) { return std::int64_t(t.tv_sec) * 1000 + t.tv_nsec / 1'000'000; }

const char* kind_of(mode_t m) { return S_ISDIR(m) ? "dir" : S_ISLNK(m) ? "symlink" : "file"; }

std::string temp_name() { return ".berth-" + hex_encode(random_bytes(8)) + ".tmp"; }

Error errno_error(int err, const std::string& path) {
  if (err == ENOENT || err == ENOTDIR) return make_error("not_found", "no such file or directory: " + path);
  if (err == ELOOP) return make_error("invalid_path", path + " leads through a symlink");
  if (err == EEXIST) return make_error("conflict", path + " exists already");
  if (err == EISDIR) return make_error("bad_request", path + " is a directory");
  if (err == ENOTEMPTY) return make_error("conflict", path + " is a directory that is not empty");
  return file_error(err, path);
}

// The names in an open directory, sorted (readdir order is the disk's).
Result<std::vector<std::string>> names_in(int dir_fd, const std::string& path) {
  int dup = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return errno_error(errno, path);
  DIR* d = ::fdopendir(dup);
  if (!d) {
    ::close(dup);
    return errno_error(errno, path);
  }
  ::rewinddir(d);
  std::vector<std::string> names;
  while (auto* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n == "." || n == ".." || is_temporary_name(n)) continue;
    names.emplace_back(n);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

Status fsync_fd(int fd, const std::string& what) {
  if (::fsync(fd) != 0) return file_error(errno, "fsync " + what);
  return Ok{};
}

// Removes `name` in `dir_fd` and everything below it, never following a
// symlink (each level is opened O_NOFOLLOW relative to its parent's fd).
Status remove_tree(int dir_fd, const std::string& name, const std::string& path, std::size_t depth) {
  if (depth > kMaxDepth) return make_error("bad_request", path + " is nested too deeply to delete");
  UniqueFd fd(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return errno_error(errno, path);
  // The container may add files meanwhile: a few passes, then give up.
  for (int pass = 0; pass < 3; ++pass) {
    auto names = names_in(fd.get(), path);
    if (!names) return names.error();
    for (auto& n : *names) {
      struct stat st {};
      if (::fstatat(fd.get(), n.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      if (S_ISDIR(st.st_mode)) {
        if (auto r = remove_tree(fd.get(), n, join(path, n), depth + 1); !r) return r;
      } else if (::unlinkat(fd.get(), n.c_str(), 0) != 0 && errno != ENOENT) {
        return errno_error(errno, join(path, n));
      }
    }
    if (::unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR) == 0) return Ok{};
    if (errno != ENOTEMPTY) return errno_error(errno, path);
  }
  return make_error("conflict", path + " keeps getting new files; try again");
}

}  // namespace

bool is_temporary_name(std::string_view name) { return name.starts_with(".berth-") && name.ends_with(".tmp"); }

Result<std::shared_ptr<ProjectFiles>> ProjectFiles::open(const std::string& root, PathGuard::Resolve resolve) {
  auto guard = PathGuard::create(root, resolve);
  if (!guard) return guard.error();
  return std::shared_ptr<ProjectFiles>(new ProjectFiles(std::move(*guard)));
}

std::string ProjectFiles::version_of(int fd, const struct stat& st) const {
  StatKey key{st.st_ino, st.st_size, ms(st.st_mtim) * 1'000'000 + st.st_mtim.tv_nsec % 1'000'000,
              ms(st.st_ctim) * 1'000'000 + st.st_ctim.tv_nsec % 1'000'000};
  {
    std::lock_guard lock(mu_);
    if (auto it = versions_.find(key); it != versions_.end()) return it->second;
  }
  Digest digest;
  std::string chunk(1 << 16, '\0');
  for (off_t at = 0;;) {
    ssize_t n = ::pread(fd, chunk.data(), chunk.size(), at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    digest.update(std::string_view(chunk.data(), std::size_t(n)));
    at += n;
  }
  auto v = digest.hex();
  std::lock_guard lock(mu_);
  if (versions_.size() >= kVersionCacheMax) versions_.clear();
  versions_[key] = v;
  return v;
}

Result<FileEntry> ProjectFiles::entry_at(int dir_fd, const std::string& name, const std::string& path,
                                         bool with_version) const {
  struct stat st {};
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return errno_error(errno, path);
  FileEntry e{path, name, kind_of(st.st_mode), S_ISREG(st.st_mode) ? std::uint64_t(st.st_size) : 0, ms(st.st_mtim), ""};
  if (S_ISREG(st.st_mode) && with_version) {
    // O_NONBLOCK: a FIFO swapped in meanwhile must not block the worker.
    UniqueFd fd(::openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    struct stat now {};
    if (fd && ::fstat(fd.get(), &now) == 0 && S_ISREG(now.st_mode)) {
      e.version = version_of(fd.get(), now);
      e.size = std::uint64_t(now.st_size);
    }
  }
  return e;
}

Result<std::vector<FileEntry>> ProjectFiles::list(const ProjectPath& dir, bool recursive, std::size_t max_entries,
                                                  const Skip& skip, bool with_versions) const {
  auto root = guard_.open(dir, O_RDONLY | O_DIRECTORY);
  if (!root) return root.error();
  std::vector<FileEntry> out;
  // Depth-first over (fd, path) pairs, every level opened O_NOFOLLOW.
  std::vector<std::pair<UniqueFd, std::string>> stack;
  stack.emplace_back(std::move(*root), dir.str());
  while (!stack.empty()) {
    auto [fd, path] = std::move(stack.back());
    stack.pop_back();
    auto names = names_in(fd.get(), path);
    if (!names) return names.error();
    for (auto& n : *names) {
      auto e = entry_at(fd.get(), n, join(path, n), with_versions);
      if (!e) continue;  // gone meanwhile
      if (skip && skip(e->path, e->kind == "dir")) continue;
      if (out.size() >= max_entries)
        return make_error("too_large", "more than " + std::to_string(max_entries) + " entries; list a folder instead");
      if (recursive && e->kind == "dir" && std::count(e->path.begin(), e->path.end(), '/') < long(kMaxDepth)) {
        UniqueFd sub(::openat(fd.get(), n.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (sub) stack.emplace_back(std::move(sub), e->path);
      }
      out.push_back(std::move(*e));
    }
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.path < b.path; });
  return out;
}

Result<FileEntry> ProjectFiles::stat(const ProjectPath& path, bool with_version) const {
  if (path.is_root()) {
    auto fd = guard_.open(path, O_RDONLY | O_DIRECTORY);
    if (!fd) return fd.error();
    struct stat st {};
    ::fstat(fd->get(), &st);
    return FileEntry{"", "", "dir", 0, ms(st.st_mtim), ""};
  }
  auto parent = guard_.open_parent(path);
  if (!parent) return parent.error();
  return entry_at(parent->dir.get(), parent->name, path.str(), with_version);
}

Result<FileContent> ProjectFiles::read(const ProjectPath& path, std::uint64_t max_bytes) const {
  auto fd = guard_.open(path, O_RDONLY | O_NONBLOCK);
  if (!fd) return fd.error();
  struct stat st {};
  if (::fstat(fd->get(), &st) != 0) return errno_error(errno, path.str());
  if (!S_ISREG(st.st_mode)) return make_error("bad_request", path.str() + " is not a file");
  if (std::uint64_t(st.st_size) > max_bytes)
    return make_error("too_large", path.str() + " is " + std::to_string(st.st_size) + " bytes, over the " +
                                       std::to_string(max_bytes) + " a read may return; download it over REST");
  FileContent out;
  out.bytes.resize(std::size_t(st.st_size));
  std::size_t done = 0;
  while (done < out.bytes.size()) {
    ssize_t n = ::pread(fd->get(), out.bytes.data() + done, out.bytes.size() - done, off_t(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // shrank meanwhile: what was there
    done += std::size_t(n);
  }
  out.bytes.resize(done);
  out.version = sha256_hex(out.bytes);
  return out;
}

// What write() and replace() check before they put a file at `name`: not a
// folder or something else, and at base_version when one is given. Sets
// `mode` to the mode the new file keeps (the old one's, else 0644).
Status ProjectFiles::check_replaceable(int dir, const std::string& name, const ProjectPath& path,
                                       const std::optional<std::string>& base_version, mode_t& mode) const {
  mode = 0644;
  struct stat st {};
  if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISDIR(st.st_mode)) return make_error("bad_request", path.str() + " is a directory");
    if (!S_ISREG(st.st_mode)) return make_error("bad_request", path.str() + " is not a regular file");
    mode = st.st_mode & 07777;
    if (base_version && *base_version != kAnyVersion) {
      UniqueFd cur(::openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
      struct stat now {};
      if (cur && ::fstat(cur.get(), &now) == 0 && version_of(cur.get(), now) != *base_version)
        return make_error("conflict", path.str() + " changed since version " + base_version->substr(0, 12) +
                                          ": read it again and merge");
    }
  } else if (base_version && !base_version->empty()) {
    return make_error("conflict", path.str() + " no longer exists");
  }
  return Ok{};
}

// The durable end of a write: owner and mode on the complete file, fsync,
// rename over the target, fsync of the folder.
Result<FileEntry> ProjectFiles::put_in_place(int file, int from_dir, const std::string& from_name, int dir,
                                             const std::string& name, const ProjectPath& path, mode_t mode) const {
  // Owner and mode first, on the fd: the file appears complete and right.
  if (::geteuid() == 0) (void)::fchown(file, uid_t(uid_), gid_t(gid_));
  ::fchmod(file, mode);
  if (auto s = fsync_fd(file, path.str()); !s) return s.error();
  if (::renameat(from_dir, from_name.c_str(), dir, name.c_str()) != 0) return errno_error(errno, path.str());
  if (auto s = fsync_fd(dir, "the folder of " + path.str()); !s) return s.error();
  return entry_at(dir, name, path.str());
}

// A write that names the version it started from expects the file there:
// its folder gone too is the same conflict as the file gone.
Result<ParentDir> ProjectFiles::parent_for_write(const ProjectPath& path,
                                                 const std::optional<std::string>& base_version) const {
  auto parent = guard_.open_parent(path);
  if (!parent && parent.error().code == "not_found" && base_version && !base_version->empty())
    return make_error("conflict", path.str() + " no longer exists");
  return parent;
}

Result<FileEntry> ProjectFiles::write(const ProjectPath& path, std::string_view bytes,
                                      const std::optional<std::string>& base_version) {
  if (path.is_root()) return make_error("bad_request", "the project root is a directory");
  auto parent = parent_for_write(path, base_version);
  if (!parent) return parent.error();
  int dir = parent->dir.get();
  const std::string& name = parent->name;
  mode_t mode;
  if (auto ok = check_replaceable(dir, name, path, base_version, mode); !ok) return ok.error();
  auto tmp = temp_name();
  UniqueFd out(::openat(dir, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!out) return errno_error(errno, path.str());
  auto fail = [&](Error e) -> Result<FileEntry> {
    ::unlinkat(dir, tmp.c_str(), 0);
    return e;
  };
  for (std::size_t done = 0; done < bytes.size();) {
    ssize_t n = ::write(out.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(errno_error(errno, path.str()));
    done += std::size_t(n);
  }
  auto placed = put_in_place(out.get(), dir, tmp, dir, name, path, mode);
  if (!placed) return fail(placed.error());
  return placed;
}

Result<FileEntry> ProjectFiles::replace(const ProjectPath& path, const std::string& staged_file,
                                        const std::optional<std::string>& base_version) {
  if (path.is_root()) return make_error("bad_request", "the project root is a directory");
  auto parent = parent_for_write(path, base_version);
  if (!parent) return parent.error();
  int dir = parent->dir.get();
  mode_t mode;
  if (auto ok = check_replaceable(dir, parent->name, path, base_version, mode); !ok) return ok.error();
  UniqueFd staged(::open(staged_file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!staged) return file_error(errno, staged_file);
  return put_in_place(staged.get(), AT_FDCWD, staged_file, dir, parent->name, path, mode);
}

Result<FileEntry> ProjectFiles::create(const ProjectPath& path, bool directory) {
  if (path.is_root()) return make_error("conflict", "the project root exists already");
  auto parent = guard_.open_parent(path);
  if (!parent) return parent.error();
  int dir = parent->dir.get();
  const std::string& name = parent->name;
  if (directory) {
    if (::mkdirat(dir, name.c_str(), 0755) != 0) return errno_error(errno, path.str());
  } else {
    UniqueFd f(::openat(dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!f) return errno_error(errno, path.str());
  }
  if (::geteuid() == 0) (void)::fchownat(dir, name.c_str(), uid_t(uid_), gid_t(gid_), AT_SYMLINK_NOFOLLOW);
  if (auto s = fsync_fd(dir, "the folder of " + path.str()); !s) return s.error();
  return entry_at(dir, name, path.str());
}

Status ProjectFiles::remove(const ProjectPath& path) {
  if (path.is_root()) return make_error("bad_request", "the project root cannot be deleted");
  auto parent = guard_.open_parent(path);
  if (!parent) return parent.error();
  int dir = parent->dir.get();
  struct stat st {};
  if (::fstatat(dir, parent->name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return errno_error(errno, path.str());
  if (S_ISDIR(st.st_mode)) {
    if (auto r = remove_tree(dir, parent->name, path.str(), 0); !r) return r;
  } else if (::unlinkat(dir, parent->name.c_str(), 0) != 0) {
    return errno_error(errno, path.str());
  }
  return fsync_fd(dir, "the folder of " + path.str());
}

Result<FileEntry> ProjectFiles::rename(const ProjectPath& from, const ProjectPath& to, bool overwrite) {
  if (from.is_root() || to.is_root()) return make_error("bad_request", "the project root cannot be renamed");
  if (from == to) return make_error("bad_request", "renaming " + from.str() + " onto itself");
  auto& a = from.components();
  auto& b = to.components();
  if (b.size() > a.size() && std::equal(a.begin(), a.end(), b.begin()))
    return make_error("bad_request", "cannot move " + from.str() + " into its own subtree");
  auto src = guard_.open_parent(from);
  if (!src) return src.error();
  auto dst = guard_.open_parent(to);
  if (!dst) return dst.error();
  unsigned flags = overwrite ? 0 : RENAME_NOREPLACE;
  if (::renameat2(src->dir.get(), src->name.c_str(), dst->dir.get(), dst->name.c_str(), flags) != 0) {
    int err = errno;
    if (err == EEXIST) return make_error("conflict", to.str() + " exists already (pass overwrite to replace it)");
    if (err == ENOENT) return make_error("not_found", "no such file or directory: " + from.str());
    return errno_error(err, to.str());
  }
  if (auto s = fsync_fd(dst->dir.get(), "the folder of " + to.str()); !s) return s.error();
  if (auto s = fsync_fd(src->dir.get(), "the folder of " + from.str()); !s) return s.error();
  return entry_at(dst->dir.get(), dst->name, to.str());
}

Result<UniqueFd> ProjectFiles::open_file(const ProjectPath& path, struct stat* st) const {
  auto fd = guard_.open(path, O_RDONLY | O_NONBLOCK);
  if (!fd) return fd.error();
  if (::fstat(fd->get(), st) != 0) return errno_error(errno, path.str());
  if (!S_ISREG(st->st_mode)) return make_error("bad_request", path.str() + " is not a file");
  return std::move(*fd);
}

Result<std::string> ProjectFiles::link_target(const ProjectPath& path) const {
  auto parent = guard_.open_parent(path);
  if (!parent) return parent.error();
  std::string target(4096, '\0');
  ssize_t n = ::readlinkat(parent->dir.get(), parent->name.c_str(), target.data(), target.size());
  if (n < 0) return errno_error(errno, path.str());
  target.resize(std::size_t(n));
  return target;
}

Status ProjectFiles::make_dirs(const ProjectPath& path) {
  std::string sofar;
  for (auto& part : path.components()) {
    sofar = join(sofar, part);
    auto p = parse_project_path(sofar);
    if (!p) return p.error();
    auto parent = guard_.open_parent(*p);
    if (!parent) return parent.error();
    if (::mkdirat(parent->dir.get(), part.c_str(), 0755) == 0) {
      if (::geteuid() == 0) (void)::fchownat(parent->dir.get(), part.c_str(), uid_t(uid_), gid_t(gid_), AT_SYMLINK_NOFOLLOW);
      if (auto s = fsync_fd(parent->dir.get(), "the folder of " + sofar); !s) return s;
    } else if (errno != EEXIST) {
      return errno_error(errno, sofar);
    }
  }
  return Ok{};
}

Status ProjectFiles::make_parent_dirs(const ProjectPath& path) {
  auto& parts = path.components();
  if (parts.size() < 2) return Ok{};
  std::string up;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) up = join(up, parts[i]);
  auto folder = parse_project_path(up);
  if (!folder) return folder.error();
  return make_dirs(*folder);
}

Status ProjectFiles::install(const ProjectPath& path, const std::string& staged_file, unsigned mode) {
  if (path.is_root()) return make_error("bad_request", "the project root is a directory");
  if (auto made = make_parent_dirs(path); !made) return made;
  auto parent = guard_.open_parent(path);
  if (!parent) return parent.error();
  int dir = parent->dir.get();
  UniqueFd staged(::open(staged_file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!staged) return file_error(errno, staged_file);
  if (::geteuid() == 0) (void)::fchown(staged.get(), uid_t(uid_), gid_t(gid_));
  ::fchmod(staged.get(), mode_t(mode & 0777));
  struct stat st {};
  // A folder or a link in the way is replaced only if it is not a folder.
  if (::fstatat(dir, parent->name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
    return make_error("conflict", path.str() + " is a folder in the mirror");
  if (::renameat(AT_FDCWD, staged_file.c_str(), dir, parent->name.c_str()) != 0) return errno_error(errno, path.str());
  return fsync_fd(dir, "the folder of " + path.str());
}

Status ProjectFiles::set_mode(const ProjectPath& path, unsigned mode) {
  auto fd = guard_.open(path, O_RDONLY | O_NONBLOCK);
  if (!fd) return fd.error();
  if (::fchmod(fd->get(), mode_t(mode & 0777)) != 0) return errno_error(errno, path.str());
  return Ok{};
}

Status ProjectFiles::make_symlink(const ProjectPath& path, const std::string& target) {
  auto parent = guard_.open_parent(path);
  if (!parent) return parent.error();
  if (::symlinkat(target.c_str(), parent->dir.get(), parent->name.c_str()) != 0) return errno_error(errno, path.str());
  if (::geteuid() == 0)
    (void)::fchownat(parent->dir.get(), parent->name.c_str(), uid_t(uid_), gid_t(gid_), AT_SYMLINK_NOFOLLOW);
  return fsync_fd(parent->dir.get(), "the folder of " + path.str());
}

}  // namespace berth::workspace
