#include "workspace/path_guard.hpp"

#include <fcntl.h>
#include <linux/openat2.h>  // struct open_how, RESOLVE_*; glibc 2.36 has no openat2()
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "core/atomic_file.hpp"  // file_error
#include "core/encoding.hpp"

namespace berth::workspace {

namespace {

// NO_SYMLINKS is the guard; BENEATH and NO_MAGICLINKS stay as a second line
// should a later change ever allow symlinks again.
constexpr unsigned long long kResolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;

long sys_openat2(int dirfd, const char* path, int flags, mode_t mode) {
  open_how how{};
  how.flags = static_cast<unsigned>(flags);
  // openat2 refuses a mode without O_CREAT/O_TMPFILE (openat ignores it).
  bool creates = (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
  how.mode = creates ? mode : 0;
  how.resolve = kResolve;
  return syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

int openat_retry(int dirfd, const char* name, int flags, mode_t mode = 0) {
  int fd;
  do fd = ::openat(dirfd, name, flags, mode);
  while (fd < 0 && errno == EINTR);  // a FIFO's open can be interrupted
  return fd;
}

Error path_error(int err, const ProjectPath& path, const char* op) {
  std::string what = path.is_root() ? std::string("the project root") : "'" + path.str() + "'";
  switch (err) {
    case ELOOP:
      return make_error("invalid_path",
                        what + " goes through a symbolic link; links inside a project are not followed");
    case ENOTDIR:
      return make_error("invalid_path",
                        what + ": a component is not a directory (or is a symbolic link, not followed)");
    case EXDEV:
      return make_error("invalid_path", what + " resolves outside the project");
    case ENAMETOOLONG:
      return make_error("invalid_path", what + " is too long");
    case EEXIST:
      return make_error("conflict", what + " already exists");
    case EISDIR:
      return make_error("bad_request", what + " is a directory");
    default:
      return file_error(err, std::string(op) + " " + what);
  }
}

}  // namespace

std::string ProjectPath::str() const {
  std::string out;
  for (const auto& part : parts_) {
    if (!out.empty()) out += '/';
    out += part;
  }
  return out;
}

Result<ProjectPath> parse_project_path(std::string_view in) {
  auto bad = [](const char* why) { return make_error("invalid_path", std::string("the path ") + why); };
  // NUL first: it would cut the path short at the syscall.
  if (in.find('\0') != std::string_view::npos) return bad("contains a NUL byte");
  if (in.size() > kMaxPathBytes) return bad("is longer than 4095 bytes");
  if (!is_valid_utf8(in)) return bad("is not valid UTF-8");
  if (!in.empty() && in.front() == '/') return bad("must be relative to the project root (no leading /)");
  if (!in.empty() && in.back() == '/') in.remove_suffix(1);  // "dir/" as editors send it
  ProjectPath p;
  if (in.empty()) return p;
  for (std::size_t start = 0;;) {
    std::size_t end = in.find('/', start);
    std::string_view part = in.substr(start, end == std::string_view::npos ? end : end - start);
    if (part.empty()) return bad("has an empty component (//)");
    // Refused even where it would stay inside ("a/.."): nothing to get right.
    if (part == "..") return bad("must not contain ..");
    if (part.size() > kMaxComponentBytes) return bad("has a component longer than 255 bytes");
    if (part != ".") p.parts_.emplace_back(part);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return p;
}

Result<PathGuard> PathGuard::create(const std::string& root, Resolve resolve) {
  UniqueFd root_fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd) return file_error(errno, "open project root " + root);
  bool openat2 = false;
  if (resolve == Resolve::automatic) {
    // ENOSYS before Linux 5.6; EPERM (or ENOSYS) from a seccomp filter
    // that predates it. Either way: walk.
    UniqueFd probe(int(sys_openat2(root_fd.get(), ".", O_PATH | O_DIRECTORY | O_CLOEXEC, 0)));
    openat2 = bool(probe);
  }
  return PathGuard(std::move(root_fd), openat2);
}

// The first `count` components of `parts`; an fd, or -errno.
int PathGuard::open_beneath(const std::vector<std::string>& parts, std::size_t count, int flags, mode_t mode) const {
  // O_NOFOLLOW in both modes so the last component behaves the same: ELOOP
  // for a link (ENOTDIR with O_DIRECTORY), the link itself with O_PATH.
  flags |= O_CLOEXEC | O_NOFOLLOW;
  if (openat2_) {
    std::string joined = count == 0 ? std::string(".") : std::string();
    for (std::size_t i = 0; i < count; ++i) joined += (i ? "/" : "") + parts[i];
    for (;;) {
      long fd = sys_openat2(root_.get(), joined.c_str(), flags, mode);
      if (fd >= 0) return int(fd);
      if (errno == EINTR) continue;
      // EAGAIN: the kernel could not prove a lookup safe during a concurrent
      // rename (only possible with "..", but the walk answers it anyway);
      // EPERM may be seccomp, or a real EPERM that the walk reports again.
      if (errno != ENOSYS && errno != EPERM && errno != EAGAIN) return -errno;
      break;
    }
  }
  // Each step is relative to the directory fd held from the step before and
  // refuses a symlink, so swapping a directory for a link between two steps
  // only makes the next step fail. (Moving a held directory out of the root
  // is impossible from the container: the root is its bind mount.)
  UniqueFd held;
  int dir = root_.get();
  for (std::size_t i = 0; i + 1 < count; ++i) {
    int fd = openat_retry(dir, parts[i].c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      int err = errno;
      struct stat st;
      // A link here gives ENOTDIR; report it as openat2 does, so both modes agree.
      if (err == ENOTDIR && ::fstatat(dir, parts[i].c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
        err = ELOOP;
      return -err;
    }
    held.reset(fd);
    dir = fd;
  }
  int fd = openat_retry(dir, count == 0 ? "." : parts[count - 1].c_str(), flags, mode);
  return fd >= 0 ? fd : -errno;
}

Result<UniqueFd> PathGuard::open(const ProjectPath& path, int flags, mode_t mode) const {
  int fd = open_beneath(path.components(), path.components().size(), flags, mode);
  if (fd < 0) return path_error(-fd, path, "open");
  return UniqueFd(fd);
}

Result<ParentDir> PathGuard::open_parent(const ProjectPath& path) const {
  if (path.is_root()) return make_error("invalid_path", "the project root has no parent");
  const auto& parts = path.components();
  int fd = open_beneath(parts, parts.size() - 1, O_RDONLY | O_DIRECTORY, 0);
  if (fd < 0) return path_error(-fd, path, "open the directory of");
  return ParentDir{UniqueFd(fd), parts.back()};
}

Result<struct stat> PathGuard::lstat(const ProjectPath& path) const {
  struct stat st {};
  if (path.is_root()) {
    if (::fstat(root_.get(), &st) != 0) return path_error(errno, path, "stat");
    return st;
  }
  auto parent = open_parent(path);
  if (!parent) return parent.error();
  if (::fstatat(parent->dir.get(), parent->name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    return path_error(errno, path, "stat");
  return st;
}

}  // namespace berth::workspace
