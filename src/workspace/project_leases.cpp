#include "workspace/project_leases.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/atomic_file.hpp"
#include "core/encoding.hpp"
#include "db/clock.hpp"

namespace berth::workspace {
namespace asio = boost::asio;

ProjectLeases::ProjectLeases(asio::any_io_executor executor, WorkerPool& workers, db::Database& db, std::string node,
                             std::chrono::milliseconds lease)
    : workers_(workers),
      db_(db),
      node_(std::move(node)),
      lease_(lease),
      renewals_(executor, lease / 3, [this] { return renew_all(); }) {}

asio::awaitable<Status> ProjectLeases::claim(std::string project_id) {
  auto now = db::now_ms();
  auto claimed = co_await workers_.run([&] { return db_.projects().claim(project_id, node_, now, now + lease_.count()); });
  if (claimed) {
    std::lock_guard lock(mu_);
    held_.insert(project_id);
  }
  co_return claimed;
}

asio::awaitable<void> ProjectLeases::release(std::string project_id) {
  {
    std::lock_guard lock(mu_);
    if (!held_.erase(project_id)) co_return;
  }
  auto released = co_await workers_.run([&] { return db_.projects().release(project_id, node_); });
  if (!released) spdlog::warn("project {}: cannot release its lease: {}", project_id, released.error().message);
}

bool ProjectLeases::holds(const std::string& project_id) const {
  std::lock_guard lock(mu_);
  return held_.count(project_id) > 0;
}

asio::awaitable<void> ProjectLeases::renew_all() {
  std::set<std::string> held;
  {
    std::lock_guard lock(mu_);
    held = held_;
  }
  for (const auto& id : held) {
    auto now = db::now_ms();
    auto renewed = co_await workers_.run([&] { return db_.projects().claim(id, node_, now, now + lease_.count()); });
    // Lost (this node stalled past its lease and another took over) or the
    // database is down: said loudly; the next open here claims it again.
    if (!renewed) spdlog::error("project {}: cannot renew its lease: {}", id, renewed.error().message);
  }
}

Result<std::string> node_identity(const std::string& configured, const std::string& data_dir) {
  if (!configured.empty()) return configured;
  auto path = std::filesystem::path(data_dir) / "node-id";
  if (std::ifstream in(path); in) {
    std::string id;
    std::getline(in, id);
    if (!id.empty()) return id;
  }
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::string id = std::string(host) + "-" + random_token(6);
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  auto file = AtomicFile::create(path.string());
  if (!file) return file.error();
  if (auto w = file->write(id + "\n"); !w) return w.error();
  if (auto c = file->commit(); !c) return c.error();
  return id;
}

}  // namespace berth::workspace
