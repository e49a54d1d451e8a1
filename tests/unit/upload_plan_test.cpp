// plan_uploads: a real mirror directory (through ProjectFiles) against a
// real SyncJournal's synced view. New and changed files upload, unchanged
// ones do not, vanished ones delete, renames (of files and folders) become
// moves, folders and symlinks go to the manifest, ignored paths never leave,
// a chmod is a mode change. manifest_of: what the synced view implies.
#include "workspace/upload_plan.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "core/encoding.hpp"

namespace berth::workspace {
namespace {

namespace fs = std::filesystem;
using Paths = std::vector<std::string>;

class UploadPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("berth-plan-" + hex_encode(random_bytes(6)));
    fs::create_directories(base_ / "root");
    auto f = ProjectFiles::open((base_ / "root").string());
    ASSERT_TRUE(f) << f.error().message;
    files_ = *f;
    files_->set_owner(int(::getuid()), int(::getgid()));
    auto j = SyncJournal::open((base_ / "sync" / "journal.db").string());
    ASSERT_TRUE(j) << j.error().message;
    journal_ = std::move(*j);
  }
  void TearDown() override {
    journal_.reset();
    fs::remove_all(base_);
  }

  fs::path at(const std::string& path) { return base_ / "root" / path; }
  // What a container or the editor leaves in the mirror.
  void put(const std::string& path, const std::string& content, unsigned mode = 0644) {
    fs::create_directories(at(path).parent_path());
    std::ofstream(at(path), std::ios::binary | std::ios::trunc) << content;
    ASSERT_EQ(::chmod(at(path).c_str(), mode), 0);
  }
  // What an earlier round (or an open) stored.
  void synced_file(const std::string& path, const std::string& content, unsigned mode = 0644) {
    ASSERT_TRUE(journal_->set_synced(kProject, path,
                                     SyncedEntry{"file", "etag:" + path, sha256_hex(content), content.size(), mode, ""}));
  }
  void synced_meta(const std::string& path, const std::string& kind, const std::string& target = "") {
    ASSERT_TRUE(journal_->set_synced(kProject, path, SyncedEntry{kind, "", "", 0, 0755, target}));
  }
  UploadPlan plan(const Paths& dirty) {
    std::vector<DirtyPath> rows;
    std::int64_t id = 0;
    for (auto& p : dirty) rows.push_back({p, ++id});
    auto r = plan_uploads(*files_, *journal_, kProject, rows, ignore_rules_of(*files_));
    EXPECT_TRUE(r) << r.error().code << ": " << r.error().message;
    return r ? *r : UploadPlan{};
  }
  static Paths upload_paths(const UploadPlan& p) {
    Paths out;
    for (auto& u : p.uploads) out.push_back(u.path);
    std::sort(out.begin(), out.end());
    return out;
  }
  static Paths meta_paths(const UploadPlan& p) {
    Paths out;
    for (auto& [path, e] : p.set_meta) out.push_back(path);
    std::sort(out.begin(), out.end());
    return out;
  }
  static Paths sorted(Paths v) {
    std::sort(v.begin(), v.end());
    return v;
  }
  static bool nothing_to_do(const UploadPlan& p) {
    return p.uploads.empty() && p.deletes.empty() && p.set_meta.empty() && p.forget_meta.empty() &&
           !p.manifest_changed();
  }

  static constexpr const char* kProject = "p";
  fs::path base_;
  std::shared_ptr<ProjectFiles> files_;
  std::unique_ptr<SyncJournal> journal_;
};

// ---- files -----------------------------------------------------------------

TEST_F(UploadPlanTest, ANewFileIsOneUploadWithItsHash) {
  put("a.txt", "hello");
  auto p = plan({"a.txt"});
  ASSERT_EQ(p.uploads.size(), 1u);
  auto& up = p.uploads[0];
  EXPECT_EQ(up.path, "a.txt");
  EXPECT_EQ(up.sha256, sha256_hex("hello"));
  EXPECT_EQ(up.size, 5u);
  EXPECT_EQ(up.mode, 0644u);
  EXPECT_TRUE(up.move_from.empty());
  EXPECT_TRUE(p.deletes.empty());
  EXPECT_TRUE(p.set_meta.empty());
  EXPECT_TRUE(p.forget_meta.empty());
  EXPECT_FALSE(p.manifest_changed()) << "a plain 0644 file needs no manifest entry";
}

