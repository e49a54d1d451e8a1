#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "core/encoding.hpp"

namespace berth {

Error file_error(int err, const std::string& what) {
  if (err == ENOSPC || err == EDQUOT) return make_error("disk_full", what + ": the disk is full");
  if (err == ENOENT) return make_error("not_found", what + ": " + std::strerror(err));
  return make_error("internal", what + ": " + std::strerror(err));
}

Status fsync_directory(const std::string& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return file_error(errno, "open directory " + dir);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return file_error(err, "fsync directory " + dir);
  return Ok{};
}

Result<AtomicFile> AtomicFile::create(std::string target, unsigned mode) {
  AtomicFile f;
  auto slash = target.rfind('/');
  std::string dir = slash == std::string::npos ? "" : target.substr(0, slash + 1);
  std::string name = slash == std::string::npos ? target : target.substr(slash + 1);
  // Hidden and suffixed, so listings and watchers can tell it is not a file yet.
  f.temp_ = dir + "." + name.substr(0, 200) + "." + hex_encode(random_bytes(6)) + ".tmp";
  f.fd_ = ::open(f.temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (f.fd_ < 0) return file_error(errno, "create " + f.temp_);
  f.target_ = std::move(target);
  return f;
}

AtomicFile::AtomicFile(AtomicFile&& o) noexcept
    : target_(std::move(o.target_)), temp_(std::move(o.temp_)), fd_(std::exchange(o.fd_, -1)) {}

AtomicFile::~AtomicFile() { abort(); }

Status AtomicFile::write(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return file_error(errno, "write " + target_);
    bytes.remove_prefix(std::size_t(n));
  }
  return Ok{};
}

Status AtomicFile::commit() {
  if (::fsync(fd_) != 0) return file_error(errno, "fsync " + target_);
  ::close(std::exchange(fd_, -1));
  if (::rename(temp_.c_str(), target_.c_str()) != 0) {
    int err = errno;
    ::unlink(temp_.c_str());
    return file_error(err, "rename onto " + target_);
  }
  temp_.clear();
  auto slash = target_.rfind('/');
  return fsync_directory(slash == std::string::npos ? "." : target_.substr(0, slash));
}

void AtomicFile::abort() {
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  if (!temp_.empty()) ::unlink(temp_.c_str());
  temp_.clear();
}

}  // namespace berth
