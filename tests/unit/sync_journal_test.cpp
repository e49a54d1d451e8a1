// SyncJournal: dirty paths (one row per path, settle up to a row id), parked
// paths, the synced view and its `under` filter, project prefixes; group
// commit under many threads; rows that outlive the instance; and the
// durability settings, observed from outside: the file is in WAL mode and a
// commit syncs the WAL (what synchronous=FULL adds over NORMAL), counted by a
// pass-through SQLite VFS.
#include "workspace/sync_journal.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/encoding.hpp"

namespace berth::workspace {
namespace {

namespace fs = std::filesystem;

class SyncJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("berth-journal-" + hex_encode(random_bytes(6)));
    file_ = (base_ / "sync" / "journal.db").string();  // the folder does not exist yet: open makes it
    journal_ = open_journal();
    ASSERT_TRUE(journal_);
  }
  void TearDown() override {
    journal_.reset();
    fs::remove_all(base_);
  }
  std::unique_ptr<SyncJournal> open_journal() {
    auto j = SyncJournal::open(file_);
    EXPECT_TRUE(j) << j.error().message;
    return j ? std::move(*j) : nullptr;
  }
  std::vector<DirtyPath> pending(const std::string& project, std::size_t limit = 1000) {
    auto r = journal_->pending(project, limit);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : std::vector<DirtyPath>{};
  }
  static std::vector<std::string> paths_of(const std::vector<DirtyPath>& rows) {
    std::vector<std::string> out;
    for (auto& d : rows) out.push_back(d.path);
    return out;
  }
  std::vector<std::string> synced_paths(const std::string& project, const std::string& under) {
    auto r = journal_->synced(project, under);
    EXPECT_TRUE(r) << r.error().message;
    std::vector<std::string> out;
    if (r)
      for (auto& [p, e] : *r) out.push_back(p);
    return out;
  }

  fs::path base_;
  std::string file_;
  std::unique_ptr<SyncJournal> journal_;
};

using Paths = std::vector<std::string>;

// ---- dirty paths -----------------------------------------------------------

TEST_F(SyncJournalTest, RecordedPathsArePendingOneRowPerPathOldestFirst) {
  EXPECT_TRUE(pending("p1").empty());
  EXPECT_EQ(*journal_->pending_count("p1"), 0u);
  ASSERT_TRUE(journal_->record("p1", {"a.txt", "src/b.txt"}));
  ASSERT_TRUE(journal_->record("p1", {"a.txt"}));
  ASSERT_TRUE(journal_->record("p1", {"c.txt", "a.txt"}));
  ASSERT_TRUE(journal_->record("p1", {}));  // nothing to record is fine

  auto rows = pending("p1");
  EXPECT_EQ(paths_of(rows), (Paths{"a.txt", "src/b.txt", "c.txt"}));  // by first appearance
  ASSERT_EQ(rows.size(), 3u);
  // `upto` is the newest row of the path: a.txt was written last, after c.txt.
  EXPECT_GT(rows[0].upto, rows[2].upto);
  EXPECT_GT(rows[2].upto, rows[1].upto);
  EXPECT_EQ(*journal_->pending_count("p1"), 3u);

  auto first = pending("p1", 2);
  EXPECT_EQ(paths_of(first), (Paths{"a.txt", "src/b.txt"}));
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].upto, rows[0].upto);

  EXPECT_TRUE(pending("p2").empty()) << "another project's rows are its own";
  EXPECT_EQ(*journal_->pending_count("p2"), 0u);
}

