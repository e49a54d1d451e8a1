#include "workspace/sync_journal.hpp"

#include <filesystem>

#include "db/clock.hpp"

namespace berth::workspace {

namespace {

const char* kSchema[] = {
    "CREATE TABLE IF NOT EXISTS berth.sync_projects(project_id TEXT PRIMARY KEY, prefix TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS berth.sync_pending(id INTEGER PRIMARY KEY AUTOINCREMENT, project_id TEXT NOT NULL, "
    "path TEXT NOT NULL, recorded_ms INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS berth.sync_pending_by_path ON sync_pending(project_id, path)",
    "CREATE TABLE IF NOT EXISTS berth.sync_parked(project_id TEXT NOT NULL, path TEXT NOT NULL, code TEXT NOT NULL, "
    "message TEXT NOT NULL, PRIMARY KEY(project_id, path))",
    "CREATE TABLE IF NOT EXISTS berth.sync_synced(project_id TEXT NOT NULL, path TEXT NOT NULL, kind TEXT NOT NULL, "
    "etag TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL, mode INTEGER NOT NULL, target TEXT NOT NULL, "
    "PRIMARY KEY(project_id, path))",
};

// `path` itself and everything below it; "" is everything. '0' follows '/'.
std::string below_clause() { return "(path = $2 OR $2 = '' OR (path >= $2 || '/' AND path < $2 || '0'))"; }

}  // namespace

Result<std::unique_ptr<SyncJournal>> SyncJournal::open(const std::string& file) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(file).parent_path(), ec);
  auto db = db::SqliteConnection::open(file);
  if (!db) return make_error(db.error().code, "cannot open the sync journal: " + db.error().message);
  // FULL: in WAL mode NORMAL skips the fsync at commit, and a row lost in a
  // power cut would be an acknowledged write that never reaches storage.
  if (auto r = (*db)->exec("PRAGMA berth.synchronous=FULL"); !r) return r.error();
  for (const char* sql : kSchema)
    if (auto r = (*db)->exec(sql); !r) return r.error();
  return std::unique_ptr<SyncJournal>(new SyncJournal(std::move(*db)));
}

Result<db::Rows> SyncJournal::exec(std::string_view sql, const std::vector<db::SqlValue>& params) {
  std::lock_guard lock(mu_);
  return db_->exec(sql, params);
}

Status SyncJournal::set_prefix(const std::string& project_id, const std::string& prefix) {
  auto r = exec("INSERT INTO berth.sync_projects(project_id, prefix) VALUES ($1, $2) "
                "ON CONFLICT(project_id) DO UPDATE SET prefix = excluded.prefix",
                {project_id, prefix});
  if (!r) return r.error();
  return Ok{};
}

Result<std::string> SyncJournal::prefix_of(const std::string& project_id) {
  auto r = exec("SELECT prefix FROM berth.sync_projects WHERE project_id = $1", {project_id});
  if (!r) return r.error();
  if (r->empty()) return make_error("not_found", "the journal does not know project " + project_id);
  return r->front().text("prefix");
}

Status SyncJournal::record(const std::string& project_id, const std::vector<std::string>& paths) {
  if (paths.empty()) return Ok{};
  std::unique_lock lock(group_mu_);
  queued_.emplace_back(project_id, paths);
  const std::uint64_t mine = next_group_;
  ++waiters_[mine];
  while (committed_group_ < mine) {
    if (committing_) {
      group_cv_.wait(lock);
      continue;
    }
    // Lead: commit everything queued so far, for every waiter behind it.
    committing_ = true;
    auto batch = std::move(queued_);
    queued_.clear();
    const std::uint64_t group = next_group_++;
    lock.unlock();
    Status done = commit_group(std::move(batch));
    lock.lock();
    results_.emplace(group, std::move(done));
    committed_group_ = group;
    committing_ = false;
    group_cv_.notify_all();
  }
  Status result = results_.at(mine);
  if (--waiters_[mine] == 0) {
    waiters_.erase(mine);
    results_.erase(mine);
  }
  return result;
}

Status SyncJournal::commit_group(std::vector<std::pair<std::string, std::vector<std::string>>> batch) {
  std::lock_guard lock(mu_);
  if (auto r = db_->exec("BEGIN IMMEDIATE"); !r) return r.error();
  auto now = db::now_ms();
  for (auto& [project_id, paths] : batch)
    for (auto& path : paths) {
      auto a = db_->exec("INSERT INTO berth.sync_pending(project_id, path, recorded_ms) VALUES ($1, $2, $3)",
                         {project_id, path, now});
      // Written again: whatever parked it may be gone.
      auto b = a ? db_->exec("DELETE FROM berth.sync_parked WHERE project_id = $1 AND path = $2", {project_id, path})
                 : a;
      if (!b) {
        (void)db_->exec("ROLLBACK");
        return b.error();
      }
    }
  if (auto r = db_->exec("COMMIT"); !r) {
    (void)db_->exec("ROLLBACK");
    return r.error();
  }
  return Ok{};
}

