// FileSync::keep_within_budget (file_sync.hpp): a node keeps the mirrors of
// projects it closed, so the next open there downloads only what changed;
// past BERTH_MIRROR_BUDGET the least recently used go. The project's
// directory's mtime is its last use: open and close touch it.
#include <spdlog/spdlog.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "workspace/container_plan.hpp"
#include "workspace/file_sync.hpp"
#include "workspace/file_sync_project.hpp"
#include "workspace/workspace.hpp"

namespace berth::workspace {
namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

struct OnDisk {
  std::string project_id;
  std::uint64_t bytes = 0;  // allocated, not apparent: an image is preallocated
  std::int64_t last_used = 0;
};

std::uint64_t allocated(const fs::path& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 ? std::uint64_t(st.st_blocks) * 512 : 0;
}

// Each project directory, what it holds on the host's disk: the image (or,
// without quotas, the files) and when it was last used.
std::vector<OnDisk> project_disks(const std::string& projects_dir) {
  std::vector<OnDisk> out;
  std::error_code ec;
  for (const auto& dir : fs::directory_iterator(projects_dir, ec)) {
    if (!dir.is_directory(ec)) continue;
    OnDisk d{dir.path().filename().string()};
    struct stat st {};
    if (::lstat(dir.path().c_str(), &st) == 0) d.last_used = st.st_mtim.tv_sec;
    auto image = dir.path() / "disk.img";
    if (fs::exists(image, ec)) {
      d.bytes = allocated(image);
    } else {
      for (auto it = fs::recursive_directory_iterator(dir.path(), fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        d.bytes += allocated(it->path());
    }
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace

bool mark_used(const RuntimeOptions& options, const std::string& project_id) {
  return ::utimensat(AT_FDCWD, project_dir(options, project_id).c_str(), nullptr, 0) == 0;
}

asio::awaitable<void> FileSync::keep_within_budget() {
  if (!mirror_budget_) co_return;
  const auto& options = workspaces_.options();
  auto disks = co_await workers_.run([&] { return project_disks(options.data_dir + "/projects"); });
  std::uint64_t total = 0;
  for (auto& d : disks) total += d.bytes;
  if (total <= mirror_budget_) co_return;
  std::sort(disks.begin(), disks.end(), [](auto& a, auto& b) { return a.last_used < b.last_used; });
  for (const auto& d : disks) {
    if (total <= mirror_budget_) break;
    if (in_use_ && in_use_(d.project_id)) continue;
    auto p = project(d.project_id);
    auto guard = co_await p->open_lock.lock();  // no open starts while it goes
    if (p->opened) continue;
    auto evicted = co_await workers_.run([&]() -> Result<bool> {
      auto left = state(d.project_id);
      if (!left) return left.error();
      if (left->pending > 0 || !left->failed.empty()) return false;  // storage has not got everything
      if (auto removed = workspaces_.remove(d.project_id); !removed) return removed.error();
      if (auto forgot = journal_.forget_project(d.project_id); !forgot) return forgot.error();
      return true;
    });
    if (!evicted) {
      spdlog::warn("project {}: cannot evict its mirror: {}", d.project_id, evicted.error().message);
    } else if (*evicted) {
      total -= d.bytes;
      spdlog::info("project {}: evicted its mirror ({} MiB) to stay within BERTH_MIRROR_BUDGET; its next open "
                   "downloads it again", d.project_id, d.bytes >> 20);
    }
  }
  if (total > mirror_budget_)
    spdlog::warn("project disks hold {} MiB, over BERTH_MIRROR_BUDGET ({} MiB): the rest are open, in use or not yet "
                 "in storage", total >> 20, mirror_budget_ >> 20);
}

}  // namespace berth::workspace
