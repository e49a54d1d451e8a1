// The path guard against a container that plants and swaps symlinks: the
// parser's rules, a corpus of escapes put through every editor operation, and
// a check-then-use race. The guard tests run twice, with openat2 and with the
// O_NOFOLLOW walk; nothing outside the root may change (contents, size,
// mtime, entries), and nothing outside may be read or listed.
#include "workspace/path_guard.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdio.h>  // renameat2
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace berth;
using namespace berth::workspace;
using namespace std::string_literals;
namespace fs = std::filesystem;

namespace {

ProjectPath parsed(std::string_view s) {
  auto r = parse_project_path(s);
  if (!r) throw std::runtime_error("test path refused: " + r.error().message);
  return *r;
}

// ---- the parser ---------------------------------------------------------

TEST(ProjectPathParse, NormalisesTheAllowedSpellings) {
  std::vector<std::pair<std::string, std::string>> cases = {
      {"", ""},
      {".", ""},
      {"./", ""},
      {"./.", ""},
      {"a", "a"},
      {"a/", "a"},
      {"./a", "a"},
      {"././a/.", "a"},
      {"a/./b", "a/b"},
      {"a/./", "a"},
      {"a/b/c.txt", "a/b/c.txt"},
      // Ordinary names, whatever they look like.
      {"%2e%2e", "%2e%2e"},
      {"%2e%2e/%2e%2e/x", "%2e%2e/%2e%2e/x"},
      {"...", "..."},
      {".. ", ".. "},
      {" ..", " .."},
      {"..a", "..a"},
      {"a..", "a.."},
      {"..\\..\\etc", "..\\..\\etc"},
      {".hidden/.x", ".hidden/.x"},
      {"tab\there", "tab\there"},
      {"new\nline", "new\nline"},
      {"del\x7F", "del\x7F"},
      {"héllo/日本語/🙂.md", "héllo/日本語/🙂.md"},
      {std::string(255, 'x'), std::string(255, 'x')},
  };
  for (const auto& [in, out] : cases) {
    auto p = parse_project_path(in);
    ASSERT_TRUE(p.ok()) << in << ": " << p.error().message;
    EXPECT_EQ(p->str(), out) << in;
    EXPECT_EQ(p->is_root(), out.empty()) << in;
    EXPECT_EQ(*parse_project_path(p->str()), *p) << in;
  }
  EXPECT_EQ(parsed("a/b/c").components(), (std::vector<std::string>{"a", "b", "c"}));
  // 4095 bytes is the most: the path and its NUL fit PATH_MAX.
  std::string longest;
  while (longest.size() + 200 < kMaxPathBytes) longest += std::string(199, 'd') + "/";
  longest += std::string(kMaxPathBytes - longest.size(), 'f');
  EXPECT_TRUE(parse_project_path(longest).ok());
}

TEST(ProjectPathParse, RefusesEscapesAndMalformedPaths) {
  std::vector<std::string> refused = {
      "..",
      "../",
      "../x",
      "a/..",
      "a/../b",
      "a/../../x",
      "./..",
      "a/./../..",
      "sub/../..",
      "x/y/z/..",
      "/",
      "/a",
      "/etc/passwd",
      "//a",
      "/./a",
      "/..",
      "a//b",
      ".//a",
      "a//",
      "a///",
      "//",
      "a\0b"s,
      "\0"s,
      "a/\0/b"s,
      "file\0/../../etc"s,
      std::string(256, 'x'),
      "a/" + std::string(256, 'x') + "/b",
      std::string(kMaxPathBytes + 1, 'a'),
      "\xFF",
      "a/\xC3",
      "\xC0\xAF",
      "\xC0\xAE\xC0\xAE",
      "\xED\xA0\x80",
      "\xF4\x90\x80\x80",
  };
  for (const auto& in : refused) {
    auto p = parse_project_path(in);
    ASSERT_FALSE(p.ok()) << "accepted " << testing::PrintToString(in) << " as " << p->str();
    EXPECT_EQ(p.error().code, "invalid_path");
    EXPECT_FALSE(p.error().message.empty());
  }
}

// ---- the guard ----------------------------------------------------------

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void spit(const fs::path& p, const std::string& bytes) { std::ofstream(p, std::ios::binary) << bytes; }

// Everything that could tell a change: type, mode, inode, size, mtime, bytes.
std::string describe(const fs::path& p) {
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0) return "missing";
  std::string d = std::to_string(st.st_mode) + " " + std::to_string(st.st_ino) + " " + std::to_string(st.st_size) +
                  " " + std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
  if (S_ISREG(st.st_mode)) d += " " + slurp(p);
  return d;
}

