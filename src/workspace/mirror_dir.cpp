#include "workspace/mirror_dir.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/log.hpp"

namespace berth::workspace {

Status ensure_mirror_dir(const std::string& path, int uid, int gid) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return make_error("internal", "cannot create the project directory " + path + ": " + ec.message());
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return make_error("internal", path + " is not a directory");
  if (int(st.st_uid) == uid && int(st.st_gid) == gid) return Ok{};
  if (::lchown(path.c_str(), uid_t(uid), gid_t(gid)) != 0) {
    if (::geteuid() == 0)
      return make_error("internal",
                        "cannot hand " + path + " to uid " + std::to_string(uid) + ": " + std::strerror(errno));
    spdlog::warn("cannot hand {} to uid {} ({}): run Berth as root, or the container's user cannot write there", path,
                 uid, std::strerror(errno));
  }
  return Ok{};
}

}  // namespace berth::workspace
