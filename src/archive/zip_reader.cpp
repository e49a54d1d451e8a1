#include "archive/zip_reader.hpp"

#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <system_error>

#include "archive/zip_format.hpp"

namespace berth::archive {

namespace {

constexpr std::size_t kEndSize = 22, kLocatorSize = 20, kZip64EndSize = 56, kCentralSize = 46, kLocalSize = 30;
constexpr std::size_t kChunk = 64 << 10;

Error bad(const std::string& why) { return make_error("bad_request", "not a zip archive Berth can unpack: " + why); }

// Little-endian fields out of a byte range, bounds-checked: a short record
// reads as zeros and sets `short_read`, so one check after parsing is enough.
struct Cursor {
  std::string_view bytes;
  std::size_t at = 0;
  bool short_read = false;
  std::uint64_t take(std::size_t n) {
    if (at + n > bytes.size()) {
      short_read = true;
      at = bytes.size();
      return 0;
    }
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v |= std::uint64_t(std::uint8_t(bytes[at + i])) << (8 * i);
    at += n;
    return v;
  }
  std::uint16_t u16() { return std::uint16_t(take(2)); }
  std::uint32_t u32() { return std::uint32_t(take(4)); }
  std::uint64_t u64() { return take(8); }
  std::string_view raw(std::size_t n) {
    if (at + n > bytes.size()) {
      short_read = true;
      at = bytes.size();
      return {};
    }
    auto v = bytes.substr(at, n);
    at += n;
    return v;
  }
};

Result<std::string> read_at(int fd, std::uint64_t offset, std::size_t n) {
  std::string buf(n, '\0');
  std::size_t got = 0;
  while (got < n) {
    ssize_t r = ::pread(fd, buf.data() + got, n - got, off_t(offset + got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return make_error("internal", std::string("cannot read the archive: ") + std::strerror(errno));
    if (r == 0) return bad("it ends early");
    got += std::size_t(r);
  }
  return buf;
}

Status write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == ENOSPC || errno == EDQUOT)) return make_error("disk_full", "no space left while unpacking");
    if (n < 0) return make_error("internal", std::string("cannot write an unpacked file: ") + std::strerror(errno));
    bytes.remove_prefix(std::size_t(n));
  }
  return Ok{};
}

// One central directory record; `rest` is left after it.
Result<ZipEntry> parse_central(Cursor& c) {
  if (c.u32() != zip::kCentralHeader) return bad("a central directory record is damaged");
  auto made_by = c.u16();
  c.u16();  // version needed
  auto flags = c.u16();
  ZipEntry e;
  e.method = c.u16();
  zip::DosTime dos{c.u16(), c.u16()};
  e.crc = c.u32();
  std::uint64_t compressed = c.u32(), size = c.u32();
  auto name_len = c.u16(), extra_len = c.u16(), comment_len = c.u16();
  std::uint16_t disk = c.u16();
  c.u16();  // internal attributes
  auto external = c.u32();
  std::uint64_t offset = c.u32();
  e.name = std::string(c.raw(name_len));
  auto extra = c.raw(extra_len);
  c.raw(comment_len);
  if (c.short_read) return bad("the central directory is cut short");
  if (flags & zip::kFlagEncrypted) return bad(e.name + " is encrypted");
  if (e.method != zip::kStored && e.method != zip::kDeflated)
    return bad(e.name + " uses compression method " + std::to_string(e.method) + "; only stored and deflate are supported");
  e.mtime = zip::unix_time(dos);
  // Extra fields: zip64 sizes (only those set to 0xFFFFFFFF above, in this
  // order) and the Unix mtime.
  Cursor x{extra};
  while (x.at + 4 <= extra.size()) {
    auto id = x.u16();
    auto len = x.u16();
    Cursor field{x.raw(len)};
    if (x.short_read) break;
    if (id == zip::kExtraZip64) {
      if (size == zip::kMax32) size = field.u64();
      if (compressed == zip::kMax32) compressed = field.u64();
      if (offset == zip::kMax32) offset = field.u64();
      if (disk == zip::kMax16) disk = std::uint16_t(field.u32());
      if (field.short_read) return bad(e.name + " has a damaged zip64 record");
    } else if (id == zip::kExtraTimestamp && len >= 5 && (field.take(1) & 1)) {
      e.mtime = std::int32_t(field.u32());
    }
  }
  if (disk != 0) return bad("archives split over several disks are not supported");
  e.size = size;
  e.compressed_size = compressed;
  e.local_offset = offset;
  unsigned unix_mode = (made_by >> 8) == 3 ? (external >> 16) : 0;
  bool dir = e.name.ends_with("/") || (external & 0x10);
  if ((unix_mode & zip::kUnixTypeMask) == zip::kUnixSymlink) e.kind = ZipEntry::Kind::symlink;
  else if (dir) e.kind = ZipEntry::Kind::directory;
  e.mode = (unix_mode & 0777) ? (unix_mode & 0777) : dir ? 0755 : 0644;
  return e;
}

}  // namespace