std::vector<std::string> list_fd(UniqueFd fd) {
  std::vector<std::string> names;
  DIR* d = ::fdopendir(fd.release());
  if (!d) return names;
  while (dirent* e = ::readdir(d))
    if (std::string_view(e->d_name) != "." && std::string_view(e->d_name) != "..") names.emplace_back(e->d_name);
  ::closedir(d);
  return names;
}

std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

using Resolve = PathGuard::Resolve;

class PathGuardTest : public testing::TestWithParam<Resolve> {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "berth-path-guard-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    base_ = tmpl;
    outside_ = base_ / "outside";
    root_ = base_ / "root";
    fs::create_directories(outside_ / "inner");
    spit(outside_ / "secret", "top secret\n");
    spit(outside_ / "inner" / "deep", "deep secret\n");
    spit(outside_ / "file", "outside file\n");  // the name the race writes to
    fs::create_directory(root_);
    fill_root();
    fds_before_ = open_fds();
    auto g = PathGuard::create(root_, GetParam());
    ASSERT_TRUE(g.ok()) << g.error().message;
    guard_.emplace(std::move(g).value());
    // A kernel (or seccomp filter) without openat2 fails this instance; it does not skip it.
    utsname u{};
    ::uname(&u);
    ASSERT_EQ(guard_->uses_openat2(), GetParam() == Resolve::automatic) << "kernel " << u.release;
    before_ = snapshot_outside();
  }
  void TearDown() override {
    guard_.reset();
    EXPECT_EQ(open_fds(), fds_before_) << "an fd leaked";
    std::error_code ec;
    fs::remove_all(base_, ec);  // does not follow the links
  }

  // The root's contents, rebuilt in place (the guard holds the root's fd).
  void fill_root() {
    for (const auto& e : fs::directory_iterator(root_)) fs::remove_all(e.path());
    spit(root_ / "file", "hello\n");
    fs::create_directory(root_ / "sub");
    spit(root_ / "sub" / "a.txt", "a\n");
    fs::create_directory(root_ / "dir");
    spit(root_ / "dir" / "file", "inside\n");
    fs::create_symlink(outside_ / "secret", root_ / "abs_file");
    fs::create_symlink(outside_, root_ / "abs_dir");
    fs::create_symlink("../outside/secret", root_ / "rel_file");
    fs::create_symlink("../outside", root_ / "rel_dir");
    fs::create_symlink("chain2", root_ / "chain");
    fs::create_symlink("chain3", root_ / "chain2");
    fs::create_symlink("rel_dir", root_ / "chain3");
    fs::create_symlink("/proc/self/root", root_ / "proc");
    fs::create_symlink("../outside/created", root_ / "dangling");
    fs::create_symlink("../../outside", root_ / "sub" / "up");
    fs::create_symlink("sub", root_ / "latest");  // stays inside, refused all the same
  }

  // Everything under base_ but the root: outside/, and base_ itself (an
  // entry created beside root/ changes its mtime).
  std::map<std::string, std::string> snapshot_outside() const {
    std::map<std::string, std::string> s{{".", describe(base_)}};
    for (auto it = fs::recursive_directory_iterator(base_); it != fs::recursive_directory_iterator(); ++it) {
      if (it->path() == root_) {
        it.disable_recursion_pending();
        continue;
      }
      s[fs::relative(it->path(), base_).string()] = describe(it->path());
    }
    return s;
  }

  // Paths that parse but lead outside (or through an in-root link).
  std::vector<std::string> escapes() const {
    std::string via_proc = "proc" + outside_.string();  // proc/tmp/…/outside
    return {"abs_file",
            "abs_dir",
            "abs_dir/secret",
            "abs_dir/created",
            "abs_dir/inner",
            "abs_dir/inner/deep",
            "rel_file",
            "rel_dir",
            "rel_dir/secret",
            "rel_dir/created",
            "chain",
            "chain/secret",
            "chain3/secret",
            "chain/inner/deep",
            "proc",
            "proc/etc",
            via_proc,
            via_proc + "/secret",
            via_proc + "/created",
            "dangling",
            "sub/up",
            "sub/up/secret",
            "sub/up/created",
            "sub/up/inner",
            "latest",
            "latest/a.txt"};
  }

  // No link before the last component (checked without following any).
  bool parent_is_real(const ProjectPath& p) const {
    fs::path cur = root_;
    for (std::size_t i = 0; i + 1 < p.components().size(); ++i)
      if (!fs::is_directory(fs::symlink_status(cur /= p.components()[i]))) return false;
    return true;
  }

  const PathGuard& guard() const { return *guard_; }

  fs::path base_, outside_, root_;
  std::optional<PathGuard> guard_;
  std::map<std::string, std::string> before_;
  std::size_t fds_before_ = 0;
};

