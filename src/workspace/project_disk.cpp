#include "workspace/project_disk.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "core/atomic_file.hpp"
#include "core/log.hpp"
#include "core/run_program.hpp"
#include "core/unique_fd.hpp"

namespace fs = std::filesystem;

namespace berth::workspace {

namespace {

// One preparation at a time in this process; flock() on the project
// directory keeps other Berth processes out. Two mounts of one image at
// once would corrupt it.
std::mutex g_prepare_mu;

std::string mib(std::int64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

Status make_dir(const std::string& path, int uid, int gid, mode_t mode) {
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) return file_error(errno, "mkdir " + path);
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return make_error("internal", path + " is not a directory");
  if (uid < 0 || (int(st.st_uid) == uid && int(st.st_gid) == gid)) return Ok{};
  if (::lchown(path.c_str(), uid_t(uid), gid_t(gid)) != 0) {
    if (::geteuid() == 0)
      return make_error("internal",
                        "cannot hand " + path + " to uid " + std::to_string(uid) + ": " + std::strerror(errno));
    spdlog::warn("cannot hand {} to uid {} ({}): run Berth as root, or the container's user cannot write there", path,
                 uid, std::strerror(errno));
  }
  return Ok{};
}

// Allocated whole, so a full host disk shows at creation (disk_full), never
// later as I/O errors under a project's feet.
Status create_image(const std::string& image, std::int64_t quota) {
  const std::string temp = image + ".new";
  ::unlink(temp.c_str());
  UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd) return file_error(errno, "create " + temp);
  if (::fallocate(fd.get(), 0, 0, quota) != 0) {
    int err = errno;
    if (err != EOPNOTSUPP) {
      ::unlink(temp.c_str());
      if (err == ENOSPC)
        return make_error("disk_full", "the host's disk has no room for this project's " + mib(quota) +
                                           " disk (BERTH_PROJECT_QUOTA): free space, or lower the quota");
      return file_error(err, "allocate " + temp);
    }
    spdlog::warn("{}: this filesystem cannot reserve space, so the project disk is sparse and a full host disk "
                 "would reach the project as I/O errors",
                 temp);
    if (::ftruncate(fd.get(), quota) != 0) return file_error(errno, "size " + temp);
  }
  fd.reset();
  // nodiscard: mkfs would otherwise punch the allocation out again.
  auto made = run_program({"mkfs.ext4", "-q", "-F", "-m", "0", "-L", "berth-project", "-E",
                           "nodiscard,lazy_itable_init=1,lazy_journal_init=1", temp});
  if (!made || made->exit_code != 0) {
    ::unlink(temp.c_str());
    return make_error("internal", "cannot format the project disk (" + (made ? made->output : made.error().message) +
                                      "): install e2fsprogs, or set BERTH_PROJECT_QUOTA=off");
  }
  if (::rename(temp.c_str(), image.c_str()) != 0) return file_error(errno, "rename " + temp);
  return fsync_directory(fs::path(image).parent_path().string());
}

Status mount_image(const std::string& image, const std::string& disk) {
  auto mounted = run_program({"mount", "-t", "ext4", "-o", "loop,nosuid,nodev,noatime", image, disk});
  if (mounted && mounted->exit_code == 0) return Ok{};
  return make_error("internal", "cannot mount the project disk " + image + " (" +
                                    (mounted ? mounted->output : mounted.error().message) +
                                    "): Berth needs root and loop devices (/dev/loop-control; modprobe loop), or "
                                    "set BERTH_PROJECT_QUOTA=off to run without a disk bound per project");
}

// Files that lived outside an image (an older layout, or the quota was off)
// are copied onto the new disk, ownership, modes and links kept.
Status carry_in(const std::string& from, const std::string& disk, const std::string& image) {
  auto copied = run_program({"cp", "-a", "--", from + "/.", disk + "/"});
  if (copied && copied->exit_code == 0) {
    std::error_code ec;
    fs::remove_all(from, ec);
    return Ok{};
  }
  // Put everything back as it was: the files stay usable without the bound.
  ::umount2(disk.c_str(), 0);
  ::rmdir(disk.c_str());
  ::rename(from.c_str(), disk.c_str());
  ::unlink(image.c_str());
  return make_error("quota_exceeded", "the project's files do not fit in its disk (BERTH_PROJECT_QUOTA): " +
                                          (copied ? copied->output : copied.error().message));
}

bool is_empty_dir(const std::string& dir) {
  std::error_code ec;
  return fs::is_empty(dir, ec) || ec;
}

}  // namespace

bool is_mount_point(const std::string& dir) {
  struct stat self {}, parent {};
  if (::stat(dir.c_str(), &self) != 0 || ::stat((dir + "/..").c_str(), &parent) != 0) return false;
  return self.st_dev != parent.st_dev;
}

Status prepare_project_disk(const std::string& project_dir, std::int64_t quota, int uid, int gid) {
  std::lock_guard lock(g_prepare_mu);
  std::error_code ec;
  fs::create_directories(project_dir, ec);
  if (ec) return make_error(ec.value() == ENOSPC ? "disk_full" : "internal",
                            "cannot create the project directory " + project_dir + ": " + ec.message());
  UniqueFd held(::open(project_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!held || ::flock(held.get(), LOCK_EX) != 0) return file_error(errno, "lock " + project_dir);

  const std::string disk = project_dir + "/disk", image = project_dir + "/disk.img";
  const std::string older_files = project_dir + "/files";  // the layout before project disks
  if (auto made = make_dir(disk, -1, -1, 0755); !made) return made;
  bool mounted = is_mount_point(disk);
  if (!mounted && fs::exists(older_files, ec) && !fs::exists(disk + "/files", ec) &&
      ::rename(older_files.c_str(), (disk + "/files").c_str()) != 0)
    return file_error(errno, "move " + older_files);

  if (quota > 0 && !mounted) {
    const std::string unbounded = project_dir + "/disk.unbounded";
    bool carry = !is_empty_dir(disk);
    if (carry && (::rename(disk.c_str(), unbounded.c_str()) != 0 || ::mkdir(disk.c_str(), 0755) != 0))
      return file_error(errno, "set aside " + disk);
    if (!fs::exists(image, ec)) {
      spdlog::info("creating the {} disk of {}", mib(quota), project_dir);
      if (auto created = create_image(image, quota); !created) return created;
    }
    if (auto m = mount_image(image, disk); !m) return m;
    if (carry)
      if (auto carried = carry_in(unbounded, disk, image); !carried) return carried;
  } else if (quota == 0 && mounted) {
    spdlog::warn("{} is still mounted although BERTH_PROJECT_QUOTA=off: its old bound stays until it is unmounted",
                 disk);
  }
  if (auto made = make_dir(disk + "/files", uid, gid, 0755); !made) return made;
  return make_dir(disk + "/staging", -1, -1, 0700);
}

Status remove_project_disk(const std::string& project_dir) {
  std::lock_guard lock(g_prepare_mu);
  std::error_code ec;
  if (!fs::exists(project_dir, ec)) return Ok{};
  const std::string disk = project_dir + "/disk";
  if (is_mount_point(disk) && ::umount2(disk.c_str(), MNT_DETACH) != 0)
    return file_error(errno, "unmount " + disk);
  fs::remove_all(project_dir, ec);
  if (ec) return make_error("internal", "cannot remove " + project_dir + ": " + ec.message());
  return Ok{};
}

}  // namespace berth::workspace
