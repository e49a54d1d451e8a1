#include "workspace/mirror_watcher.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstring>
#include <vector>

#include "core/log.hpp"
#include "workspace/ignore_rules.hpp"
#include "workspace/upload_plan.hpp"

namespace asio = boost::asio;

namespace berth::workspace {

namespace {

constexpr std::uint32_t kMask = IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO |
                                IN_ATTRIB | IN_DELETE_SELF | IN_EXCL_UNLINK | IN_ONLYDIR;

std::string join(const std::string& dir, const std::string& name) { return dir.empty() ? name : dir + "/" + name; }

bool under_or_at(const std::string& path, const std::string& dir) {
  return dir.empty() || path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                                        path[dir.size()] == '/');
}

}  // namespace

struct MirrorWatcher::Project {
  std::string id;
  std::string root;  // the mirror on the host
  std::shared_ptr<Workspace> ws;
  IgnoreRules rules = IgnoreRules::defaults();
  // Guarded by MirrorWatcher::mu_:
  ObservedPaths pending;
  std::vector<std::string> new_dirs;  // to watch and walk at the next flush
  bool scheduled = false;             // a window is running, or a flush
  bool gone = false;
};

struct MirrorWatcher::Reader {
  explicit Reader(asio::any_io_executor ex, int fd) : stream(ex, fd) {}
  asio::posix::stream_descriptor stream;
  std::array<char, 64 * 1024> buf{};
};

MirrorWatcher::MirrorWatcher(asio::any_io_executor executor, WorkerPool& workers, Workspaces& workspaces,
                             std::chrono::milliseconds window)
    : executor_(std::move(executor)), workers_(workers), workspaces_(workspaces), window_(window) {}

MirrorWatcher::~MirrorWatcher() { shutdown(); }

Status MirrorWatcher::start() {
  int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0)
    return make_error("internal", std::string("inotify_init1: ") + std::strerror(errno) +
                                      ": changes made inside containers reach storage only at the next open");
  reader_ = std::make_shared<Reader>(executor_, ::dup(fd));
  fd_.reset(fd);
  asio::co_spawn(
      executor_,
      [this, reader = reader_]() -> asio::awaitable<void> {
        for (;;) {
          auto [ec, n] = co_await reader->stream.async_read_some(asio::buffer(reader->buf),
                                                                 asio::as_tuple(asio::use_awaitable));
          if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) co_return;
          if (ec) {
            spdlog::warn("watcher: reading inotify failed ({}); changes made inside containers reach storage "
                         "only at the next open",
                         ec.message());
            co_return;
          }
          on_events(reader->buf.data(), n);
        }
      },
      asio::detached);
  return Ok{};
}

void MirrorWatcher::shutdown() {
  if (reader_) {
    boost::system::error_code ignored;
    reader_->stream.close(ignored);
    reader_.reset();
  }
  std::lock_guard lock(mu_);
  for (auto& [id, p] : projects_) p->gone = true;
  projects_.clear();
  by_wd_.clear();
  fd_.reset();
}

std::size_t MirrorWatcher::watch_count() const {
  std::lock_guard lock(mu_);
  return by_wd_.size();
}

Status MirrorWatcher::watch(const std::string& project_id) {
  if (!fd_) return make_error("internal", "the watcher is not running");
  {
    std::lock_guard lock(mu_);
    if (projects_.count(project_id)) return Ok{};
  }
  auto ws = workspaces_.open(project_id);
  if (!ws) return ws.error();
  auto p = std::make_shared<Project>();
  p->id = project_id;
  p->root = mirror_dir(workspaces_.options(), project_id);
  p->ws = *ws;
  p->rules = ignore_rules_of((*ws)->files());
  {
    std::lock_guard lock(mu_);
    if (!projects_.emplace(project_id, p).second) return Ok{};
  }
  // Watches first, then the snapshot: a change in between is in the
  // snapshot and its event compares equal, instead of being missed.
  add_tree(*p, "", nullptr);
  return (*ws)->snapshot();
}

void MirrorWatcher::watch_later(const std::string& project_id) {
  asio::co_spawn(
      executor_,
      [this, project_id]() -> asio::awaitable<void> {
        auto watched = co_await workers_.run([&] { return watch(project_id); });
        if (!watched) spdlog::warn("project {}: cannot watch its files: {}", project_id, watched.error().message);
      },
      asio::detached);
}

