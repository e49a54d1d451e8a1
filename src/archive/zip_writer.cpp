#include "archive/zip_writer.hpp"

#include <zlib.h>

#include <ctime>
#include <stdexcept>

#include "archive/zip_format.hpp"

namespace berth::archive {

void put_u16(std::string& out, std::uint16_t v) {
  out.push_back(char(v & 0xFF));
  out.push_back(char(v >> 8));
}
void put_u32(std::string& out, std::uint32_t v) {
  put_u16(out, std::uint16_t(v & 0xFFFF));
  put_u16(out, std::uint16_t(v >> 16));
}
void put_u64(std::string& out, std::uint64_t v) {
  put_u32(out, std::uint32_t(v & 0xFFFFFFFF));
  put_u32(out, std::uint32_t(v >> 32));
}

namespace zip {
DosTime dos_time(std::int64_t unix_seconds) {
  std::time_t t = std::time_t(unix_seconds);
  std::tm tm{};
  if (unix_seconds < 315532800 || !::gmtime_r(&t, &tm) || tm.tm_year > 207) return {0, (0 << 9) | (1 << 5) | 1};
  return {std::uint16_t((tm.tm_hour << 11) | (tm.tm_min << 5) | (tm.tm_sec / 2)),
          std::uint16_t(((tm.tm_year - 80) << 9) | ((tm.tm_mon + 1) << 5) | tm.tm_mday)};
}
std::int64_t unix_time(DosTime d) {
  std::tm tm{};
  tm.tm_year = (d.date >> 9) + 80;
  tm.tm_mon = ((d.date >> 5) & 0xF) - 1;
  tm.tm_mday = d.date & 0x1F;
  tm.tm_hour = d.time >> 11;
  tm.tm_min = (d.time >> 5) & 0x3F;
  tm.tm_sec = (d.time & 0x1F) * 2;
  return std::int64_t(::timegm(&tm));
}
}  // namespace zip

namespace {
// Below this a file's local header carries 32-bit sizes: deflate can grow
// incompressible data a little, so the margin keeps the output under 4 GiB.
constexpr std::uint64_t kZip64Threshold = zip::kMax32 - (64ull << 20);
constexpr std::size_t kChunk = 64 << 10;
}  // namespace

struct ZipWriter::Deflater {
  z_stream z{};
  explicit Deflater(int level) {
    // Raw deflate (negative window bits): zip has its own framing and CRC.
    if (deflateInit2(&z, level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
      throw std::runtime_error("zlib: deflateInit2 failed");
  }
  ~Deflater() { deflateEnd(&z); }
  // Runs deflate over `in` (or flushes with Z_FINISH), appending to `out`;
  // returns the bytes appended.
  std::uint64_t run(std::string_view in, int flush, std::string& out) {
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = uInt(in.size());
    std::uint64_t made = 0;
    for (;;) {
      auto at = out.size();
      out.resize(at + kChunk);
      z.next_out = reinterpret_cast<Bytef*>(out.data() + at);
      z.avail_out = uInt(kChunk);
      int rc = deflate(&z, flush);
      auto produced = kChunk - z.avail_out;
      out.resize(at + produced);
      made += produced;
      if (rc == Z_STREAM_ERROR) throw std::runtime_error("zlib: deflate failed");
      if (flush == Z_FINISH ? rc == Z_STREAM_END : (z.avail_in == 0 && z.avail_out != 0)) break;
    }
    return made;
  }
};

ZipWriter::ZipWriter(Options options) : options_(options), deflater_(std::make_unique<Deflater>(options.level)) {}
ZipWriter::~ZipWriter() = default;

void ZipWriter::check_open() const {
  if (finished_ || in_file_) throw std::logic_error("ZipWriter: an entry was added out of order");
}

ZipWriter::Central ZipWriter::entry(std::string_view name, std::int64_t mtime, unsigned mode, std::uint16_t method,
                                    bool zip64) const {
  auto dos = zip::dos_time(mtime);
  Central c{std::string(name), method, zip::kFlagUtf8, dos.time, dos.date, 0, (std::uint32_t(mode) << 16),
            0, 0, written_ + out_.size(), mtime, zip64 || options_.force_zip64};
  if ((mode & zip::kUnixTypeMask) == zip::kUnixDir) c.external |= 0x10;  // MS-DOS directory bit
  return c;
}

void ZipWriter::local_header(const Central& c, bool descriptor) {
  put_u32(out_, zip::kLocalHeader);
  put_u16(out_, c.zip64 ? 45 : 20);
  put_u16(out_, std::uint16_t(c.flags | (descriptor ? zip::kFlagDescriptor : 0)));
  put_u16(out_, c.method);
  put_u16(out_, c.dos_time);
  put_u16(out_, c.dos_date);
  put_u32(out_, descriptor ? 0 : c.crc);
  put_u32(out_, c.zip64 ? zip::kMax32 : descriptor ? 0 : std::uint32_t(c.compressed));
  put_u32(out_, c.zip64 ? zip::kMax32 : descriptor ? 0 : std::uint32_t(c.size));
  put_u16(out_, std::uint16_t(c.name.size()));
  put_u16(out_, std::uint16_t((c.zip64 ? 20 : 0) + 9));
  out_ += c.name;
  if (c.zip64) {  // with a descriptor the sizes are there, 64-bit; here they are 0
    put_u16(out_, zip::kExtraZip64);
    put_u16(out_, 16);
    put_u64(out_, descriptor ? 0 : c.size);
    put_u64(out_, descriptor ? 0 : c.compressed);
  }
  put_u16(out_, zip::kExtraTimestamp);
  put_u16(out_, 5);
  out_.push_back(1);  // mtime present
  put_u32(out_, std::uint32_t(c.mtime));
}

void ZipWriter::stored_entry(Central c, std::string_view data) {
  c.crc = std::uint32_t(crc32(0, reinterpret_cast<const Bytef*>(data.data()), uInt(data.size())));
  c.size = c.compressed = data.size();
  local_header(c, false);
  out_ += data;
  central_.push_back(std::move(c));
}

void ZipWriter::add_directory(std::string_view name, std::int64_t mtime, unsigned mode) {
  check_open();
  stored_entry(entry(std::string(name) + "/", mtime, zip::kUnixDir | (mode & 07777), zip::kStored, false), {});
}

void ZipWriter::add_symlink(std::string_view name, std::string_view target, std::int64_t mtime) {
  check_open();
  stored_entry(entry(name, mtime, zip::kUnixSymlink | 0777, zip::kStored, false), target);
}

void ZipWriter::begin_file(std::string_view name, std::int64_t mtime, unsigned mode, std::uint64_t size_hint) {
  check_open();
  central_.push_back(entry(name, mtime, zip::kUnixFile | (mode & 07777), zip::kDeflated, size_hint >= kZip64Threshold));
  local_header(central_.back(), true);
  in_file_ = true;
}

void ZipWriter::write(std::string_view bytes) {
  if (!in_file_) throw std::logic_error("ZipWriter: write() outside a file");
  auto& c = central_.back();
  for (std::size_t at = 0; at < bytes.size(); at += kChunk) {  // zlib counts in uInt
    auto part = bytes.substr(at, kChunk);
    c.crc = std::uint32_t(crc32(c.crc, reinterpret_cast<const Bytef*>(part.data()), uInt(part.size())));
    c.size += part.size();
    c.compressed += deflater_->run(part, Z_NO_FLUSH, out_);
  }
  if (!c.zip64 && (c.size > zip::kMax32 - 1 || c.compressed > zip::kMax32 - 1))
    throw std::logic_error("ZipWriter: a file grew past 4 GiB without a size hint");
}

void ZipWriter::end_file() {
  if (!in_file_) throw std::logic_error("ZipWriter: end_file() outside a file");
  auto& c = central_.back();
  c.compressed += deflater_->run({}, Z_FINISH, out_);
  deflateReset(&deflater_->z);
  put_u32(out_, zip::kDataDescriptor);
  put_u32(out_, c.crc);
  if (c.zip64) {
    put_u64(out_, c.compressed);
    put_u64(out_, c.size);
  } else {
    put_u32(out_, std::uint32_t(c.compressed));
    put_u32(out_, std::uint32_t(c.size));
  }
  in_file_ = false;
}

void ZipWriter::finish() {
  check_open();
  std::uint64_t cd_offset = written_ + out_.size();
  for (const auto& c : central_) {
    put_u32(out_, zip::kCentralHeader);
    put_u16(out_, zip::kMadeByUnix);
    put_u16(out_, c.zip64 ? 45 : 20);
    put_u16(out_, std::uint16_t(c.flags | (c.method == zip::kDeflated ? zip::kFlagDescriptor : 0)));
    put_u16(out_, c.method);
    put_u16(out_, c.dos_time);
    put_u16(out_, c.dos_date);
    put_u32(out_, c.crc);
    bool big_offset = c.offset >= zip::kMax32;
    put_u32(out_, c.zip64 ? zip::kMax32 : std::uint32_t(c.compressed));
    put_u32(out_, c.zip64 ? zip::kMax32 : std::uint32_t(c.size));
    put_u16(out_, std::uint16_t(c.name.size()));
    bool zip64_extra = c.zip64 || big_offset;
    put_u16(out_, std::uint16_t((zip64_extra ? 4 + (c.zip64 ? 16 : 0) + 8 : 0) + 9));
    put_u16(out_, 0);  // comment
    put_u16(out_, 0);  // disk
    put_u16(out_, 0);  // internal attributes
    put_u32(out_, c.external);
    put_u32(out_, zip64_extra ? zip::kMax32 : std::uint32_t(c.offset));
    out_ += c.name;
    if (zip64_extra) {  // only the fields set to 0xFFFFFFFF above, in this order
      put_u16(out_, zip::kExtraZip64);
      put_u16(out_, std::uint16_t((c.zip64 ? 16 : 0) + 8));
      if (c.zip64) {
        put_u64(out_, c.size);
        put_u64(out_, c.compressed);
      }
      put_u64(out_, c.offset);
    }
    put_u16(out_, zip::kExtraTimestamp);
    put_u16(out_, 5);
    out_.push_back(1);
    put_u32(out_, std::uint32_t(c.mtime));
  }
  std::uint64_t cd_end = written_ + out_.size();
  std::uint64_t cd_size = cd_end - cd_offset, count = central_.size();
  bool zip64 = options_.force_zip64 || count >= zip::kMax16 || cd_size >= zip::kMax32 || cd_offset >= zip::kMax32;
  if (zip64) {
    put_u32(out_, zip::kZip64End);
    put_u64(out_, 44);  // the record's size after this field
    put_u16(out_, zip::kMadeByUnix);
    put_u16(out_, 45);
    put_u32(out_, 0);
    put_u32(out_, 0);
    put_u64(out_, count);
    put_u64(out_, count);
    put_u64(out_, cd_size);
    put_u64(out_, cd_offset);
    put_u32(out_, zip::kZip64Locator);
    put_u32(out_, 0);
    put_u64(out_, cd_end);  // where the zip64 end record starts
    put_u32(out_, 1);
  }
  put_u32(out_, zip::kEnd);
  put_u16(out_, 0);
  put_u16(out_, 0);
  put_u16(out_, zip64 ? zip::kMax16 : std::uint16_t(count));
  put_u16(out_, zip64 ? zip::kMax16 : std::uint16_t(count));
  put_u32(out_, zip64 ? zip::kMax32 : std::uint32_t(cd_size));
  put_u32(out_, zip64 ? zip::kMax32 : std::uint32_t(cd_offset));
  put_u16(out_, 0);
  finished_ = true;
}

std::string ZipWriter::take() {
  std::string piece;
  piece.swap(out_);
  written_ += piece.size();
  return piece;
}

}  // namespace berth::archive