Result<ZipReader> ZipReader::open(int fd, const ZipLimits& limits) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return make_error("internal", std::string("cannot stat the archive: ") + std::strerror(errno));
  auto file_size = std::uint64_t(st.st_size);
  if (file_size < kEndSize) return bad("it is too short");
  // The end record sits in the last 22 bytes plus a comment of up to 64 KiB.
  std::size_t tail_len = std::size_t(std::min<std::uint64_t>(file_size, kEndSize + zip::kMax16));
  auto tail = read_at(fd, file_size - tail_len, tail_len);
  if (!tail) return tail.error();
  std::size_t end_at = std::string::npos;
  for (std::size_t i = tail_len - kEndSize + 1; i-- > 0;) {
    Cursor c{std::string_view(*tail).substr(i)};
    if (c.u32() != zip::kEnd) continue;
    c.at = 20;
    if (i + kEndSize + c.u16() == tail_len) {
      end_at = i;
      break;
    }
  }
  if (end_at == std::string::npos) return bad("no end of central directory record (is it a zip file?)");
  Cursor end{std::string_view(*tail).substr(end_at)};
  end.u32();
  std::uint64_t disk = end.u16(), cd_disk = end.u16();
  end.u16();
  std::uint64_t count = end.u16(), cd_size = end.u32(), cd_offset = end.u32();
  std::uint64_t end_offset = file_size - tail_len + end_at;
  if (count == zip::kMax16 || cd_size == zip::kMax32 || cd_offset == zip::kMax32) {
    if (end_offset < kLocatorSize) return bad("the zip64 locator is missing");
    auto loc = read_at(fd, end_offset - kLocatorSize, kLocatorSize);
    if (!loc) return loc.error();
    Cursor l{*loc};
    if (l.u32() != zip::kZip64Locator) return bad("the zip64 locator is missing");
    l.u32();
    auto z64_at = l.u64();
    if (z64_at + kZip64EndSize > end_offset) return bad("the zip64 end record is out of place");
    auto rec = read_at(fd, z64_at, kZip64EndSize);
    if (!rec) return rec.error();
    Cursor z{*rec};
    if (z.u32() != zip::kZip64End) return bad("the zip64 end record is damaged");
    z.u64();
    z.u16();
    z.u16();
    disk = z.u32();
    cd_disk = z.u32();
    z.u64();
    count = z.u64();
    cd_size = z.u64();
    cd_offset = z.u64();
    end_offset = z64_at;
  }
  if (disk != 0 || cd_disk != 0) return bad("archives split over several disks are not supported");
  if (count > limits.max_entries)
    return make_error("too_large", "the archive holds " + std::to_string(count) + " entries; at most " +
                                       std::to_string(limits.max_entries) + " are unpacked at once");
  if (cd_offset > end_offset || cd_size > end_offset - cd_offset) return bad("the central directory runs past the file");
  if (cd_size < count * kCentralSize) return bad("the central directory is shorter than its entries");
  auto cd = read_at(fd, cd_offset, std::size_t(cd_size));
  if (!cd) return cd.error();
  ZipReader reader(fd, file_size);
  Cursor c{*cd};
  for (std::uint64_t i = 0; i < count; ++i) {
    auto e = parse_central(c);
    if (!e) return e.error();
    if (e->local_offset >= cd_offset) return bad(e->name + " starts past the file data");
    if (e->kind != ZipEntry::Kind::directory) {
      if (e->size > limits.max_entry_size)
        return make_error("too_large", e->name + " unpacks to " + std::to_string(e->size) + " bytes; the limit is " +
                                           std::to_string(limits.max_entry_size) + " (BERTH_MAX_FILE_SIZE)");
      reader.total_ += e->size;
      if (reader.total_ > limits.max_total_size)
        return make_error("too_large", "the archive unpacks to more than " + std::to_string(limits.max_total_size) +
                                           " bytes, more than the project has room for");
    }
    reader.entries_.push_back(std::move(*e));
  }
  return reader;
}

