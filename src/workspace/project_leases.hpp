#pragma once
// One node has a project open at a time (DESIGN §6): the project's row
// names the node and how long its lease runs. A node claims the lease when
// it opens a project's files, renews every lease it holds a third of the
// way through, and lets go when the project closes. Another node sharing
// the database and the bucket is refused (conflict) while the lease is live
// and takes the project over once it has lapsed, so a node that died holds
// nothing for longer than one lease.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <mutex>
#include <set>
#include <string>

#include "core/periodic.hpp"
#include "core/result.hpp"
#include "core/worker_pool.hpp"
#include "db/database.hpp"

namespace berth::workspace {

class ProjectLeases {
 public:
  ProjectLeases(boost::asio::any_io_executor executor, WorkerPool& workers, db::Database& db, std::string node,
                std::chrono::milliseconds lease);

  const std::string& node() const { return node_; }
  // Claims (or renews) the project's lease and keeps renewing it until released.
  boost::asio::awaitable<Status> claim(std::string project_id);
  boost::asio::awaitable<void> release(std::string project_id);
  bool holds(const std::string& project_id) const;
  // The renewal loop; stops at shutdown. Leases then lapse by themselves: a
  // restart of this node (same node id) claims its own again at once.
  void start() { renewals_.start(); }
  void shutdown() { renewals_.stop(); }

 private:
  boost::asio::awaitable<void> renew_all();

  WorkerPool& workers_;
  db::Database& db_;
  std::string node_;
  std::chrono::milliseconds lease_;
  mutable std::mutex mu_;
  std::set<std::string> held_;
  Periodic renewals_;  // last: its rounds use the members above
};

// This node's name in leases: BERTH_NODE_ID, else one made once and kept in
// the data folder, so a restart is the same node (its mirrors and journal
// are there) and two nodes never share one by accident.
Result<std::string> node_identity(const std::string& configured, const std::string& data_dir);

}  // namespace berth::workspace
