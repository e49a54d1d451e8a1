#pragma once
// Writes a ustar archive in memory: the build contexts and small root file
// systems Berth hands to the Docker Engine (which reads tar and nothing
// else). Pure, no I/O. Names up to 255 bytes (ustar prefix + name).
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace berth::docker {

struct TarOwner {
  int uid = 0, gid = 0;
};

class TarWriter {
 public:
  using Owner = TarOwner;
  Status add_directory(std::string_view path, int mode = 0755, Owner owner = {});
  Status add_file(std::string_view path, std::string_view content, int mode = 0644, Owner owner = {});
  Status add_symlink(std::string_view path, std::string_view target);
  // The archive with its two zero end blocks; the writer is empty afterwards.
  std::string finish();

 private:
  Status header(std::string_view path, char type, std::uint64_t size, int mode, Owner owner,
                std::string_view link = {});
  std::string out_;
};

}  // namespace berth::docker