TEST_F(SyncJournalTest, SettleRemovesOnlyRowsUpToUpto) {
  ASSERT_TRUE(journal_->record("p", {"f", "g"}));
  auto seen = pending("p");
  ASSERT_EQ(seen.size(), 2u);
  // The uploader is working on what it read; the editor writes f again.
  ASSERT_TRUE(journal_->record("p", {"f"}));
  ASSERT_TRUE(journal_->settle("p", seen[0]));
  ASSERT_TRUE(journal_->settle("p", seen[1]));

  auto left = pending("p");
  ASSERT_EQ(paths_of(left), (Paths{"f"})) << "the newer write of f survives the settle";
  EXPECT_GT(left[0].upto, seen[0].upto);
  EXPECT_EQ(*journal_->pending_count("p"), 1u);

  // Settling a stale row again changes nothing; the fresh one clears it.
  ASSERT_TRUE(journal_->settle("p", seen[0]));
  EXPECT_EQ(*journal_->pending_count("p"), 1u);
  ASSERT_TRUE(journal_->settle("p", left[0]));
  EXPECT_TRUE(pending("p").empty());
  EXPECT_EQ(*journal_->pending_count("p"), 0u);
}

TEST_F(SyncJournalTest, SettleTouchesOnlyItsProjectAndPath) {
  ASSERT_TRUE(journal_->record("p1", {"x", "y"}));
  ASSERT_TRUE(journal_->record("p2", {"x"}));
  // Even with an upto past every row, a settle of p1's x leaves p1's y and
  // p2's x alone.
  ASSERT_TRUE(journal_->settle("p1", DirtyPath{"x", 1'000'000}));
  EXPECT_EQ(paths_of(pending("p1")), (Paths{"y"}));
  EXPECT_EQ(paths_of(pending("p2")), (Paths{"x"}));
}

TEST_F(SyncJournalTest, ProjectsWithPendingFollowsRecordAndSettle) {
  EXPECT_TRUE(journal_->projects_with_pending()->empty());
  ASSERT_TRUE(journal_->record("p1", {"a", "b"}));
  ASSERT_TRUE(journal_->record("p2", {"a"}));
  ASSERT_TRUE(journal_->record("p1", {"a"}));
  auto projects = *journal_->projects_with_pending();
  std::sort(projects.begin(), projects.end());
  EXPECT_EQ(projects, (Paths{"p1", "p2"}));

  for (auto& d : pending("p1")) ASSERT_TRUE(journal_->settle("p1", d));
  EXPECT_EQ(*journal_->projects_with_pending(), (Paths{"p2"}));
  for (auto& d : pending("p2")) ASSERT_TRUE(journal_->settle("p2", d));
  EXPECT_TRUE(journal_->projects_with_pending()->empty());
}

// ---- parked paths -----------------------------------------------------------

TEST_F(SyncJournalTest, ParkUnparkAndParked) {
  EXPECT_TRUE(journal_->parked("p")->empty());
  ASSERT_TRUE(journal_->park("p", "b/bad", "invalid_path", "storage refuses this name"));
  ASSERT_TRUE(journal_->park("p", "a/huge.bin", "too_large", "over the limit"));
  EXPECT_EQ(*journal_->parked("p"), (std::vector<ParkedPath>{{"a/huge.bin", "too_large", "over the limit"},
                                                             {"b/bad", "invalid_path", "storage refuses this name"}}));
  EXPECT_TRUE(journal_->parked("other")->empty());

  // Parking again replaces the reason.
  ASSERT_TRUE(journal_->park("p", "b/bad", "too_large", "now it is too large"));
  EXPECT_EQ(*journal_->parked("p"), (std::vector<ParkedPath>{{"a/huge.bin", "too_large", "over the limit"},
                                                             {"b/bad", "too_large", "now it is too large"}}));

  ASSERT_TRUE(journal_->unpark("p", "a/huge.bin"));
  EXPECT_EQ(*journal_->parked("p"), (std::vector<ParkedPath>{{"b/bad", "too_large", "now it is too large"}}));
  ASSERT_TRUE(journal_->unpark("p", "never-parked"));
  EXPECT_EQ(journal_->parked("p")->size(), 1u);
}