TEST_P(PathGuardTest, OperationsInsideTheRootWork) {
  auto fd = guard().open(parsed("file"), O_RDONLY | O_NONBLOCK);
  ASSERT_TRUE(fd.ok()) << fd.error().message;
  char buf[16];
  EXPECT_EQ(::read(fd->get(), buf, sizeof buf), 6);

  auto w = guard().open(parsed("sub/new.txt/"), O_WRONLY | O_CREAT | O_EXCL, 0600);
  ASSERT_TRUE(w.ok()) << w.error().message;
  ASSERT_EQ(::write(w->get(), "new\n", 4), 4);
  EXPECT_EQ(slurp(root_ / "sub" / "new.txt"), "new\n");
  EXPECT_EQ(guard().open(parsed("sub/new.txt"), O_WRONLY | O_CREAT | O_EXCL, 0600).error().code, "conflict");

  // Listing shows links as entries; lstat sees them as links.
  auto dir = guard().open(parsed("."), O_RDONLY | O_DIRECTORY);
  ASSERT_TRUE(dir.ok()) << dir.error().message;
  auto names = list_fd(std::move(dir).value());
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()),
            (std::set<std::string>{"file", "sub", "dir", "abs_file", "abs_dir", "rel_file", "rel_dir", "chain",
                                   "chain2", "chain3", "proc", "dangling", "latest"}));
  auto st = guard().lstat(parsed("abs_dir"));
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(S_ISLNK(st->st_mode));
  EXPECT_TRUE(S_ISDIR(guard().lstat(ProjectPath{})->st_mode));
  auto link = guard().open(parsed("abs_file"), O_PATH);  // O_PATH opens the link itself
  ASSERT_TRUE(link.ok()) << link.error().message;
  struct stat lst {};
  ASSERT_EQ(::fstat(link->get(), &lst), 0);
  EXPECT_TRUE(S_ISLNK(lst.st_mode));

  // mkdir, rename between two directories, rmdir, all through open_parent.
  auto p = guard().open_parent(parsed("sub/d"));
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->name, "d");
  ASSERT_EQ(::mkdirat(p->dir.get(), p->name.c_str(), 0755), 0);
  auto to = guard().open_parent(parsed("d2"));
  ASSERT_TRUE(to.ok());
  ASSERT_EQ(::renameat2(p->dir.get(), "d", to->dir.get(), to->name.c_str(), RENAME_NOREPLACE), 0);
  EXPECT_TRUE(fs::is_directory(root_ / "d2"));
  EXPECT_EQ(::fsync(to->dir.get()), 0);  // the parent fd can make the rename durable
  ASSERT_EQ(::unlinkat(to->dir.get(), "d2", AT_REMOVEDIR), 0);

  // Errors carry catalogue codes.
  EXPECT_EQ(guard().open(parsed("missing"), O_RDONLY).error().code, "not_found");
  EXPECT_EQ(guard().open(parsed("file/x"), O_RDONLY).error().code, "invalid_path");
  EXPECT_EQ(guard().open(parsed("sub"), O_WRONLY).error().code, "bad_request");
  EXPECT_EQ(guard().open_parent(ProjectPath{}).error().code, "invalid_path");
  EXPECT_EQ(snapshot_outside(), before_);
}

TEST_P(PathGuardTest, LiteralLookalikesStayInside) {
  for (std::string name :
       {"%2e%2e", "..%2f..%2foutside", "...", ".. ", " ..", "..\\..\\outside\\secret", "tab\tname", "\x7F"}) {
    auto fd = guard().open(parsed(name), O_WRONLY | O_CREAT | O_EXCL, 0644);
    ASSERT_TRUE(fd.ok()) << name << ": " << fd.error().message;
    EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(root_ / name))) << name;
  }
  EXPECT_EQ(guard().open(parsed("%2E%2E/outside/secret"), O_RDONLY).error().code, "not_found");
  EXPECT_EQ(snapshot_outside(), before_);
}

enum class Op { read, write, list, lstat, mkdir, unlink, rename_from, rename_onto, exchange };

