#pragma once
// Changes made inside the container (`touch`, `git checkout`, `npm
// install`, a compiler) seen through inotify on the mirrors (DESIGN §1):
//   - one inotify descriptor for the whole process, read on the I/O
//     executor; each watched project has a watch on every folder of its
//     mirror but those .berthignore keeps local (node_modules/ ...), and new
//     folders are watched, and walked, as they appear;
//   - events only mark paths; once per window (15 ms) a project's marked
//     paths go to Workspace::absorb on the worker pool, which compares them
//     with what Berth knows (so Berth's own writes never echo), journals
//     them for the uploader and publishes one batch: at most one
//     `fs:changed` per window and project;
//   - a queue overflow (IN_Q_OVERFLOW) loses events: every watched project
//     is walked again and compared whole (rescan_all()).
// A project is watched from the end of its open (FileSync::open) until it
// is deleted.
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/result.hpp"
#include "core/unique_fd.hpp"
#include "core/worker_pool.hpp"
#include "workspace/workspace.hpp"

namespace berth::workspace {

class MirrorWatcher {
 public:
  MirrorWatcher(boost::asio::any_io_executor executor, WorkerPool& workers, Workspaces& workspaces,
                std::chrono::milliseconds window = std::chrono::milliseconds(15));
  ~MirrorWatcher();

  // Opens the inotify descriptor and starts reading it.
  Status start();
  // Snapshots the project's mirror and watches its folders. Blocking (it
  // walks the tree): call from the worker pool. Idempotent.
  Status watch(const std::string& project_id);
  // The same, queued on the worker pool; failures are logged.
  void watch_later(const std::string& project_id);
  void unwatch(const std::string& project_id);
  // What the reader hands over: raw inotify events. Public so that a test
  // can inject what the kernel sends rarely (IN_Q_OVERFLOW).
  void on_events(const char* data, std::size_t size);
  // What an overflow does: every project walked again and compared whole.
  void rescan_all();
  void shutdown();

  // How many folders are watched (for /metrics and tests).
  std::size_t watch_count() const;

 private:
  struct Project;
  struct Reader;
  void add_tree(Project& p, const std::string& rel_dir, ObservedPaths* seen);
  void schedule(const std::shared_ptr<Project>& p);
  void flush(std::shared_ptr<Project> p);

  boost::asio::any_io_executor executor_;
  WorkerPool& workers_;
  Workspaces& workspaces_;
  std::chrono::milliseconds window_;
  UniqueFd fd_;
  std::shared_ptr<Reader> reader_;

  mutable std::mutex mu_;
  struct Watched {
    std::string project_id;
    std::string dir;  // project-relative, "" for the root
  };
  std::map<int, Watched> by_wd_;
  std::map<std::string, std::shared_ptr<Project>> projects_;
  bool limit_warned_ = false;
};

}  // namespace berth::workspace