TEST_F(SyncJournalTest, RecordingAParkedPathClearsIt) {
  ASSERT_TRUE(journal_->park("p", "bad", "invalid_path", "m"));
  ASSERT_TRUE(journal_->park("p", "other", "invalid_path", "m"));
  ASSERT_TRUE(journal_->park("q", "bad", "invalid_path", "m"));
  ASSERT_TRUE(journal_->record("p", {"bad", "unrelated"}));
  EXPECT_EQ(*journal_->parked("p"), (std::vector<ParkedPath>{{"other", "invalid_path", "m"}}));
  EXPECT_EQ(journal_->parked("q")->size(), 1u) << "the same path in another project stays parked";
  EXPECT_EQ(paths_of(pending("p")), (Paths{"bad", "unrelated"}));
}

// ---- forget_project --------------------------------------------------------

TEST_F(SyncJournalTest, ForgetProjectClearsOneProjectOnly) {
  for (std::string p : {"gone", "kept"}) {
    ASSERT_TRUE(journal_->set_prefix(p, "owner/" + p));
    ASSERT_TRUE(journal_->record(p, {"a", "b"}));
    ASSERT_TRUE(journal_->park(p, "x", "invalid_path", "m"));
    ASSERT_TRUE(journal_->set_synced(p, "a", SyncedEntry{"file", "e", "s", 1, 0644, ""}));
  }
  ASSERT_TRUE(journal_->forget_project("gone"));

  EXPECT_TRUE(pending("gone").empty());
  EXPECT_EQ(*journal_->pending_count("gone"), 0u);
  EXPECT_TRUE(journal_->parked("gone")->empty());
  EXPECT_TRUE(journal_->synced("gone")->empty());
  auto prefix = journal_->prefix_of("gone");
  ASSERT_FALSE(prefix);
  EXPECT_EQ(prefix.error().code, "not_found");
  EXPECT_EQ(*journal_->projects_with_pending(), (Paths{"kept"}));

  EXPECT_EQ(paths_of(pending("kept")), (Paths{"a", "b"}));
  EXPECT_EQ(journal_->parked("kept")->size(), 1u);
  EXPECT_EQ(journal_->synced("kept")->size(), 1u);
  EXPECT_EQ(*journal_->prefix_of("kept"), "owner/kept");
}

// ---- the synced view -------------------------------------------------------

TEST_F(SyncJournalTest, SetSyncedRoundTripsAndReplaces) {
  SyncedEntry file{"file", "etag-1", std::string(64, 'a'), 12345, 0755, ""};
  SyncedEntry link{"symlink", "", "", 0, 0777, "../target"};
  ASSERT_TRUE(journal_->set_synced("p", "bin/run", file));
  ASSERT_TRUE(journal_->set_synced("p", "link", link));
  auto all = *journal_->synced("p");
  ASSERT_EQ(all.size(), 2u);
  auto& f = all.at("bin/run");
  EXPECT_EQ(f.kind, "file");
  EXPECT_EQ(f.etag, "etag-1");
  EXPECT_EQ(f.sha256, std::string(64, 'a'));
  EXPECT_EQ(f.size, 12345u);
  EXPECT_EQ(f.mode, 0755u);
  EXPECT_EQ(all.at("link").kind, "symlink");
  EXPECT_EQ(all.at("link").target, "../target");
  EXPECT_EQ(all.at("link").mode, 0777u);

  ASSERT_TRUE(journal_->set_synced("p", "bin/run", SyncedEntry{"file", "etag-2", "bb", 7, 0644, ""}));
  all = *journal_->synced("p");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all.at("bin/run").etag, "etag-2");
  EXPECT_EQ(all.at("bin/run").sha256, "bb");
  EXPECT_EQ(all.at("bin/run").size, 7u);
  EXPECT_EQ(all.at("bin/run").mode, 0644u);
  EXPECT_TRUE(journal_->synced("q")->empty()) << "per project";
}

