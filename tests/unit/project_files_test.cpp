// ProjectFiles: the editor's file operations on a real directory, through
// the path guard: versions, conflicts, atomic writes that keep the mode,
// recursive deletes that never follow a symlink out.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/encoding.hpp"
#include "workspace/project_files.hpp"

namespace berth::workspace {
namespace {

namespace fs = std::filesystem;

ProjectPath P(std::string_view s) { return *parse_project_path(s); }

class ProjectFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("berth-files-" + hex_encode(random_bytes(6)));
    fs::create_directories(base_ / "root");
    fs::create_directories(base_ / "outside");
    std::ofstream(base_ / "outside" / "secret") << "secret";
    auto f = ProjectFiles::open((base_ / "root").string());
    ASSERT_TRUE(f) << f.error().message;
    files_ = *f;
    files_->set_owner(int(::getuid()), int(::getgid()));
  }
  void TearDown() override { fs::remove_all(base_); }
  std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), {});
  }
  fs::path base_;
  std::shared_ptr<ProjectFiles> files_;
};

TEST_F(ProjectFilesTest, WriteReadAndVersionsFollowTheContent) {
  auto w = files_->write(P("src/main.py"), "print(1)\n", std::nullopt);
  ASSERT_FALSE(w) << "the folder does not exist yet";
  ASSERT_TRUE(files_->create(P("src"), true));
  w = files_->write(P("src/main.py"), "print(1)\n", std::nullopt);
  ASSERT_TRUE(w) << w.error().message;
  EXPECT_EQ(w->version, sha256_hex("print(1)\n"));
  EXPECT_EQ(w->kind, "file");
  EXPECT_EQ(w->size, 9u);
  auto r = files_->read(P("src/main.py"), 1 << 20);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->bytes, "print(1)\n");
  EXPECT_EQ(r->version, w->version);
  EXPECT_EQ(files_->read(P("src/main.py"), 3).error().code, "too_large");
  EXPECT_EQ(files_->read(P("src"), 100).error().code, "bad_request");
  EXPECT_EQ(files_->read(P("nope"), 100).error().code, "not_found");
}

TEST_F(ProjectFilesTest, AStaleBaseVersionIsAConflict) {
  auto v1 = files_->write(P("a.txt"), "one", std::nullopt);
  ASSERT_TRUE(v1);
  auto v2 = files_->write(P("a.txt"), "two", v1->version);
  ASSERT_TRUE(v2) << v2.error().message;
  auto stale = files_->write(P("a.txt"), "three", v1->version);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, "conflict");
  EXPECT_EQ(files_->read(P("a.txt"), 100)->bytes, "two");
  EXPECT_EQ(files_->write(P("gone.txt"), "x", std::string("abc")).error().code, "conflict");
}

TEST_F(ProjectFilesTest, AWriteKeepsTheModeAndLeavesNoTemporaryFile) {
  ASSERT_TRUE(files_->write(P("run.sh"), "#!/bin/sh\n", std::nullopt));
  ::chmod((base_ / "root" / "run.sh").c_str(), 0755);
  ASSERT_TRUE(files_->write(P("run.sh"), "#!/bin/sh\necho hi\n", std::nullopt));
  struct stat st {};
  ASSERT_EQ(::stat((base_ / "root" / "run.sh").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);
  std::size_t n = 0;
  for ([[maybe_unused]] auto& e : fs::directory_iterator(base_ / "root")) ++n;
  EXPECT_EQ(n, 1u);
}

TEST_F(ProjectFilesTest, ListIsSortedRecursiveAndShowsSymlinksAsLinks) {
  ASSERT_TRUE(files_->create(P("b"), true));
  ASSERT_TRUE(files_->write(P("b/x.txt"), "x", std::nullopt));
  ASSERT_TRUE(files_->write(P("a.txt"), "a", std::nullopt));
  fs::create_directory_symlink(base_ / "outside", base_ / "root" / "link");
  auto top = files_->list(P(""), false);
  ASSERT_TRUE(top);
  ASSERT_EQ(top->size(), 3u);
  EXPECT_EQ(top->at(0).path, "a.txt");
  EXPECT_EQ(top->at(1).path, "b");
  EXPECT_EQ(top->at(1).kind, "dir");
  EXPECT_EQ(top->at(2).kind, "symlink");
  auto all = files_->list(P(""), true);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 4u);  // not into the symlinked folder
  for (auto& e : *all) EXPECT_EQ(e.path.find("secret"), std::string::npos);
  EXPECT_EQ(files_->list(P("link"), false).error().code, "invalid_path");
}

TEST_F(ProjectFilesTest, DeleteIsRecursiveAndNeverFollowsALinkOut) {
  ASSERT_TRUE(files_->create(P("d"), true));
  ASSERT_TRUE(files_->create(P("d/e"), true));
  ASSERT_TRUE(files_->write(P("d/e/f"), "f", std::nullopt));
  fs::create_directory_symlink(base_ / "outside", base_ / "root" / "d" / "out");
  ASSERT_TRUE(files_->remove(P("d")));
  EXPECT_FALSE(fs::exists(base_ / "root" / "d"));
  EXPECT_EQ(slurp(base_ / "outside" / "secret"), "secret");
  EXPECT_EQ(files_->remove(P("")).error().code, "bad_request");
  EXPECT_EQ(files_->remove(P("d")).error().code, "not_found");
}

TEST_F(ProjectFilesTest, RenameRefusesTheSubtreeAndExistingTargets) {
  ASSERT_TRUE(files_->create(P("a"), true));
  ASSERT_TRUE(files_->write(P("a/f"), "f", std::nullopt));
  ASSERT_TRUE(files_->write(P("g"), "g", std::nullopt));
  EXPECT_EQ(files_->rename(P("a"), P("a/inner"), false).error().code, "bad_request");
  EXPECT_EQ(files_->rename(P("a"), P("a"), false).error().code, "bad_request");
  EXPECT_EQ(files_->rename(P("g"), P("a/f"), false).error().code, "conflict");
  auto over = files_->rename(P("g"), P("a/f"), true);
  ASSERT_TRUE(over) << over.error().message;
  EXPECT_EQ(files_->read(P("a/f"), 10)->bytes, "g");
  auto moved = files_->rename(P("a"), P("b"), false);
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->kind, "dir");
  EXPECT_TRUE(fs::exists(base_ / "root" / "b" / "f"));
  EXPECT_EQ(files_->rename(P("nope"), P("x"), false).error().code, "not_found");
}

TEST_F(ProjectFilesTest, CreateRefusesWhatExists) {
  ASSERT_TRUE(files_->create(P("x"), false));
  EXPECT_EQ(files_->create(P("x"), false).error().code, "conflict");
  EXPECT_EQ(files_->create(P("x"), true).error().code, "conflict");
  EXPECT_EQ(files_->write(P("x/y"), "z", std::nullopt).error().code, "invalid_path");
}

}  // namespace
}  // namespace berth::workspace
