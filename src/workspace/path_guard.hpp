#pragma once
// The path guard (DESIGN §5 "Paths", §8): every file operation of the editor
// names a client-supplied, project-relative path, and the mirror directory it
// resolves in is writable by the container, which can plant or swap symlinks
// at any moment. So nothing here trusts a check made before the syscall:
// paths are parsed as data, then opened relative to an fd of the root with
// the kernel refusing every symlink on the way (openat2 RESOLVE_NO_SYMLINKS,
// or an O_NOFOLLOW walk one component at a time).
//
// Symlinks are never followed, not even ones that stay inside the root: the
// walk could only follow them safely by re-implementing the kernel's
// resolution, and both modes must behave the same. They are still visible
// and removable as links: open_parent() + fstatat(AT_SYMLINK_NOFOLLOW),
// unlinkat, renameat2 act on the link itself, and lstat() below does that.
//
// All PathGuard calls block (syscalls on a possibly slow disk): run them on
// the WorkerPool, never on an I/O thread.
#include <sys/stat.h>
#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/unique_fd.hpp"

namespace berth::workspace {

// A parsed path: normalised components, none empty, ".", or "..". The root
// itself has none; callers refuse to delete or rename it.
class ProjectPath {
 public:
  ProjectPath() = default;  // the root
  const std::vector<std::string>& components() const { return parts_; }
  bool is_root() const { return parts_.empty(); }
  std::string str() const;  // "a/b", "" for the root
  bool operator==(const ProjectPath&) const = default;

 private:
  friend Result<ProjectPath> parse_project_path(std::string_view input);
  std::vector<std::string> parts_;
};

inline constexpr std::size_t kMaxComponentBytes = 255;  // NAME_MAX
inline constexpr std::size_t kMaxPathBytes = 4095;      // PATH_MAX less the NUL

// Pure. `/`-separated, UTF-8, relative to the root. "" "." "./" are the root;
// "." components are dropped and one trailing "/" is allowed ("a/" is "a",
// "./a" is "a"); any other empty component ("a//b", "a//"), a leading "/",
// a ".." component anywhere (even "a/.." which would stay inside), a NUL,
// invalid UTF-8, a component over 255 bytes or an input over 4095 bytes is
// invalid_path. Backslash, "...", "%2e%2e" are ordinary names. Control
// characters other than NUL are allowed, as Linux and git allow them (a
// repository may hold such names); escaping them for display is the
// client's business. No Unicode normalisation: NFC and NFD are two names.
Result<ProjectPath> parse_project_path(std::string_view input);

// The directory holding a path's last component, for the *at() calls that
// must not follow a symlink there: unlinkat, renameat2, mkdirat, symlinkat,
// fstatat(AT_SYMLINK_NOFOLLOW). `dir` is O_RDONLY (not O_PATH) so that it
// can also be fsync'ed after a rename or create.
struct ParentDir {
  UniqueFd dir;
  std::string name;
};

class PathGuard {
 public:
  enum class Resolve {
    automatic,  // openat2 when the kernel (and seccomp) allow it, else walk
    walk,       // always the component walk (tests run everything both ways)
  };

  // Opens the root O_PATH|O_DIRECTORY once; a failure is a start-up error
  // of the project. The root path itself is Berth's (under its data dir, not
  // writable by the container), so symlinks in it are followed.
  static Result<PathGuard> create(const std::string& root, Resolve resolve = Resolve::automatic);

  // open(2) of `path` beneath the root with `flags` (O_CLOEXEC and
  // O_NOFOLLOW are added; `mode` for O_CREAT). A symlink anywhere in the
  // path is invalid_path, except that O_PATH opens the last one as a link.
  // Reads should add O_NONBLOCK and check fstat: the container can plant a
  // FIFO, whose plain O_RDONLY open blocks a worker forever.
  Result<UniqueFd> open(const ProjectPath& path, int flags, mode_t mode = 0) const;

  // The parent of `path` (not the root: invalid_path) and the last name.
  Result<ParentDir> open_parent(const ProjectPath& path) const;

  // fstatat(AT_SYMLINK_NOFOLLOW): a symlink is reported as the link.
  Result<struct stat> lstat(const ProjectPath& path) const;

  bool uses_openat2() const { return openat2_; }

 private:
  PathGuard(UniqueFd root, bool openat2) : root_(std::move(root)), openat2_(openat2) {}
  int open_beneath(const std::vector<std::string>& parts, std::size_t count, int flags, mode_t mode) const;

  UniqueFd root_;
  bool openat2_;
};

}  // namespace berth::workspace