TEST_F(SyncJournalTest, UnderMeansThePathItselfAndBelowItOnly) {
  SyncedEntry e{"file", "", "", 0, 0644, ""};
  for (std::string p : {"a", "a/b", "a/b/c", "a-b", "a.b", "ab", "a0", "b", "a-b/x", "ab/x", "a/b-c"})
    ASSERT_TRUE(journal_->set_synced("p", p, e));
  ASSERT_TRUE(journal_->set_synced("q", "a/other-project", e));

  EXPECT_EQ(synced_paths("p", "a"), (Paths{"a", "a/b", "a/b-c", "a/b/c"}));
  EXPECT_EQ(synced_paths("p", "a/b"), (Paths{"a/b", "a/b/c"}));
  EXPECT_EQ(synced_paths("p", "a-b"), (Paths{"a-b", "a-b/x"}));
  EXPECT_EQ(synced_paths("p", "ab"), (Paths{"ab", "ab/x"}));
  EXPECT_EQ(synced_paths("p", "a/b/c"), (Paths{"a/b/c"}));
  EXPECT_TRUE(synced_paths("p", "nothing").empty());
  EXPECT_TRUE(synced_paths("p", "a/b/c/d").empty());
  EXPECT_EQ(synced_paths("p", "").size(), 11u) << "\"\" is the whole project";
  EXPECT_EQ(synced_paths("q", "a"), (Paths{"a/other-project"}));
}

TEST_F(SyncJournalTest, UnderWorksWhenOnlyDescendantsAreSynced) {
  SyncedEntry e{"file", "", "", 0, 0644, ""};
  ASSERT_TRUE(journal_->set_synced("p", "dir/x", e));
  ASSERT_TRUE(journal_->set_synced("p", "dir/y/z", e));
  ASSERT_TRUE(journal_->set_synced("p", "dir2", e));
  EXPECT_EQ(synced_paths("p", "dir"), (Paths{"dir/x", "dir/y/z"}));
}

TEST_F(SyncJournalTest, ForgetSyncedRemovesExactlyThatPath) {
  SyncedEntry e{"file", "", "", 0, 0644, ""};
  for (std::string p : {"a", "a/b", "a-b"}) ASSERT_TRUE(journal_->set_synced("p", p, e));
  ASSERT_TRUE(journal_->set_synced("q", "a", e));
  ASSERT_TRUE(journal_->forget_synced("p", "a"));
  EXPECT_EQ(synced_paths("p", ""), (Paths{"a-b", "a/b"}));
  EXPECT_EQ(synced_paths("q", ""), (Paths{"a"}));
  ASSERT_TRUE(journal_->forget_synced("p", "not-there"));
  EXPECT_EQ(synced_paths("p", "").size(), 2u);
}

// ---- prefixes --------------------------------------------------------------

TEST_F(SyncJournalTest, PrefixesArePerProjectAndReplaceable) {
  auto unknown = journal_->prefix_of("p");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, "not_found");
  ASSERT_TRUE(journal_->set_prefix("p", "owner-1/p"));
  ASSERT_TRUE(journal_->set_prefix("q", "owner-2/q"));
  EXPECT_EQ(*journal_->prefix_of("p"), "owner-1/p");
  EXPECT_EQ(*journal_->prefix_of("q"), "owner-2/q");
  ASSERT_TRUE(journal_->set_prefix("p", "owner-3/p"));
  EXPECT_EQ(*journal_->prefix_of("p"), "owner-3/p");
  EXPECT_EQ(*journal_->prefix_of("q"), "owner-2/q");
}

// ---- group commit ----------------------------------------------------------