TEST_F(UploadPlanTest, ASyncedFileWithTheSameHashAndModeIsNothingToDo) {
  put("a.txt", "hello");
  synced_file("a.txt", "hello");
  EXPECT_TRUE(nothing_to_do(plan({"a.txt"})));
  EXPECT_TRUE(nothing_to_do(plan({""}))) << "nor when the whole project is dirty";
}

TEST_F(UploadPlanTest, AChangedFileUploadsAgain) {
  put("a.txt", "hello, world");
  synced_file("a.txt", "hello");
  auto p = plan({"a.txt"});
  ASSERT_EQ(p.uploads.size(), 1u);
  EXPECT_EQ(p.uploads[0].sha256, sha256_hex("hello, world"));
  EXPECT_EQ(p.uploads[0].size, 12u);
  EXPECT_TRUE(p.uploads[0].move_from.empty());
  EXPECT_TRUE(p.deletes.empty());
  EXPECT_FALSE(p.mode_changed);
}

TEST_F(UploadPlanTest, ADeletedSyncedFileIsADelete) {
  synced_file("gone.txt", "bye");
  synced_file("kept.txt", "stay");
  put("kept.txt", "stay");
  auto p = plan({"gone.txt"});
  EXPECT_TRUE(p.uploads.empty());
  EXPECT_EQ(p.deletes, (Paths{"gone.txt"}));
  EXPECT_FALSE(p.manifest_changed());

  // A file that never reached storage and is gone again: nothing.
  EXPECT_TRUE(nothing_to_do(plan({"never.txt"})));
}

TEST_F(UploadPlanTest, DeletingAnExecutableChangesTheManifest) {
  synced_file("run.sh", "#!/bin/sh\n", 0755);
  auto p = plan({"run.sh"});
  EXPECT_EQ(p.deletes, (Paths{"run.sh"}));
  EXPECT_TRUE(p.mode_changed) << "its mode entry must leave the manifest";
}

TEST_F(UploadPlanTest, ADeletedFolderDeletesEverythingBelowIt) {
  synced_file("d/a", "a");
  synced_file("d/sub/b", "b");
  synced_file("d-other", "c");  // a lookalike next to it stays
  put("d-other", "c");
  synced_meta("d/empty", "dir");
  auto p = plan({"d"});
  EXPECT_EQ(sorted(p.deletes), (Paths{"d/a", "d/sub/b"}));
  EXPECT_EQ(p.forget_meta, (Paths{"d/empty"}));
  EXPECT_TRUE(p.uploads.empty());
}

TEST_F(UploadPlanTest, ARenamedFileIsAMoveNotAnUploadAndADelete) {
  synced_file("old.txt", "same content");
  put("new.txt", "same content");
  for (const Paths& dirty : {Paths{"old.txt", "new.txt"}, Paths{"new.txt", "old.txt"}}) {
    SCOPED_TRACE(dirty[0]);
    auto p = plan(dirty);
    ASSERT_EQ(p.uploads.size(), 1u);
    EXPECT_EQ(p.uploads[0].path, "new.txt");
    EXPECT_EQ(p.uploads[0].move_from, "old.txt");
    EXPECT_EQ(p.uploads[0].move_etag, "etag:old.txt");
    EXPECT_EQ(p.uploads[0].sha256, sha256_hex("same content"));
    EXPECT_TRUE(p.deletes.empty()) << "the move takes the old object away";
  }
}

TEST_F(UploadPlanTest, ARenameThatAlsoChangedTheContentIsAnUploadAndADelete) {
  synced_file("old.txt", "before");
  put("new.txt", "after");
  auto p = plan({"old.txt", "new.txt"});
  ASSERT_EQ(p.uploads.size(), 1u);
  EXPECT_EQ(p.uploads[0].path, "new.txt");
  EXPECT_TRUE(p.uploads[0].move_from.empty());
  EXPECT_EQ(p.deletes, (Paths{"old.txt"}));
}