TEST_P(PathGuardTest, NoOperationReachesOutside) {
  const Op ops[] = {Op::read,   Op::write,       Op::list,        Op::lstat,   Op::mkdir,
                    Op::unlink, Op::rename_from, Op::rename_onto, Op::exchange};
  for (const auto& text : escapes()) {
    ProjectPath path = parsed(text);
    bool single = parent_is_real(path);  // so the last component is the link itself
    for (Op op : ops) {
      SCOPED_TRACE(text + " op " + std::to_string(int(op)));
      fill_root();
      switch (op) {
        case Op::read: {
          auto fd = guard().open(path, O_RDONLY | O_NONBLOCK);
          ASSERT_FALSE(fd.ok());
          EXPECT_EQ(fd.error().code, "invalid_path") << fd.error().message;
          break;
        }
        case Op::write: {
          auto fd = guard().open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
          ASSERT_FALSE(fd.ok());
          EXPECT_EQ(fd.error().code, "invalid_path") << fd.error().message;
          break;
        }
        case Op::list: {
          auto fd = guard().open(path, O_RDONLY | O_DIRECTORY);
          ASSERT_FALSE(fd.ok()) << "listed " << testing::PrintToString(list_fd(std::move(fd).value()));
          EXPECT_EQ(fd.error().code, "invalid_path") << fd.error().message;
          break;
        }
        case Op::lstat: {
          auto st = guard().lstat(path);
          EXPECT_EQ(st.ok(), single);
          if (st.ok()) {
            EXPECT_TRUE(S_ISLNK(st->st_mode));
          }
          break;
        }
        case Op::mkdir: {
          auto p = guard().open_parent(path);
          ASSERT_EQ(p.ok(), single);
          if (p.ok()) {
            EXPECT_EQ(::mkdirat(p->dir.get(), p->name.c_str(), 0755), -1);  // EEXIST: the link
          }
          break;
        }
        case Op::unlink: {
          auto p = guard().open_parent(path);
          ASSERT_EQ(p.ok(), single);
          if (!p.ok()) break;
          EXPECT_EQ(::unlinkat(p->dir.get(), p->name.c_str(), 0), 0);  // the link goes, not its target
          EXPECT_EQ(guard().lstat(path).error().code, "not_found");
          break;
        }
        case Op::rename_from:
        case Op::rename_onto:
        case Op::exchange: {
          auto p = guard().open_parent(path);
          auto other = guard().open_parent(parsed(op == Op::rename_from ? "moved" : "file"));
          ASSERT_TRUE(other.ok());
          ASSERT_EQ(p.ok(), single);
          if (!p.ok()) break;
          int rc = op == Op::rename_from ? ::renameat2(p->dir.get(), p->name.c_str(), other->dir.get(), "moved", 0)
                   : op == Op::rename_onto
                       ? ::renameat2(other->dir.get(), "file", p->dir.get(), p->name.c_str(), 0)
                       : ::renameat2(other->dir.get(), "file", p->dir.get(), p->name.c_str(), RENAME_EXCHANGE);
          EXPECT_EQ(rc, 0) << std::strerror(errno);
          break;
        }
      }
      ASSERT_EQ(snapshot_outside(), before_);
    }
  }
}