Result<std::vector<DirtyPath>> SyncJournal::pending(const std::string& project_id, std::size_t limit) {
  auto r = exec("SELECT path, MAX(id) AS upto, MIN(id) AS first FROM berth.sync_pending WHERE project_id = $1 "
                "GROUP BY path ORDER BY first LIMIT $2",
                {project_id, std::int64_t(limit)});
  if (!r) return r.error();
  std::vector<DirtyPath> out;
  for (auto& row : *r) out.push_back({row.text("path"), row.int64("upto")});
  return out;
}

Result<std::size_t> SyncJournal::pending_count(const std::string& project_id) {
  auto r = exec("SELECT COUNT(DISTINCT path) AS n FROM berth.sync_pending WHERE project_id = $1", {project_id});
  if (!r) return r.error();
  return std::size_t(r->front().int64("n"));
}

Result<std::vector<std::string>> SyncJournal::projects_with_pending() {
  auto r = exec("SELECT DISTINCT project_id FROM berth.sync_pending");
  if (!r) return r.error();
  std::vector<std::string> out;
  for (auto& row : *r) out.push_back(row.text("project_id"));
  return out;
}

Status SyncJournal::settle(const std::string& project_id, const DirtyPath& dirty) {
  auto r = exec("DELETE FROM berth.sync_pending WHERE project_id = $1 AND path = $2 AND id <= $3",
                {project_id, dirty.path, dirty.upto});
  if (!r) return r.error();
  return Ok{};
}

Status SyncJournal::park(const std::string& project_id, const std::string& path, const std::string& code,
                         const std::string& message) {
  auto r = exec("INSERT INTO berth.sync_parked(project_id, path, code, message) VALUES ($1, $2, $3, $4) "
                "ON CONFLICT(project_id, path) DO UPDATE SET code = excluded.code, message = excluded.message",
                {project_id, path, code, message});
  if (!r) return r.error();
  return Ok{};
}

Status SyncJournal::unpark(const std::string& project_id, const std::string& path) {
  auto r = exec("DELETE FROM berth.sync_parked WHERE project_id = $1 AND path = $2", {project_id, path});
  if (!r) return r.error();
  return Ok{};
}

Result<std::vector<ParkedPath>> SyncJournal::parked(const std::string& project_id) {
  auto r = exec("SELECT path, code, message FROM berth.sync_parked WHERE project_id = $1 ORDER BY path", {project_id});
  if (!r) return r.error();
  std::vector<ParkedPath> out;
  for (auto& row : *r) out.push_back({row.text("path"), row.text("code"), row.text("message")});
  return out;
}

Status SyncJournal::forget_project(const std::string& project_id) {
  for (const char* table : {"sync_pending", "sync_parked", "sync_synced", "sync_projects"}) {
    auto r = exec(std::string("DELETE FROM berth.") + table + " WHERE project_id = $1", {project_id});
    if (!r) return r.error();
  }
  return Ok{};
}

Result<std::map<std::string, SyncedEntry>> SyncJournal::synced(const std::string& project_id,
                                                               const std::string& under) {
  auto r = exec("SELECT path, kind, etag, sha256, size, mode, target FROM berth.sync_synced WHERE project_id = $1 AND " +
                    below_clause(),
                {project_id, under});
  if (!r) return r.error();
  std::map<std::string, SyncedEntry> out;
  for (auto& row : *r)
    out[row.text("path")] = SyncedEntry{row.text("kind"),           row.text("etag"),
                                        row.text("sha256"),         std::uint64_t(row.int64("size")),
                                        unsigned(row.int64("mode")), row.text("target")};
  return out;
}

Status SyncJournal::set_synced(const std::string& project_id, const std::string& path, const SyncedEntry& e) {
  auto r = exec("INSERT INTO berth.sync_synced(project_id, path, kind, etag, sha256, size, mode, target) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT(project_id, path) DO UPDATE SET "
                "kind = excluded.kind, etag = excluded.etag, sha256 = excluded.sha256, size = excluded.size, "
                "mode = excluded.mode, target = excluded.target",
                {project_id, path, e.kind, e.etag, e.sha256, std::int64_t(e.size), std::int64_t(e.mode), e.target});
  if (!r) return r.error();
  return Ok{};
}

Status SyncJournal::forget_synced(const std::string& project_id, const std::string& path) {
  auto r = exec("DELETE FROM berth.sync_synced WHERE project_id = $1 AND path = $2", {project_id, path});
  if (!r) return r.error();
  return Ok{};
}

}  // namespace berth::workspace