TEST_F(SyncJournalTest, ConcurrentRecordsAllSucceedAndAllRowsAreThere) {
  constexpr int kThreads = 16, kEach = 200;
  std::atomic<int> failures{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();  // start together
      for (int i = 0; i < kEach; ++i) {
        // One unique path and one every call shares, in the same call.
        auto s = journal_->record("p", {"t" + std::to_string(t) + "/f" + std::to_string(i), "shared"});
        if (!s) ++failures;
      }
    });
  go = true;
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);

  ASSERT_EQ(*journal_->pending_count("p"), std::size_t(kThreads * kEach + 1));
  auto rows = pending("p", 100'000);
  ASSERT_EQ(rows.size(), std::size_t(kThreads * kEach + 1));
  std::set<std::string> paths;
  std::set<std::int64_t> ids;
  std::int64_t shared_upto = 0, max_unique = 0;
  for (auto& d : rows) {
    paths.insert(d.path);
    if (d.path == "shared") {
      shared_upto = d.upto;
    } else {
      ids.insert(d.upto);
      max_unique = std::max(max_unique, d.upto);
    }
  }
  for (int t = 0; t < kThreads; ++t)
    for (int i = 0; i < kEach; ++i)
      ASSERT_TRUE(paths.count("t" + std::to_string(t) + "/f" + std::to_string(i))) << t << "/" << i;
  EXPECT_EQ(ids.size(), std::size_t(kThreads * kEach)) << "every row has its own id";
  // "shared" was the last path of the last call committed: its newest row is
  // the newest of all.
  EXPECT_GT(shared_upto, max_unique);

  // Everything settles away.
  for (auto& d : rows) ASSERT_TRUE(journal_->settle("p", d));
  EXPECT_EQ(*journal_->pending_count("p"), 0u);
}

TEST_F(SyncJournalTest, ConcurrentRecordsOfSeveralProjects) {
  constexpr int kThreads = 8, kEach = 50;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i)
        if (!journal_->record("p" + std::to_string(t % 4), {"f" + std::to_string(t) + "-" + std::to_string(i)}))
          ++failures;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  for (int p = 0; p < 4; ++p) EXPECT_EQ(*journal_->pending_count("p" + std::to_string(p)), std::size_t(2 * kEach));
  EXPECT_EQ(journal_->projects_with_pending()->size(), 4u);
}

// ---- durability ------------------------------------------------------------

TEST_F(SyncJournalTest, RowsSurviveReopeningTheFile) {
  ASSERT_TRUE(journal_->set_prefix("p", "owner/p"));
  ASSERT_TRUE(journal_->record("p", {"a", "b"}));
  ASSERT_TRUE(journal_->record("p", {"a"}));
  ASSERT_TRUE(journal_->park("p", "bad", "invalid_path", "m"));
  ASSERT_TRUE(journal_->set_synced("p", "s", SyncedEntry{"file", "e", "h", 3, 0700, ""}));
  auto before = pending("p");
  ASSERT_EQ(before.size(), 2u);
  journal_.reset();

  journal_ = open_journal();
  ASSERT_TRUE(journal_);
  auto after = pending("p");
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].path, before[i].path);
    EXPECT_EQ(after[i].upto, before[i].upto);
  }
  EXPECT_EQ(*journal_->prefix_of("p"), "owner/p");
  EXPECT_EQ(*journal_->parked("p"), (std::vector<ParkedPath>{{"bad", "invalid_path", "m"}}));
  auto s = *journal_->synced("p");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s.at("s").mode, 0700u);
  EXPECT_EQ(s.at("s").sha256, "h");

  // New rows continue after the old ones: a settle of an old DirtyPath
  // cannot swallow a write made after the restart.
  ASSERT_TRUE(journal_->record("p", {"a"}));
  auto a = pending("p", 1);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_GT(a[0].upto, before[0].upto);
  ASSERT_TRUE(journal_->settle("p", before[0]));
  EXPECT_EQ(*journal_->pending_count("p"), 2u);
}

