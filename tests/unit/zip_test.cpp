// The zip codec (src/archive) on its own: what the writer makes the reader
// reads back, zip64 included; what the reader must refuse, it refuses.
// tests/js/integration/archive_rest.test.mjs checks the writer against
// Python's zipfile and the routes end to end.
#include <sys/mman.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "archive/zip_reader.hpp"
#include "archive/zip_writer.hpp"
#include "core/unique_fd.hpp"
#include "workspace/project_archive.hpp"

using namespace berth;
using namespace berth::archive;

namespace {

UniqueFd file_with(const std::string& bytes) {
  UniqueFd fd(::memfd_create("zip-test", MFD_CLOEXEC));
  EXPECT_EQ(::write(fd.get(), bytes.data(), bytes.size()), ssize_t(bytes.size()));
  return fd;
}

std::string contents(int fd) {
  std::string out;
  char buf[4096];
  ::lseek(fd, 0, SEEK_SET);
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, std::size_t(n));
  return out;
}

std::string extract(const ZipReader& reader, const ZipEntry& e) {
  UniqueFd out(::memfd_create("zip-out", MFD_CLOEXEC));
  auto done = reader.extract(e, out.get());
  EXPECT_TRUE(done) << (done ? "" : done.error().message);
  return contents(out.get());
}

std::string sample_zip(bool zip64, const std::string& big) {
  ZipWriter zip(ZipWriter::Options{1, zip64});
  std::string out;
  zip.add_directory("src", 1700000000, 0755);
  zip.begin_file("src/main.py", 1700000000, 0755, 12);
  zip.write("print('hi')\n");
  zip.end_file();
  zip.begin_file("big.txt", 1700000002, 0644, big.size());
  for (std::size_t at = 0; at < big.size(); at += 100'000) {
    zip.write(std::string_view(big).substr(at, 100'000));
    out += zip.take();  // taken as it is made, as the download does
  }
  zip.end_file();
  zip.begin_file("empty", 1700000000, 0600, 0);
  zip.end_file();
  zip.add_symlink("link", "src/main.py", 1700000000);
  zip.finish();
  return out + zip.take();
}

std::string big_text() {
  std::string big;
  for (int i = 0; big.size() < 3'000'000; ++i) big += "line " + std::to_string(i) + " of a file that compresses\n";
  return big;
}

// The first central directory record in an archive.
std::size_t central_record(const std::string& zip) { return zip.find("PK\x01\x02"); }
void put32(std::string& zip, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) zip[at + i] = char((v >> (8 * i)) & 0xFF);
}

}  // namespace

TEST(Zip, WhatTheWriterMakesTheReaderReadsBack) {
  for (bool zip64 : {false, true}) {
    SCOPED_TRACE(zip64 ? "zip64" : "plain");
    auto big = big_text();
    auto bytes = sample_zip(zip64, big);
    EXPECT_LT(bytes.size(), big.size() / 4) << "deflated";
    EXPECT_EQ(bytes.find("PK\x06\x06") != std::string::npos, zip64) << "the zip64 end record only when asked";
    auto fd = file_with(bytes);
    auto reader = ZipReader::open(fd.get(), ZipLimits{});
    ASSERT_TRUE(reader) << reader.error().message;
    auto& e = reader->entries();
    ASSERT_EQ(e.size(), 5u);
    EXPECT_EQ(e[0].name, "src/");
    EXPECT_EQ(e[0].kind, ZipEntry::Kind::directory);
    EXPECT_EQ(e[1].name, "src/main.py");
    EXPECT_EQ(e[1].mode, 0755u);
    EXPECT_EQ(e[1].mtime, 1700000000);
    EXPECT_EQ(extract(*reader, e[1]), "print('hi')\n");
    EXPECT_EQ(e[2].size, big.size());
    EXPECT_EQ(e[2].mtime, 1700000002);
    EXPECT_EQ(extract(*reader, e[2]), big);
    EXPECT_EQ(extract(*reader, e[3]), "");
    EXPECT_EQ(e[3].mode, 0600u);
    EXPECT_EQ(e[4].kind, ZipEntry::Kind::symlink);
    EXPECT_EQ(*reader->read_small(e[4], 4096), "src/main.py");
  }
}