void MirrorWatcher::unwatch(const std::string& project_id) {
  std::lock_guard lock(mu_);
  auto it = projects_.find(project_id);
  if (it == projects_.end()) return;
  it->second->gone = true;
  projects_.erase(it);
  for (auto w = by_wd_.begin(); w != by_wd_.end();) {
    if (w->second.project_id != project_id) {
      ++w;
      continue;
    }
    ::inotify_rm_watch(fd_.get(), w->first);
    w = by_wd_.erase(w);
  }
}

// Walks rel_dir beneath the project's root without following any link
// (each level opened O_NOFOLLOW from its parent's descriptor) and watches
// every folder the rules do not keep local. With `seen`, what it finds is
// marked too: it appeared before its folder's watch could report it.
void MirrorWatcher::add_tree(Project& p, const std::string& rel_dir, ObservedPaths* seen) {
  struct Level {
    UniqueFd fd;
    std::string path;
  };
  UniqueFd start(::open(p.root.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  for (std::size_t from = 0; start && from < rel_dir.size();) {  // one name at a time: no link is followed
    auto slash = rel_dir.find('/', from);
    auto name = rel_dir.substr(from, slash == std::string::npos ? std::string::npos : slash - from);
    start.reset(::openat(start.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    from = slash == std::string::npos ? rel_dir.size() : slash + 1;
  }
  if (!start) return;
  std::vector<Level> stack;
  stack.push_back({std::move(start), rel_dir});
  while (!stack.empty()) {
    Level level = std::move(stack.back());
    stack.pop_back();
    std::string proc = "/proc/self/fd/" + std::to_string(level.fd.get());
    int wd = ::inotify_add_watch(fd_.get(), proc.c_str(), kMask);
    if (wd < 0) {
      std::lock_guard lock(mu_);
      if (errno == ENOSPC && !limit_warned_) {
        limit_warned_ = true;
        spdlog::warn("watcher: the inotify watch limit is reached (sysctl fs.inotify.max_user_watches): changes "
                     "made inside some containers reach storage only at their project's next open");
      }
      continue;
    }
    {
      std::lock_guard lock(mu_);
      if (p.gone) return;
      by_wd_[wd] = Watched{p.id, level.path};
    }
    int dup = ::dup(level.fd.get());
    DIR* d = dup >= 0 ? ::fdopendir(dup) : nullptr;
    if (!d) {
      if (dup >= 0) ::close(dup);
      continue;
    }
    while (auto* ent = ::readdir(d)) {
      std::string name = ent->d_name;
      if (name == "." || name == ".." || is_temporary_name(name)) continue;
      std::string path = join(level.path, name);
      struct stat st {};
      if (::fstatat(level.fd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      bool is_dir = S_ISDIR(st.st_mode);
      if (p.rules.ignored(path, is_dir)) continue;
      if (seen) seen->paths.insert(path);
      if (!is_dir) continue;
      UniqueFd child(::openat(level.fd.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (child) stack.push_back({std::move(child), path});
    }
    ::closedir(d);
  }
}

void MirrorWatcher::on_events(const char* data, std::size_t size) {
  std::vector<std::shared_ptr<Project>> touched;
  bool overflow = false;
  {
    std::lock_guard lock(mu_);
    struct MovedFrom {
      std::shared_ptr<Project> p;
      std::string path;
      bool is_dir;
    };
    std::map<std::uint32_t, MovedFrom> moved_from;
    for (std::size_t at = 0; at + sizeof(inotify_event) <= size;) {
      auto* ev = reinterpret_cast<const inotify_event*>(data + at);
      at += sizeof(inotify_event) + ev->len;
      if (ev->mask & IN_Q_OVERFLOW) {
        overflow = true;
        continue;
      }
      auto w = by_wd_.find(ev->wd);
      if (w == by_wd_.end()) continue;
      if (ev->mask & IN_IGNORED) {  // the folder is gone (or unmounted)
        by_wd_.erase(w);
        continue;
      }
      auto pit = projects_.find(w->second.project_id);
      if (pit == projects_.end()) continue;
      auto& p = pit->second;
      if (ev->len == 0) continue;  // about the folder itself: its parent reports it
      std::string name(ev->name);
      if (is_temporary_name(name)) continue;
      std::string path = join(w->second.dir, name);
      bool is_dir = ev->mask & IN_ISDIR;
      if (path == ".berthignore") p->rules = IgnoreRules::defaults();  // reloaded at the flush
      if (p->rules.ignored(path, is_dir)) continue;
      p->pending.paths.insert(path);
      if (ev->mask & IN_ATTRIB) p->pending.attributes.insert(path);
      if (ev->mask & IN_MOVED_FROM) moved_from[ev->cookie] = {p, path, is_dir};
      bool appeared = ev->mask & IN_CREATE;
      if (ev->mask & IN_MOVED_TO) {
        auto from = moved_from.find(ev->cookie);
        if (from != moved_from.end() && from->second.p == p) {
          p->pending.moves.emplace_back(from->second.path, path);
          if (is_dir) {  // its watches moved with it: only their names change
            for (auto& [wd, watched] : by_wd_)
              if (watched.project_id == p->id && under_or_at(watched.dir, from->second.path))
                watched.dir = path + watched.dir.substr(from->second.path.size());
          }
          moved_from.erase(from);
        } else {
          appeared = true;  // moved in from elsewhere
        }
      }
      if (appeared && is_dir) p->new_dirs.push_back(path);
      touched.push_back(p);
    }
    // Moved out of the mirror: stop watching what left.
    for (auto& [cookie, from] : moved_from)
      if (from.is_dir)
        for (auto w = by_wd_.begin(); w != by_wd_.end();) {
          if (w->second.project_id == from.p->id && under_or_at(w->second.dir, from.path)) {
            ::inotify_rm_watch(fd_.get(), w->first);
            w = by_wd_.erase(w);
          } else {
            ++w;
          }
        }
  }
  if (overflow) {
    spdlog::warn("watcher: the inotify queue overflowed; walking every watched project again");
    rescan_all();
  }
  for (auto& p : touched) schedule(p);
}

void MirrorWatcher::rescan_all() {
  std::vector<std::shared_ptr<Project>> all;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, p] : projects_) {
      p->new_dirs.push_back("");  // the whole mirror, watched again and compared
      all.push_back(p);
    }
  }
  for (auto& p : all) schedule(p);
}

void MirrorWatcher::schedule(const std::shared_ptr<Project>& p) {
  {
    std::lock_guard lock(mu_);
    if (p->scheduled || p->gone) return;
    p->scheduled = true;
  }
  asio::co_spawn(
      executor_,
      [this, p]() -> asio::awaitable<void> {
        asio::steady_timer timer(executor_, window_);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        co_await workers_.run([&] {
          flush(p);
          return 0;
        });
        bool again;
        {
          std::lock_guard lock(mu_);
          p->scheduled = false;
          again = !p->pending.empty() || !p->new_dirs.empty();
        }
        if (again) schedule(p);  // the next window: never two batches in one
      },
      asio::detached);
}

// On the worker pool.
void MirrorWatcher::flush(std::shared_ptr<Project> p) {
  ObservedPaths seen;
  std::vector<std::string> new_dirs;
  bool rules_changed;
  {
    std::lock_guard lock(mu_);
    if (p->gone) return;
    seen = std::move(p->pending);
    p->pending = {};
    new_dirs = std::move(p->new_dirs);
    p->new_dirs.clear();
    rules_changed = seen.paths.count(".berthignore") > 0;
  }
  IgnoreRules rules = rules_changed ? ignore_rules_of(p->ws->files()) : IgnoreRules::defaults();
  {
    std::lock_guard lock(mu_);
    if (rules_changed) p->rules = rules;
    rules = p->rules;
  }
  for (auto& dir : new_dirs) {
    add_tree(*p, dir, &seen);
    if (dir.empty()) p->ws->known_paths(seen.paths);  // a full walk: what is gone counts too
  }
  auto absorbed = p->ws->absorb(seen, rules);
  if (!absorbed)
    spdlog::warn("project {}: cannot journal changes made in its container: {}", p->id, absorbed.error().message);
}

}  // namespace berth::workspace