TEST_F(UploadPlanTest, ARenamedFolderMovesAllItsFiles) {
  synced_file("src/a.py", "a");
  synced_file("src/b.py", "b");
  synced_file("src/lib/c.py", "c");
  synced_file("src/lib/deep/d.py", "d");
  put("app/a.py", "a");
  put("app/b.py", "b");
  put("app/lib/c.py", "c");
  put("app/lib/deep/d.py", "d");
  auto p = plan({"src", "app"});
  EXPECT_TRUE(p.deletes.empty());
  std::map<std::string, std::string> moves;
  for (auto& u : p.uploads) moves[u.path] = u.move_from;
  EXPECT_EQ(moves, (std::map<std::string, std::string>{{"app/a.py", "src/a.py"},
                                                       {"app/b.py", "src/b.py"},
                                                       {"app/lib/c.py", "src/lib/c.py"},
                                                       {"app/lib/deep/d.py", "src/lib/deep/d.py"}}));
  for (auto& u : p.uploads) EXPECT_EQ(u.move_etag, "etag:" + u.move_from);
}

TEST_F(UploadPlanTest, ARenamedFolderWithIdenticalFilesMovesEachSourceOnce) {
  synced_file("d/one", "same");
  synced_file("d/two", "same");
  put("e/one", "same");
  put("e/two", "same");
  auto p = plan({"d", "e"});
  ASSERT_EQ(p.uploads.size(), 2u);
  std::set<std::string> sources;
  for (auto& u : p.uploads) sources.insert(u.move_from);
  EXPECT_EQ(sources, (std::set<std::string>{"d/one", "d/two"}));
  EXPECT_TRUE(p.deletes.empty());
}

TEST_F(UploadPlanTest, AFileGoneFromADirtyFolderIsDeleted) {
  synced_file("d/a", "a");
  synced_file("d/b", "b");
  synced_meta("d", "dir");
  put("d/a", "a");
  auto p = plan({"d"});
  EXPECT_EQ(p.deletes, (Paths{"d/b"}));
  EXPECT_TRUE(p.uploads.empty());
  EXPECT_TRUE(p.set_meta.empty()) << "d is still the folder it was";
}

TEST_F(UploadPlanTest, APathUnderTwoDirtyEntriesIsPlannedOnce) {
  put("d/a", "a");
  auto p = plan({"d", "d/a", ""});
  EXPECT_EQ(upload_paths(p), (Paths{"d/a"}));
  synced_file("d/gone", "g");
  p = plan({"d/gone", "d", ""});
  EXPECT_EQ(p.deletes, (Paths{"d/gone"}));
}

TEST_F(UploadPlanTest, AFileReplacedByAFolder) {
  synced_file("x", "was a file");
  put("x/y", "y");
  auto p = plan({"x"});
  EXPECT_EQ(p.deletes, (Paths{"x"}));
  EXPECT_EQ(upload_paths(p), (Paths{"x/y"}));
  ASSERT_EQ(p.set_meta.size(), 1u);
  EXPECT_EQ(p.set_meta[0].first, "x");
  EXPECT_EQ(p.set_meta[0].second.kind, "dir");
}

TEST_F(UploadPlanTest, AFolderReplacedByAFile) {
  synced_meta("x", "dir");
  put("x", "now a file");
  auto p = plan({"x"});
  EXPECT_EQ(upload_paths(p), (Paths{"x"}));
  EXPECT_EQ(p.forget_meta, (Paths{"x"}));
  EXPECT_TRUE(p.manifest_changed());
}

TEST_F(UploadPlanTest, AFileBelowAVanishedFolderIsDeleted) {
  synced_file("d/x", "x");
  auto p = plan({"d/x"});
  EXPECT_EQ(p.deletes, (Paths{"d/x"}));
}

// Known bug (upload_plan.cpp, mirror_at): when a parent of a dirty path is
// now a file or a symlink, ProjectFiles::stat answers invalid_path (ENOTDIR /
// ELOOP through the guard), not not_found, and plan_uploads fails the whole
// batch; the uploader retries the same oldest batch forever. The path is
// simply gone from the tree and its objects should be deleted. Enable once
// mirror_at treats invalid_path like not_found.
TEST_F(UploadPlanTest, AFileBelowAFolderThatBecameAFileOrALinkIsDeleted) {
  synced_file("d/x", "x");
  put("d", "now a file");
  auto p = plan({"d/x"});
  EXPECT_EQ(p.deletes, (Paths{"d/x"}));

  synced_file("e/y", "y");
  put("elsewhere/y", "y");
  fs::create_directory_symlink("elsewhere", at("e"));
  p = plan({"e/y"});
  EXPECT_EQ(p.deletes, (Paths{"e/y"}));
}

// ---- folders and symlinks ----------------------------------------------------

