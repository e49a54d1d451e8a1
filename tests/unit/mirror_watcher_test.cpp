// MirrorWatcher on a real directory and the real inotify: what a process
// other than Berth does in a mirror is reported once, coalesced, as
// origin "container"; Berth's own writes never echo; ignored folders stay
// quiet; an injected queue overflow walks the mirror again and finds a
// change no event reported (a write through a hard link from outside, which
// inotify's folder watches do not see).
#include "workspace/mirror_watcher.hpp"

#include <gtest/gtest.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>
#include <vector>

#include "core/encoding.hpp"
#include "run_loop.hpp"

namespace berth::workspace {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class MirrorWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("berth-watch-" + hex_encode(random_bytes(6)));
    RuntimeOptions options;
    options.data_dir = base_.string();
    options.project_quota = 0;  // a plain directory: no root or loop device needed
    workspaces_ = std::make_unique<Workspaces>(options);
    workspaces_->subscribe([this](const std::string&, const std::vector<FileChange>& batch) {
      std::lock_guard lock(mu_);
      batches_.push_back(batch);
    });
    watcher_ = std::make_unique<MirrorWatcher>(ioc_.get_executor(), workers_, *workspaces_, 20ms);
    ASSERT_TRUE(watcher_->start());
    workspaces_->use_watcher(watcher_.get());
    auto ws = workspaces_->open("p1");
    ASSERT_TRUE(ws) << ws.error().message;
    ws_ = *ws;
    ws_->mutable_files().set_owner(int(::getuid()), int(::getgid()));
    mirror_ = mirror_dir(options, "p1");
    ASSERT_TRUE(watcher_->watch("p1"));
  }
  void TearDown() override {
    watcher_->shutdown();
    workers_.stop();
    fs::remove_all(base_);
  }
  void write(const std::string& rel, const std::string& text) { std::ofstream(mirror_ / rel) << text; }
  // Runs the loop until `count` changes have been published (or 5 s).
  std::vector<FileChange> changes(std::size_t count) {
    testing::run_until(ioc_, [&] { return all().size() >= count; }, 5000ms);
    testing::run_for(ioc_, 100ms);  // anything more would show up now
    return all();
  }
  std::vector<FileChange> all() {
    std::lock_guard lock(mu_);
    std::vector<FileChange> out;
    for (auto& b : batches_) out.insert(out.end(), b.begin(), b.end());
    return out;
  }
  std::size_t batch_count() {
    std::lock_guard lock(mu_);
    return batches_.size();
  }
  void clear() {
    std::lock_guard lock(mu_);
    batches_.clear();
  }

  fs::path base_, mirror_;
  boost::asio::io_context ioc_;
  WorkerPool workers_{2};
  std::unique_ptr<Workspaces> workspaces_;
  std::unique_ptr<MirrorWatcher> watcher_;
  std::shared_ptr<Workspace> ws_;
  std::mutex mu_;
  std::vector<std::vector<FileChange>> batches_;
};

TEST_F(MirrorWatcherTest, ReportsWhatAnotherProcessDoesOnceAndCoalesced) {
  fs::create_directories(mirror_ / "src" / "deep");
  write("src/deep/a.txt", "alpha");
  write("b.txt", "beta");
  auto got = changes(4);
  std::map<std::string, std::string> ops;
  for (auto& c : got) {
    EXPECT_EQ(c.origin, "container");
    EXPECT_TRUE(c.actor.empty());
    EXPECT_TRUE(ops.emplace(c.path, c.op).second) << c.path << " reported twice";
  }
  EXPECT_EQ(ops, (std::map<std::string, std::string>{
                     {"b.txt", "created"}, {"src", "created"}, {"src/deep", "created"}, {"src/deep/a.txt", "created"}}));
  EXPECT_LE(batch_count(), 2u) << "one batch per window";
  for (std::size_t i = 1; i < got.size(); ++i) EXPECT_EQ(got[i].seq, got[i - 1].seq + 1) << "contiguous seqs";

  clear();
  write("b.txt", "beta two");
  fs::rename(mirror_ / "src", mirror_ / "lib");
  got = changes(2);
  ASSERT_EQ(got.size(), 2u);
  std::map<std::string, FileChange> by_path;
  for (auto& c : got) by_path[c.path] = c;
  EXPECT_EQ(by_path["b.txt"].op, "modified");
  EXPECT_EQ(by_path["lib"].op, "renamed");
  EXPECT_EQ(by_path["lib"].from, "src");

  // The renamed folder's watches follow it: a change inside is reported by its new name.
  clear();
  write("lib/deep/a.txt", "alpha two");
  got = changes(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].path, "lib/deep/a.txt");
  EXPECT_EQ(got[0].op, "modified");

  clear();
  fs::remove_all(mirror_ / "lib");
  got = changes(1);
  ASSERT_EQ(got.size(), 1u) << "a deleted folder is one change, not one per entry";
  EXPECT_EQ(got[0].path, "lib");
  EXPECT_EQ(got[0].op, "deleted");
}

TEST_F(MirrorWatcherTest, BerthsOwnWritesDoNotEcho) {
  auto path = parse_project_path("mine.txt");
  auto made = ws_->change([&](ProjectFiles& f) -> Result<FileChange> {
    auto e = f.write(*path, "from the editor", std::nullopt);
    if (!e) return e.error();
    return FileChange{"created", e->path, {}, e->kind, e->version, "u1", "socket-1"};
  });
  ASSERT_TRUE(made) << made.error().message;
  auto got = changes(1);
  testing::run_for(ioc_, 300ms);  // the watcher's window has long passed
  got = all();
  ASSERT_EQ(got.size(), 1u) << "only the editor's own change";
  EXPECT_EQ(got[0].origin, "editor");
  EXPECT_EQ(got[0].actor, "socket-1");
  // The watcher is listening all along: someone else's write is reported.
  write("theirs.txt", "from the container");
  got = changes(2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].path, "theirs.txt");
  EXPECT_EQ(got[1].origin, "container");
}

TEST_F(MirrorWatcherTest, IgnoredFoldersStayLocalAndUnwatched) {
  auto before = watcher_->watch_count();
  fs::create_directories(mirror_ / "node_modules" / "left-pad");
  write("node_modules/left-pad/index.js", "module.exports = 1");
  write("kept.txt", "k");
  auto got = changes(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].path, "kept.txt");
  EXPECT_EQ(watcher_->watch_count(), before) << "node_modules/ is not watched";
}

TEST_F(MirrorWatcherTest, AnOverflowWalksTheMirrorAgain) {
  write("linked.txt", "one");
  ASSERT_EQ(changes(1).size(), 1u);
  clear();
  // A write through a hard link outside the mirror: the folder watch hears nothing.
  fs::create_directories(base_ / "outside");
  fs::create_hard_link(mirror_ / "linked.txt", base_ / "outside" / "link");
  std::ofstream(base_ / "outside" / "link", std::ios::trunc) << "two";
  testing::run_for(ioc_, 200ms);
  ASSERT_TRUE(all().empty()) << "no event was expected for the hard link's write";
  alignas(inotify_event) char overflow[sizeof(inotify_event)] = {};
  reinterpret_cast<inotify_event*>(overflow)->wd = -1;
  reinterpret_cast<inotify_event*>(overflow)->mask = IN_Q_OVERFLOW;
  watcher_->on_events(overflow, sizeof overflow);
  auto got = changes(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].path, "linked.txt");
  EXPECT_EQ(got[0].op, "modified");
}

}  // namespace
}  // namespace berth::workspace
