#pragma once
// A zip archive written as a stream (DESIGN §5, GET …/archive): entries are
// added one after another and the bytes are taken out as they are made, so
// a project of any size is zipped in bounded memory. Files are deflated
// (zlib, raw) with their CRC and sizes in a data descriptor after the data,
// so nothing is known ahead or written twice; zip64 records are used where a
// size or offset needs them, or always when asked (tests). Names are UTF-8
// (flag bit 11), modes are Unix (version made by 3), times are UTC.
// Pure: no I/O.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace berth::archive {

class ZipWriter {
 public:
  struct Options {
    int level = 1;            // zlib level: 1 is fast and still halves source code
    bool force_zip64 = false;  // zip64 records for every entry and the end
  };
  explicit ZipWriter(Options options);
  ZipWriter() : ZipWriter(Options{}) {}
  ~ZipWriter();
  ZipWriter(const ZipWriter&) = delete;
  ZipWriter& operator=(const ZipWriter&) = delete;

  // `name` is the path inside the archive, "/"-separated, without a
  // trailing "/" (added for folders). `mtime` is seconds since the epoch.
  void add_directory(std::string_view name, std::int64_t mtime, unsigned mode);
  void add_symlink(std::string_view name, std::string_view target, std::int64_t mtime);
  // A file's bytes go in through write() between begin_file and end_file.
  // `size_hint` is what the caller expects to write: past 4 GiB (less a
  // margin) the entry is zip64 from its local header on. Writing more than
  // 4 GiB to an entry begun smaller is a logic error.
  void begin_file(std::string_view name, std::int64_t mtime, unsigned mode, std::uint64_t size_hint);
  void write(std::string_view bytes);
  void end_file();
  // The central directory and the end records. No entry may follow.
  void finish();

  // What was produced since the last take().
  std::string take();
  std::size_t pending_bytes() const { return out_.size(); }
  std::uint64_t entries() const { return central_.size(); }

 private:
  struct Central {
    std::string name;
    std::uint16_t method, flags, dos_time, dos_date;
    std::uint32_t crc, external;
    std::uint64_t compressed, size, offset;
    std::int64_t mtime;
    bool zip64;
  };
  struct Deflater;
  void local_header(const Central& c, bool descriptor);
  void stored_entry(Central c, std::string_view data);
  Central entry(std::string_view name, std::int64_t mtime, unsigned mode, std::uint16_t method, bool zip64) const;
  void check_open() const;

  Options options_;
  std::string out_;
  std::uint64_t written_ = 0;  // bytes of the archive before out_
  std::vector<Central> central_;
  std::unique_ptr<Deflater> deflater_;
  bool in_file_ = false, finished_ = false;
};

// The little-endian writers the zip records are made of; shared with the reader's tests.
void put_u16(std::string& out, std::uint16_t v);
void put_u32(std::string& out, std::uint32_t v);
void put_u64(std::string& out, std::uint64_t v);

}  // namespace berth::archive