TEST_F(UploadPlanTest, AnEmptyFolderIsManifestMetadata) {
  fs::create_directories(at("empty"));
  auto p = plan({"empty"});
  EXPECT_TRUE(p.uploads.empty());
  ASSERT_EQ(p.set_meta.size(), 1u);
  EXPECT_EQ(p.set_meta[0].first, "empty");
  EXPECT_EQ(p.set_meta[0].second.kind, "dir");
  EXPECT_TRUE(p.manifest_changed());

  synced_meta("empty", "dir");
  EXPECT_TRUE(nothing_to_do(plan({"empty"}))) << "already in the manifest";

  fs::remove(at("empty"));
  p = plan({"empty"});
  EXPECT_EQ(p.forget_meta, (Paths{"empty"}));
  EXPECT_TRUE(p.deletes.empty()) << "a folder is no object";
  EXPECT_TRUE(p.manifest_changed());
}

TEST_F(UploadPlanTest, ASymlinkIsManifestMetadataWithItsTarget) {
  put("target.txt", "t");
  synced_file("target.txt", "t");
  fs::create_symlink("target.txt", at("link"));
  auto p = plan({"link"});
  EXPECT_TRUE(p.uploads.empty());
  ASSERT_EQ(p.set_meta.size(), 1u);
  EXPECT_EQ(p.set_meta[0].first, "link");
  EXPECT_EQ(p.set_meta[0].second.kind, "symlink");
  EXPECT_EQ(p.set_meta[0].second.target, "target.txt");

  synced_meta("link", "symlink", "target.txt");
  EXPECT_TRUE(nothing_to_do(plan({"link"})));

  fs::remove(at("link"));
  fs::create_symlink("elsewhere.txt", at("link"));
  p = plan({"link"});
  ASSERT_EQ(p.set_meta.size(), 1u);
  EXPECT_EQ(p.set_meta[0].second.target, "elsewhere.txt");
}

TEST_F(UploadPlanTest, ASymlinkedFolderIsNotWalked) {
  put("real/inside.txt", "i");
  synced_file("real/inside.txt", "i");
  fs::create_directory_symlink("real", at("alias"));
  auto p = plan({"alias", ""});
  EXPECT_EQ(meta_paths(p), (Paths{"alias", "real"}));
  EXPECT_TRUE(p.uploads.empty()) << "nothing below the link is uploaded twice";
}

// ---- ignored paths -------------------------------------------------------------

TEST_F(UploadPlanTest, IgnoredPathsAreNeverPlanned) {
  put("node_modules/left-pad/index.js", "module.exports = 1");
  put("web/node_modules/x/y.js", "y");
  put("__pycache__/m.pyc", "pyc");
  put("src/app.js", "app");
  fs::create_directories(at("target/debug"));
  for (const Paths& dirty : {Paths{"node_modules/left-pad/index.js"}, Paths{"node_modules"},
                             Paths{"node_modules/left-pad"}, Paths{"web/node_modules/x/y.js"}, Paths{"target"},
                             Paths{"target/debug"}, Paths{"__pycache__"}}) {
    SCOPED_TRACE(dirty[0]);
    EXPECT_TRUE(nothing_to_do(plan(dirty)));
  }
  auto p = plan({""});
  EXPECT_EQ(upload_paths(p), (Paths{"src/app.js"}));
  EXPECT_EQ(meta_paths(p), (Paths{"src", "web"}));
  EXPECT_TRUE(p.deletes.empty());
}

TEST_F(UploadPlanTest, TheMirrorsBerthignoreAddsRules) {
  put(".berthignore", "# local stuff\r\n*.log\r\n!keep.log\r\n/build\r\n");
  put("x.log", "l");
  put("keep.log", "k");
  put("build/out.o", "o");
  put("src/build/ok.c", "c");
  auto p = plan({""});
  EXPECT_EQ(upload_paths(p), (Paths{".berthignore", "keep.log", "src/build/ok.c"}));
  EXPECT_TRUE(nothing_to_do(plan({"x.log"})));
  EXPECT_TRUE(nothing_to_do(plan({"build"})));
}

// ---- modes ---------------------------------------------------------------------