TEST(Zip, RefusesWhatIsNotAZip) {
  for (std::string junk : {std::string(), std::string("hello"), std::string(100'000, 'x')}) {
    auto fd = file_with(junk);
    auto r = ZipReader::open(fd.get(), ZipLimits{});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "bad_request");
  }
  auto bytes = sample_zip(false, "abc");
  auto cut = file_with(bytes.substr(0, bytes.size() / 2) + bytes.substr(bytes.size() - 22));  // end record kept
  EXPECT_FALSE(ZipReader::open(cut.get(), ZipLimits{}));
}

TEST(Zip, LimitsAreJudgedFromTheDirectoryBeforeInflating) {
  auto bytes = sample_zip(false, big_text());
  auto fd = file_with(bytes);
  auto few = ZipReader::open(fd.get(), ZipLimits{4, 50 << 20, 1 << 30});
  ASSERT_FALSE(few);
  EXPECT_EQ(few.error().code, "too_large");
  auto small_files = ZipReader::open(fd.get(), ZipLimits{100, 1'000'000, 1 << 30});
  ASSERT_FALSE(small_files);
  EXPECT_EQ(small_files.error().code, "too_large");
  EXPECT_NE(small_files.error().message.find("big.txt"), std::string::npos);
  auto small_total = ZipReader::open(fd.get(), ZipLimits{100, 50 << 20, 2'000'000});
  ASSERT_FALSE(small_total);
  EXPECT_EQ(small_total.error().code, "too_large");
}

TEST(Zip, AnEntryThatInflatesPastItsDeclaredSizeStopsThere) {
  // A bomb's trick: a small declared size over a large stream.
  auto bytes = sample_zip(false, big_text());
  auto at = central_record(bytes);
  at = bytes.find("PK\x01\x02", at + 1);  // the second record, src/main.py
  at = bytes.find("PK\x01\x02", at + 1);  // the third, big.txt
  put32(bytes, at + 24, 1000);            // uncompressed size
  auto fd = file_with(bytes);
  auto reader = ZipReader::open(fd.get(), ZipLimits{});
  ASSERT_TRUE(reader);
  auto& e = reader->entries()[2];
  EXPECT_EQ(e.size, 1000u);
  UniqueFd out(::memfd_create("bomb", MFD_CLOEXEC));
  auto done = reader->extract(e, out.get());
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code, "bad_request");
  EXPECT_NE(done.error().message.find("declared size"), std::string::npos);
  EXPECT_LE(contents(out.get()).size(), 1000u + (64 << 10)) << "it stopped at the first piece past the size";
}

TEST(Zip, ABadCrcOrEncryptionIsRefused) {
  auto bytes = sample_zip(false, "abc");
  auto at = central_record(bytes);
  at = bytes.find("PK\x01\x02", at + 1);  // src/main.py
  put32(bytes, at + 16, 0xDEADBEEF);
  auto fd = file_with(bytes);
  auto reader = ZipReader::open(fd.get(), ZipLimits{});
  ASSERT_TRUE(reader);
  UniqueFd out(::memfd_create("crc", MFD_CLOEXEC));
  auto done = reader->extract(reader->entries()[1], out.get());
  ASSERT_FALSE(done);
  EXPECT_NE(done.error().message.find("CRC"), std::string::npos);

  auto locked = sample_zip(false, "abc");
  locked[central_record(locked) + 8] |= 1;  // flags: encrypted
  auto fd2 = file_with(locked);
  auto refused = ZipReader::open(fd2.get(), ZipLimits{});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("encrypted"), std::string::npos);
}

TEST(Zip, AnUnpackPlanRefusesEveryNameThatLeavesTheFolder) {
  auto folder = workspace::parse_project_path("into");
  ASSERT_TRUE(folder);
  for (std::string evil : std::vector<std::string>{"../x", "/etc/passwd", "a/../../b", "ok\\..\\..\\x", "a//b", std::string("n\0ul", 4),
                           "bad\xff", std::string(300, 'n')}) {
    SCOPED_TRACE(evil);
    ZipWriter zip;
    zip.begin_file("fine.txt", 1700000000, 0644, 1);
    zip.write("1");
    zip.end_file();
    zip.begin_file(evil, 1700000000, 0644, 1);
    zip.write("2");
    zip.end_file();
    zip.finish();
    auto fd = file_with(zip.take());
    auto reader = ZipReader::open(fd.get(), ZipLimits{});
    ASSERT_TRUE(reader) << reader.error().message;
    auto plan = workspace::plan_unpack(*reader, *folder);
    ASSERT_FALSE(plan) << "planned " << plan->items.size();
    EXPECT_EQ(plan.error().code, "invalid_path");
  }
}

TEST(Zip, AnUnpackPlanPutsFoldersFirstAndSkipsLinksAndMacMetadata) {
  ZipWriter zip;
  zip.begin_file("a\\b.txt", 1700000000, 0644, 1);  // made on Windows
  zip.write("1");
  zip.end_file();
  zip.add_directory("d", 1700000000, 0755);
  zip.add_symlink("l", "/etc/passwd", 1700000000);
  zip.add_directory("__MACOSX", 1700000000, 0755);
  zip.begin_file("__MACOSX/._a", 1700000000, 0644, 1);
  zip.write("x");
  zip.end_file();
  zip.finish();
  auto fd = file_with(zip.take());
  auto reader = ZipReader::open(fd.get(), ZipLimits{});
  ASSERT_TRUE(reader);
  auto plan = workspace::plan_unpack(*reader, workspace::ProjectPath{});
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->items.size(), 2u);
  EXPECT_EQ(plan->items[0].path.str(), "d");
  EXPECT_EQ(plan->items[1].path.str(), "a/b.txt");
  ASSERT_EQ(plan->skipped.size(), 2u);
  EXPECT_EQ(plan->skipped[0].first, "l");
}
