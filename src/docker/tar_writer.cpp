#include "docker/tar_writer.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace berth::docker {

namespace {
void octal(char* field, std::size_t width, std::uint64_t value) {
  // width includes the terminating NUL
  std::snprintf(field, width, "%0*llo", int(width - 1), static_cast<unsigned long long>(value));
}
}  // namespace

Status TarWriter::header(std::string_view path, char type, std::uint64_t size, int mode, Owner owner,
                         std::string_view link) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (path.empty()) return make_error("bad_request", "tar: empty path");
  if (link.size() > 100) return make_error("bad_request", "tar: link target longer than 100 bytes");
  char h[512];
  std::memset(h, 0, sizeof h);
  // Split long names at a '/' into prefix (155) and name (100).
  std::string_view name = path, prefix;
  if (path.size() > 100) {
    auto cut = path.rfind('/', 155);
    if (cut == std::string_view::npos || path.size() - cut - 1 > 100 || cut == 0)
      return make_error("bad_request", "tar: path too long for ustar: " + std::string(path));
    prefix = path.substr(0, cut);
    name = path.substr(cut + 1);
  }
  std::copy(name.begin(), name.end(), h);  // (memcpy from an empty view's null data() is UB)
  octal(h + 100, 8, std::uint64_t(mode & 07777));
  octal(h + 108, 8, std::uint64_t(owner.uid));
  octal(h + 116, 8, std::uint64_t(owner.gid));
  octal(h + 124, 12, size);
  octal(h + 136, 12, 0);  // mtime: fixed, so the same input gives the same bytes
  std::memset(h + 148, ' ', 8);
  h[156] = type;
  std::copy(link.begin(), link.end(), h + 157);
  std::memcpy(h + 257, "ustar", 6);
  std::memcpy(h + 263, "00", 2);
  std::copy(prefix.begin(), prefix.end(), h + 345);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  std::snprintf(h + 148, 8, "%06o", sum);
  h[155] = ' ';
  out_.append(h, sizeof h);
  return Ok{};
}

Status TarWriter::add_directory(std::string_view path, int mode, Owner owner) {
  std::string p(path);
  if (p.empty() || p.back() != '/') p += '/';
  return header(p, '5', 0, mode, owner);
}

Status TarWriter::add_file(std::string_view path, std::string_view content, int mode, Owner owner) {
  if (auto h = header(path, '0', content.size(), mode, owner); !h) return h;
  out_.append(content);
  out_.append((512 - content.size() % 512) % 512, '\0');
  return Ok{};
}

Status TarWriter::add_symlink(std::string_view path, std::string_view target) {
  return header(path, '2', 0, 0777, {}, target);
}

std::string TarWriter::finish() {
  out_.append(1024, '\0');
  return std::move(out_);
}

}  // namespace berth::docker