TEST_F(SyncJournalTest, TwoInstancesOnOneFileSeeEachOthersRows) {
  auto second = open_journal();
  ASSERT_TRUE(second);
  ASSERT_TRUE(journal_->record("p", {"from-first"}));
  ASSERT_TRUE(second->record("p", {"from-second"}));
  EXPECT_EQ(paths_of(*second->pending("p", 10)), (Paths{"from-first", "from-second"}));
  EXPECT_EQ(paths_of(pending("p")), (Paths{"from-first", "from-second"}));
}

// A pass-through VFS over the default one that counts xSync per file kind.
struct CountingVfs {
  struct File {
    sqlite3_file base;
    sqlite3_file* real;
    bool wal;
  };
  static inline sqlite3_vfs* real_vfs = nullptr;
  static inline sqlite3_vfs vfs{};
  static inline sqlite3_io_methods methods{};
  static inline std::atomic<int> wal_syncs{0}, db_syncs{0};

  static sqlite3_file* real(sqlite3_file* f) { return reinterpret_cast<File*>(f)->real; }

  static int open(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out_flags) {
    auto* f = reinterpret_cast<File*>(file);
    f->real = reinterpret_cast<sqlite3_file*>(f + 1);
    f->wal = (flags & SQLITE_OPEN_WAL) != 0;
    int rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
    f->base.pMethods = rc == SQLITE_OK && f->real->pMethods ? &methods : nullptr;
    return rc;
  }
  static int sync(sqlite3_file* f, int flags) {
    ++(reinterpret_cast<File*>(f)->wal ? wal_syncs : db_syncs);
    return real(f)->pMethods->xSync(real(f), flags);
  }

  static void install() {
    real_vfs = sqlite3_vfs_find(nullptr);
    ASSERT_NE(real_vfs, nullptr);
    vfs = *real_vfs;
    vfs.zName = "berth-counting";
    vfs.szOsFile = int(sizeof(File)) + real_vfs->szOsFile;
    vfs.pNext = nullptr;
    vfs.xOpen = &open;
    methods.iVersion = 3;
    methods.xClose = [](sqlite3_file* f) { return real(f)->pMethods->xClose(real(f)); };
    methods.xRead = [](sqlite3_file* f, void* b, int n, sqlite3_int64 o) {
      return real(f)->pMethods->xRead(real(f), b, n, o);
    };
    methods.xWrite = [](sqlite3_file* f, const void* b, int n, sqlite3_int64 o) {
      return real(f)->pMethods->xWrite(real(f), b, n, o);
    };
    methods.xTruncate = [](sqlite3_file* f, sqlite3_int64 s) { return real(f)->pMethods->xTruncate(real(f), s); };
    methods.xSync = &sync;
    methods.xFileSize = [](sqlite3_file* f, sqlite3_int64* s) { return real(f)->pMethods->xFileSize(real(f), s); };
    methods.xLock = [](sqlite3_file* f, int l) { return real(f)->pMethods->xLock(real(f), l); };
    methods.xUnlock = [](sqlite3_file* f, int l) { return real(f)->pMethods->xUnlock(real(f), l); };
    methods.xCheckReservedLock = [](sqlite3_file* f, int* r) {
      return real(f)->pMethods->xCheckReservedLock(real(f), r);
    };
    methods.xFileControl = [](sqlite3_file* f, int op, void* a) {
      return real(f)->pMethods->xFileControl(real(f), op, a);
    };
    methods.xSectorSize = [](sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); };
    methods.xDeviceCharacteristics = [](sqlite3_file* f) {
      return real(f)->pMethods->xDeviceCharacteristics(real(f));
    };
    methods.xShmMap = [](sqlite3_file* f, int pg, int sz, int ext, void volatile** p) {
      return real(f)->pMethods->xShmMap(real(f), pg, sz, ext, p);
    };
    methods.xShmLock = [](sqlite3_file* f, int off, int n, int flags) {
      return real(f)->pMethods->xShmLock(real(f), off, n, flags);
    };
    methods.xShmBarrier = [](sqlite3_file* f) { real(f)->pMethods->xShmBarrier(real(f)); };
    methods.xShmUnmap = [](sqlite3_file* f, int del) { return real(f)->pMethods->xShmUnmap(real(f), del); };
    methods.xFetch = [](sqlite3_file* f, sqlite3_int64 o, int n, void** p) {
      return real(f)->pMethods->xFetch(real(f), o, n, p);
    };
    methods.xUnfetch = [](sqlite3_file* f, sqlite3_int64 o, void* p) {
      return real(f)->pMethods->xUnfetch(real(f), o, p);
    };
    ASSERT_EQ(sqlite3_vfs_register(&vfs, /*makeDflt=*/1), SQLITE_OK);
  }
  static void uninstall() {
    sqlite3_vfs_unregister(&vfs);
    if (real_vfs) sqlite3_vfs_register(real_vfs, 1);
  }
};