Result<std::uint64_t> ZipReader::data_offset(const ZipEntry& e) const {
  auto head = read_at(fd_, e.local_offset, kLocalSize);
  if (!head) return head.error();
  Cursor c{*head};
  if (c.u32() != zip::kLocalHeader) return bad(e.name + ": its local header is damaged");
  c.at = 26;
  std::uint64_t at = e.local_offset + kLocalSize + c.u16();
  at += c.u16();
  if (at > file_size_ || e.compressed_size > file_size_ - at) return bad(e.name + " runs past the end of the file");
  return at;
}

template <class Sink>
Status ZipReader::inflate_to(const ZipEntry& e, Sink&& sink) const {
  auto start = data_offset(e);
  if (!start) return start.error();
  z_stream z{};
  bool deflated = e.method == zip::kDeflated;
  if (deflated && inflateInit2(&z, -MAX_WBITS) != Z_OK) return make_error("internal", "zlib: inflateInit2 failed");
  struct End {
    z_stream* z;
    bool on;
    ~End() {
      if (on) inflateEnd(z);
    }
  } end{&z, deflated};
  std::uint32_t crc = 0;
  std::uint64_t out_total = 0, read = 0;
  std::string out(kChunk, '\0');
  bool stream_end = !deflated;
  auto emit = [&](std::string_view bytes) -> Status {
    out_total += bytes.size();
    if (out_total > e.size) return bad(e.name + " inflates past its declared size (" + std::to_string(e.size) + " bytes)");
    crc = std::uint32_t(crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()), uInt(bytes.size())));
    return sink(bytes);
  };
  while (read < e.compressed_size) {
    auto in = read_at(fd_, *start + read, std::size_t(std::min<std::uint64_t>(kChunk, e.compressed_size - read)));
    if (!in) return in.error();
    read += in->size();
    if (!deflated) {
      if (auto s = emit(*in); !s) return s;
      continue;
    }
    z.next_in = reinterpret_cast<Bytef*>(in->data());
    z.avail_in = uInt(in->size());
    while (z.avail_in > 0 && !stream_end) {
      z.next_out = reinterpret_cast<Bytef*>(out.data());
      z.avail_out = uInt(out.size());
      int rc = inflate(&z, Z_NO_FLUSH);
      if (rc != Z_OK && rc != Z_STREAM_END) return bad(e.name + ": its compressed data is damaged");
      if (auto s = emit(std::string_view(out.data(), out.size() - z.avail_out)); !s) return s;
      stream_end = rc == Z_STREAM_END;
    }
    if (stream_end) break;
  }
  if (!stream_end) return bad(e.name + ": its compressed data ends early");
  if (out_total != e.size) return bad(e.name + " is shorter than its declared size");
  if (crc != e.crc) return bad(e.name + " fails its CRC check");
  return Ok{};
}

Status ZipReader::extract(const ZipEntry& entry, int out_fd) const {
  return inflate_to(entry, [out_fd](std::string_view bytes) { return write_all(out_fd, bytes); });
}

Result<std::string> ZipReader::read_small(const ZipEntry& entry, std::size_t max_bytes) const {
  if (entry.size > max_bytes) return bad(entry.name + " is too long for a link");
  std::string bytes;
  auto done = inflate_to(entry, [&bytes](std::string_view b) -> Status {
    bytes += b;
    return Ok{};
  });
  if (!done) return done.error();
  return bytes;
}

}  // namespace berth::archive