TEST_F(UploadPlanTest, AChmodPlusXIsAnUploadWithTheNewMode) {
  put("run.sh", "#!/bin/sh\necho hi\n");
  synced_file("run.sh", "#!/bin/sh\necho hi\n");
  ASSERT_TRUE(nothing_to_do(plan({"run.sh"})));
  ASSERT_EQ(::chmod(at("run.sh").c_str(), 0755), 0);
  auto p = plan({"run.sh"});
  ASSERT_EQ(p.uploads.size(), 1u);
  EXPECT_EQ(p.uploads[0].path, "run.sh");
  EXPECT_EQ(p.uploads[0].mode, 0755u);
  EXPECT_EQ(p.uploads[0].sha256, sha256_hex("#!/bin/sh\necho hi\n"));
  EXPECT_TRUE(p.mode_changed);
  EXPECT_TRUE(p.manifest_changed());

  // And back.
  synced_file("run.sh", "#!/bin/sh\necho hi\n", 0755);
  EXPECT_TRUE(nothing_to_do(plan({"run.sh"})));
  ASSERT_EQ(::chmod(at("run.sh").c_str(), 0644), 0);
  p = plan({"run.sh"});
  ASSERT_EQ(p.uploads.size(), 1u);
  EXPECT_EQ(p.uploads[0].mode, 0644u);
  EXPECT_TRUE(p.mode_changed);
}

TEST_F(UploadPlanTest, ANewExecutableChangesTheManifest) {
  put("tool", "bin", 0755);
  put("plain", "txt", 0644);
  auto p = plan({"tool"});
  ASSERT_EQ(p.uploads.size(), 1u);
  EXPECT_EQ(p.uploads[0].mode, 0755u);
  EXPECT_TRUE(p.mode_changed);
  EXPECT_FALSE(plan({"plain"}).mode_changed);
}

// ---- manifest_of -----------------------------------------------------------------

SyncedEntry file_entry(unsigned mode = 0644) { return SyncedEntry{"file", "e", "h", 1, mode, ""}; }
SyncedEntry dir_entry() { return SyncedEntry{"dir", "", "", 0, 0755, ""}; }
SyncedEntry link_entry(std::string target) { return SyncedEntry{"symlink", "", "", 0, 0777, std::move(target)}; }

TEST(ManifestOf, NothingSyncedIsAnEmptyManifest) {
  EXPECT_TRUE(manifest_of({}).empty());
  EXPECT_TRUE(manifest_of({{"a", file_entry()}, {"b/c", file_entry()}}).empty());
}

TEST(ManifestOf, AFolderIsEmptyOnlyWhenNothingIsBelowIt) {
  // "a-b" and "a.b" sort between "a" and "a/x": they are not below "a".
  auto m = manifest_of({{"a", dir_entry()}, {"a-b", dir_entry()}, {"a.b", file_entry()}, {"a/x", file_entry()}});
  EXPECT_EQ(m.empty_directories, (Paths{"a-b"}));

  m = manifest_of({{"a", dir_entry()}, {"a-b", file_entry()}, {"a.b", file_entry()}, {"a0", file_entry()},
                   {"ab", file_entry()}});
  EXPECT_EQ(m.empty_directories, (Paths{"a"})) << "siblings that share a's name as a prefix are not its children";

  m = manifest_of({{"a", dir_entry()}, {"a/b", dir_entry()}, {"a/b/c", dir_entry()}});
  EXPECT_EQ(m.empty_directories, (Paths{"a/b/c"})) << "only the leaf folder is empty";

  m = manifest_of({{"a", dir_entry()}, {"a/link", link_entry("../x")}});
  EXPECT_TRUE(m.empty_directories.empty()) << "a symlink below counts";

  m = manifest_of({{"z", dir_entry()}, {"a", dir_entry()}, {"m", dir_entry()}});
  EXPECT_EQ(m.empty_directories, (Paths{"a", "m", "z"})) << "sorted";
}

TEST(ManifestOf, ModesOtherThan0644AndSymlinks) {
  auto m = manifest_of({{"bin/run", file_entry(0755)},
                        {"secret", file_entry(0600)},
                        {"plain", file_entry(0644)},
                        {"link", link_entry("plain")},
                        {"dir", dir_entry()}});
  EXPECT_EQ(m.modes, (std::map<std::string, unsigned>{{"bin/run", 0755u}, {"secret", 0600u}}));
  EXPECT_EQ(m.symlinks, (std::map<std::string, std::string>{{"link", "plain"}}));
  EXPECT_EQ(m.empty_directories, (Paths{"dir"}));
}

}  // namespace
}  // namespace berth::workspace