// A directory swapped for a symlink to outside between check and use, while
// every operation runs on a path through it.
TEST_P(PathGuardTest, SwappingADirectoryForALinkNeverEscapes) {
  fs::create_symlink("../outside", root_ / "alt");
  spit(outside_ / "outside_only", "never listed or read\n");
  before_ = snapshot_outside();

  std::atomic<bool> stop{false};
  std::atomic<long> swaps{0};
  std::string dir = (root_ / "dir").string(), alt = (root_ / "alt").string();
  std::thread swapper([&] {
    while (!stop.load(std::memory_order_relaxed))
      if (::renameat2(AT_FDCWD, dir.c_str(), AT_FDCWD, alt.c_str(), RENAME_EXCHANGE) == 0) swaps.fetch_add(1);
  });

  long succeeded = 0, refused = 0;
  auto tally = [&](bool ok, const Error* e) {
    if (ok)
      ++succeeded;
    else if (e && e->code == "invalid_path")
      ++refused;
  };
  const ProjectPath file = parsed("dir/file"), created = parsed("dir/created"), newdir = parsed("dir/newdir"),
                    renamed = parsed("dir/renamed"), only = parsed("dir/outside_only"), d = parsed("dir");
  long i = 0;
  for (; i < 2000 || ((succeeded == 0 || refused == 0) && i < 200000); ++i) {
    switch (i % 6) {
      case 0: {
        auto fd = guard().open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd.ok()) {
          EXPECT_EQ(::write(fd->get(), "x", 1), 1);
        }
        tally(fd.ok(), fd.ok() ? nullptr : &fd.error());
        break;
      }
      case 1: {
        auto fd = guard().open(created, O_WRONLY | O_CREAT, 0644);
        tally(fd.ok(), fd.ok() ? nullptr : &fd.error());
        if (auto p = guard().open_parent(created)) ::unlinkat(p->dir.get(), p->name.c_str(), 0);
        break;
      }
      case 2: {
        auto p = guard().open_parent(newdir);
        tally(p.ok(), p.ok() ? nullptr : &p.error());
        if (p.ok() && ::mkdirat(p->dir.get(), "newdir", 0755) == 0) ::unlinkat(p->dir.get(), "newdir", AT_REMOVEDIR);
        break;
      }
      case 3: {
        auto p = guard().open_parent(file);
        tally(p.ok(), p.ok() ? nullptr : &p.error());
        if (p.ok()) ::unlinkat(p->dir.get(), "file", 0);
        break;
      }
      case 4: {
        auto from = guard().open_parent(file);
        auto to = guard().open_parent(renamed);
        tally(from.ok() && to.ok(), from.ok() ? (to.ok() ? nullptr : &to.error()) : &from.error());
        if (from.ok() && to.ok() && ::renameat2(from->dir.get(), "file", to->dir.get(), "renamed", 0) == 0)
          ::renameat2(to->dir.get(), "renamed", from->dir.get(), "file", 0);
        break;
      }
      case 5: {
        EXPECT_FALSE(guard().open(only, O_RDONLY | O_NONBLOCK).ok());  // exists only outside
        auto fd = guard().open(d, O_RDONLY | O_DIRECTORY);
        tally(fd.ok(), fd.ok() ? nullptr : &fd.error());
        if (fd.ok()) {
          auto names = list_fd(std::move(fd).value());
          EXPECT_EQ(std::count(names.begin(), names.end(), "outside_only"), 0);
        }
        break;
      }
    }
  }
  stop = true;
  swapper.join();
  std::printf("  %ld iterations, %ld swaps: %ld succeeded inside, %ld refused\n", i, swaps.load(), succeeded, refused);
  EXPECT_GT(swaps.load(), 0);
  EXPECT_GT(succeeded, 0);  // the race was really run both ways
  EXPECT_GT(refused, 0);
  EXPECT_EQ(snapshot_outside(), before_);
}

// Both modes give the same answer, error message included, for the corpus
// (in the walk instance this compares the walk with itself).
TEST_P(PathGuardTest, BothModesAgree) {
  auto walk = PathGuard::create(root_, Resolve::walk);
  ASSERT_TRUE(walk.ok());
  auto outcome = [](const auto& r) -> std::string {
    if (!r.ok()) return r.error().code + ": " + r.error().message;
    return "ok";
  };
  auto inode = [](int fd) {
    struct stat st {};
    ::fstat(fd, &st);
    return " " + std::to_string(st.st_ino);
  };
  std::vector<std::string> paths = escapes();
  for (std::string p : {"", "file", "sub", "sub/a.txt", "dir/file", "missing", "file/x", "sub/missing/x", "file/"})
    paths.push_back(p);
  for (const auto& text : paths) {
    ProjectPath path = parsed(text);
    for (int flags :
         {O_RDONLY | O_NONBLOCK, O_RDONLY | O_DIRECTORY, O_WRONLY | O_NONBLOCK, O_PATH, O_PATH | O_DIRECTORY}) {
      auto a = guard().open(path, flags);
      auto b = walk->open(path, flags);
      EXPECT_EQ(outcome(a) + (a.ok() ? inode(a->get()) : ""), outcome(b) + (b.ok() ? inode(b->get()) : ""))
          << text << " flags " << flags;
    }
    auto pa = guard().open_parent(path);
    auto pb = walk->open_parent(path);
    EXPECT_EQ(outcome(pa) + (pa.ok() ? inode(pa->dir.get()) + pa->name : ""),
              outcome(pb) + (pb.ok() ? inode(pb->dir.get()) + pb->name : ""))
        << text;
    auto sa = guard().lstat(path);
    auto sb = walk->lstat(path);
    EXPECT_EQ(outcome(sa) + (sa.ok() ? " " + std::to_string(sa->st_ino) : ""),
              outcome(sb) + (sb.ok() ? " " + std::to_string(sb->st_ino) : ""))
        << text;
  }
  EXPECT_EQ(snapshot_outside(), before_);
}

INSTANTIATE_TEST_SUITE_P(Modes, PathGuardTest, testing::Values(Resolve::automatic, Resolve::walk),
                         [](const auto& info) { return info.param == Resolve::automatic ? "openat2" : "walk"; });

}  // namespace
