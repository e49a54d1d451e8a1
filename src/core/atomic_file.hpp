#pragma once
// A file that appears whole or not at all (DESIGN §6 durability): bytes go
// to a temporary file beside the target, and commit() fsyncs it, renames it
// over the target and fsyncs the directory, so after a crash the target
// holds the old content or the new, never a mix, and a committed file
// survives power loss. Destroyed uncommitted, the temporary file is removed.
//
// Blocking calls: use on a WorkerPool thread. write() is cheap enough for
// the I/O thread when it only fills the page cache (downloads do that).
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace berth {

class AtomicFile {
 public:
  AtomicFile() = default;
  ~AtomicFile();
  AtomicFile(AtomicFile&& o) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;
  AtomicFile(const AtomicFile&) = delete;

  // Creates the temporary file (mode 0644 & ~umask, or `mode`); the
  // directory must exist. disk_full when the disk is.
  static Result<AtomicFile> create(std::string target, unsigned mode = 0644);

  Status write(std::string_view bytes);
  Status commit();
  void abort();

  const std::string& target() const { return target_; }
  int fd() const { return fd_; }

 private:
  std::string target_, temp_;
  int fd_ = -1;
};

// fsync of a directory, so that a rename or unlink in it is durable.
Status fsync_directory(const std::string& dir);
// The catalogue error of a failed file call: disk_full for ENOSPC/EDQUOT.
Error file_error(int err, const std::string& what);

}  // namespace berth