std::string journal_mode_of(const std::string& file) {
  sqlite3* db = nullptr;
  std::string mode;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
      mode = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return mode;
}

TEST_F(SyncJournalTest, TheFileIsInWalModeAndEveryCommitSyncsTheWal) {
  // The file, read by a plain connection that sets nothing itself: WAL is
  // persistent in the database header.
  ASSERT_TRUE(journal_->record("p", {"a"}));
  EXPECT_EQ(journal_mode_of(file_), "wal");
  EXPECT_TRUE(fs::exists(file_ + "-wal")) << "a write while open goes to the WAL";
  journal_.reset();

  CountingVfs::install();
  struct Uninstall {
    ~Uninstall() { CountingVfs::uninstall(); }
  } uninstall;

  // Control: a plain SqliteConnection (synchronous=NORMAL) commits without
  // syncing the WAL, so the count below measures what FULL adds.
  {
    auto plain = db::SqliteConnection::open((base_ / "plain.db").string());
    ASSERT_TRUE(plain) << plain.error().message;
    ASSERT_TRUE((*plain)->exec("CREATE TABLE berth.t(x INTEGER)"));
    CountingVfs::wal_syncs = 0;
    for (int i = 0; i < 3; ++i) ASSERT_TRUE((*plain)->exec("INSERT INTO berth.t VALUES ($1)", {std::int64_t(i)}));
    EXPECT_EQ(CountingVfs::wal_syncs.load(), 0) << "NORMAL: the control must not sync the WAL at commit";
  }
    // The same measurement can see a commit sync: FULL on the control.
  {
    auto full = db::SqliteConnection::open((base_ / "plain.db").string());
    ASSERT_TRUE(full) << full.error().message;
    ASSERT_TRUE((*full)->exec("PRAGMA berth.synchronous=FULL"));
    ASSERT_TRUE((*full)->exec("INSERT INTO berth.t VALUES (100)"));  // may restart the WAL (a header sync)
    CountingVfs::wal_syncs = 0;
    ASSERT_TRUE((*full)->exec("INSERT INTO berth.t VALUES (101)"));
    EXPECT_GE(CountingVfs::wal_syncs.load(), 1) << "the counter does not see commit syncs";
  }

  auto j = SyncJournal::open(file_);
  ASSERT_TRUE(j) << j.error().message;
  // The first write after a reopen starts a new WAL, whose header is synced
  // whatever the setting; the commits after it are what FULL decides.
  ASSERT_TRUE((*j)->record("p", {"b"}));
  CountingVfs::wal_syncs = 0;
  ASSERT_TRUE((*j)->record("p", {"c"}));
  EXPECT_GE(CountingVfs::wal_syncs.load(), 1) << "synchronous=FULL: the WAL is synced before record() returns";
  ASSERT_TRUE((*j)->record("p", {"d"}));
  EXPECT_GE(CountingVfs::wal_syncs.load(), 2) << "every commit syncs";
  EXPECT_EQ(paths_of(*(*j)->pending("p", 10)), (Paths{"a", "b", "c", "d"}));
  j->reset();
}

}  // namespace
}  // namespace berth::workspace
