#pragma once
// Reads a zip archive from a file (POST …/archive, an upload to unpack):
// the central directory first, checked whole against the limits before a
// single byte is inflated, then one entry at a time into a file descriptor.
// What it refuses, with `bad_request` or `too_large`: no end record, a
// directory that runs past the file, encrypted entries, methods other than
// stored and deflate, more entries or bigger declared sizes than the
// limits, data that inflates past its declared size (a zip bomb stops
// there) or fails its CRC. Names are returned as they are: the caller
// checks them as project paths (zip-slip).
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace berth::archive {

struct ZipEntry {
  std::string name;  // as stored, "/" separated; a folder's ends with "/"
  enum class Kind { file, directory, symlink } kind = Kind::file;
  unsigned mode = 0644;  // permission bits (Unix archives; 0644/0755 otherwise)
  std::int64_t mtime = 0;
  std::uint16_t method = 0;
  std::uint32_t crc = 0;
  std::uint64_t compressed_size = 0, size = 0, local_offset = 0;
};

struct ZipLimits {
  std::size_t max_entries = 10'000;
  std::uint64_t max_entry_size = 50ull << 20;   // declared uncompressed size of one file
  std::uint64_t max_total_size = 1ull << 30;    // the sum of them
};

class ZipReader {
 public:
  // `fd` stays the caller's; it is read with pread only.
  static Result<ZipReader> open(int fd, const ZipLimits& limits);
  const std::vector<ZipEntry>& entries() const { return entries_; }
  std::uint64_t total_size() const { return total_; }
  // Writes the entry's bytes to `out_fd` (a symlink's are its target).
  Status extract(const ZipEntry& entry, int out_fd) const;
  // A symlink's target (small: at most 4 KiB).
  Result<std::string> read_small(const ZipEntry& entry, std::size_t max_bytes) const;

 private:
  ZipReader(int fd, std::uint64_t file_size) : fd_(fd), file_size_(file_size) {}
  Result<std::uint64_t> data_offset(const ZipEntry& entry) const;
  template <class Sink>
  Status inflate_to(const ZipEntry& entry, Sink&& sink) const;

  int fd_;
  std::uint64_t file_size_;
  std::uint64_t total_ = 0;
  std::vector<ZipEntry> entries_;
};

}  // namespace berth::archive
