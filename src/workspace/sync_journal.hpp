#pragma once
// The node-local record of what storage still has to learn (DESIGN §1
// "Editor writes a file", §6): a SQLite file `<data>/sync/journal.db` in WAL
// mode with synchronous=FULL, so a row is on disk when record() returns.
// A change is acknowledged to its writer only after that.
//
// The journal holds *dirty paths*, not operations: the uploader makes the
// object at a dirty path match whatever the mirror holds there now (a file:
// upload it; nothing: delete the object and everything under it; a folder:
// both, for what is below). A rename dirties its source and its target.
// That makes a crash harmless (the mirror is the truth, the row says where
// to look) and coalesces repeated writes for free.
//
// Beside it, `synced` is the node's view of storage: for each path the
// uploader or an open stored, its kind, etag, SHA-256, size and mode. Open
// compares storage's listing with it to download only what changed, and
// the project manifest (empty folders, modes, symlinks) is derived from it.
//
// Group commit: concurrent record() calls share one transaction; the first
// waiter commits for everyone queued behind it. Blocking: call from the
// WorkerPool. Thread-safe.
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "db/sqlite/sqlite_connection.hpp"
#include "workspace/sync_state.hpp"

namespace berth::workspace {

struct DirtyPath {
  std::string path;       // project-relative, "" for the whole project
  std::int64_t upto = 0;  // the newest row for it: settle() removes up to here
};

struct SyncedEntry {
  std::string kind;  // file | dir | symlink
  std::string etag;  // storage's, files only
  std::string sha256;
  std::uint64_t size = 0;
  unsigned mode = 0644;
  std::string target;  // symlinks
};


class SyncJournal {
 public:
  static Result<std::unique_ptr<SyncJournal>> open(const std::string& file);

  // Remembers where a project's objects live, so a restart can resume its
  // uploads before anyone opens it again.
  Status set_prefix(const std::string& project_id, const std::string& prefix);
  Result<std::string> prefix_of(const std::string& project_id);

  // Durable on return.
  Status record(const std::string& project_id, const std::vector<std::string>& paths);
  // The oldest dirty paths of a project, one row per path.
  Result<std::vector<DirtyPath>> pending(const std::string& project_id, std::size_t limit);
  Result<std::size_t> pending_count(const std::string& project_id);
  Result<std::vector<std::string>> projects_with_pending();
  // The path's rows up to `upto` are done; a later write added a newer row.
  Status settle(const std::string& project_id, const DirtyPath& dirty);
  // Never uploadable as it is: shown to the user until the path is written
  // again (the caller settles the row that asked for it).
  Status park(const std::string& project_id, const std::string& path, const std::string& code,
              const std::string& message);
  Status unpark(const std::string& project_id, const std::string& path);
  Result<std::vector<ParkedPath>> parked(const std::string& project_id);
  // Everything about a deleted project.
  Status forget_project(const std::string& project_id);

  // The synced view, all of a project's or what is at/below `path`.
  Result<std::map<std::string, SyncedEntry>> synced(const std::string& project_id, const std::string& under = "");
  Status set_synced(const std::string& project_id, const std::string& path, const SyncedEntry& entry);
  Status forget_synced(const std::string& project_id, const std::string& path);

 private:
  explicit SyncJournal(std::unique_ptr<db::SqliteConnection> db) : db_(std::move(db)) {}
  Result<db::Rows> exec(std::string_view sql, const std::vector<db::SqlValue>& params = {});
  Status commit_group(std::vector<std::pair<std::string, std::vector<std::string>>> batch);

  std::mutex mu_;  // the connection, one statement at a time
  std::unique_ptr<db::SqliteConnection> db_;

  // Group commit state.
  std::mutex group_mu_;
  std::condition_variable group_cv_;
  std::vector<std::pair<std::string, std::vector<std::string>>> queued_;
  std::uint64_t next_group_ = 1, committed_group_ = 0;
  bool committing_ = false;
  std::map<std::uint64_t, std::size_t> waiters_;  // group → callers still to read its result
  std::map<std::uint64_t, Status> results_;
};

}  // namespace berth::workspace
