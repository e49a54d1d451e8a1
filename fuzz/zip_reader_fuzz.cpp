// The zip reader on attacker-controlled archives (POST …/archive): it
// never crashes, never writes more of an entry than the entry declares,
// and never accepts a directory past its limits.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>

#include "archive/zip_reader.hpp"

using namespace berth::archive;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const int in = ::memfd_create("zip-in", MFD_CLOEXEC);
  static const int out = ::memfd_create("zip-out", MFD_CLOEXEC);
  if (::ftruncate(in, 0) != 0 || ::pwrite(in, data, size, 0) != ssize_t(size)) return 0;
  const ZipLimits limits{64, 1 << 20, 4 << 20};
  auto reader = ZipReader::open(in, limits);
  if (!reader) return 0;
  if (reader->entries().size() > limits.max_entries || reader->total_size() > limits.max_total_size) __builtin_trap();
  for (const auto& e : reader->entries()) {
    if (e.kind == ZipEntry::Kind::directory) continue;
    if (::ftruncate(out, 0) != 0 || ::lseek(out, 0, SEEK_SET) != 0) return 0;
    (void)reader->extract(e, out);
    if (std::uint64_t(::lseek(out, 0, SEEK_CUR)) > e.size + (64 << 10)) __builtin_trap();  // past its size by more than a piece
  }
  return 0;
}
