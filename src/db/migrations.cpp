#include "db/migrations.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <set>
#include <string>

namespace berth::db {
namespace {

// Any fixed number, the same in every Berth process: "berth" in ASCII.
constexpr std::string_view kLockSql = "SELECT pg_advisory_xact_lock(259531404660)";

// Tables are created as berth.<name>. Inside a migration REFERENCES and
// CREATE INDEX name tables bare: SQLite resolves them within the table's own
// (attached) database, PostgreSQL through the SET LOCAL search_path below.
const std::vector<Migration> kMigrations = {
    {1,
     "users, refresh tokens, templates, projects, members",
     {
         {R"(CREATE TABLE berth.users (
               id TEXT PRIMARY KEY,
               email TEXT UNIQUE,
               name TEXT NOT NULL DEFAULT '',
               password_hash TEXT,
               created_at BIGINT NOT NULL))"},
         {R"(CREATE TABLE berth.refresh_tokens (
               token_hash TEXT PRIMARY KEY,
               user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
               expires_at BIGINT NOT NULL,
               created_at BIGINT NOT NULL))"},
         {"CREATE INDEX berth.refresh_tokens_user_id ON refresh_tokens(user_id)",
          "CREATE INDEX refresh_tokens_user_id ON refresh_tokens(user_id)"},
         {R"(CREATE TABLE berth.templates (
               id TEXT PRIMARY KEY,
               name TEXT NOT NULL,
               description TEXT NOT NULL DEFAULT '',
               image TEXT NOT NULL,
               created_at BIGINT NOT NULL))"},
         {R"(CREATE TABLE berth.projects (
               id TEXT PRIMARY KEY,
               name TEXT NOT NULL,
               description TEXT NOT NULL DEFAULT '',
               template_id TEXT NOT NULL REFERENCES templates(id),
               owner_id TEXT NOT NULL REFERENCES users(id),
               status TEXT NOT NULL DEFAULT 'stopped',
               node TEXT,
               created_at BIGINT NOT NULL,
               updated_at BIGINT NOT NULL))"},
         {"CREATE INDEX berth.projects_owner_id ON projects(owner_id)",
          "CREATE INDEX projects_owner_id ON projects(owner_id)"},
         {R"(CREATE TABLE berth.project_members (
               project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
               user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
               role TEXT NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
               created_at BIGINT NOT NULL,
               PRIMARY KEY (project_id, user_id)))"},
         {"CREATE INDEX berth.project_members_user_id ON project_members(user_id)",
          "CREATE INDEX project_members_user_id ON project_members(user_id)"},
         {R"(INSERT INTO berth.templates (id, name, description, image, created_at) VALUES
               ('blank', 'Blank', 'An empty project', 'berth-workspace:latest', 0),
               ('node', 'Node.js', 'A Node.js project with npm', 'berth-workspace:latest', 0),
               ('python', 'Python', 'A Python 3 project', 'berth-workspace:latest', 0))"},
     }},
    {2,
     "the static-web template",
     {
         {R"(INSERT INTO berth.templates (id, name, description, image, created_at) VALUES
               ('static-web', 'Static web page', 'HTML, CSS and JavaScript', 'berth-workspace:latest', 0)
               ON CONFLICT (id) DO NOTHING)"},
     }},
    {3,
     "project leases: the node that has a project open, until when",
     {
         {"ALTER TABLE berth.projects ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0"},
     }},
};

Status apply_pending(SqlConnection& c) {
  const bool pg = c.dialect() == Dialect::postgres;
  if (pg) {
    if (auto r = c.exec(kLockSql); !r) return r.error();
    // Checked first: CREATE SCHEMA IF NOT EXISTS still needs the CREATE
    // privilege on the database, which a restricted role may lack.
    auto schema = c.exec("SELECT 1 FROM pg_namespace WHERE nspname = 'berth'");
    if (!schema) return schema.error();
    if (schema->empty()) {
      if (auto r = c.exec("CREATE SCHEMA berth"); !r) return r.error();
    }
    if (auto r = c.exec("SET LOCAL search_path TO berth"); !r) return r.error();
  }
  if (auto r = c.exec(R"(CREATE TABLE IF NOT EXISTS berth.schema_migrations (
                           version BIGINT PRIMARY KEY,
                           name TEXT NOT NULL,
                           applied_at BIGINT NOT NULL))");
      !r) {
    return r.error();
  }
  auto applied_rows = c.exec("SELECT version FROM berth.schema_migrations");
  if (!applied_rows) return applied_rows.error();
  std::set<std::int64_t> applied;
  for (const auto& row : *applied_rows) applied.insert(row.int64("version"));

  const auto now =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  for (const auto& m : kMigrations) {
    if (applied.count(m.version)) continue;
    for (const auto& s : m.statements) {
      auto sql = pg && !s.postgres.empty() ? s.postgres : s.sqlite;
      if (auto r = c.exec(sql); !r) {
        return make_error(r.error().code, "migration " + std::to_string(m.version) + " failed: " + r.error().message);
      }
    }
    if (auto r = c.exec("INSERT INTO berth.schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                        {std::int64_t{m.version}, std::string(m.name), std::int64_t{now}});
        !r) {
      return r.error();
    }
    spdlog::info("database: applied migration {} ({})", m.version, m.name);
  }
  if (!applied.empty() && *applied.rbegin() > kMigrations.back().version) {
    // A newer Berth migrated this database (a rolling upgrade, or a
    // downgrade): carry on, the schema only ever grows.
    spdlog::warn("database: schema version {} is newer than this build knows ({})", *applied.rbegin(),
                 kMigrations.back().version);
  }
  return Ok{};
}

}  // namespace

const std::vector<Migration>& migrations() { return kMigrations; }

Status migrate(SqlConnection& c) {
  if (auto r = c.exec(c.dialect() == Dialect::sqlite ? "BEGIN IMMEDIATE" : "BEGIN"); !r) return r.error();
  auto status = apply_pending(c);
  if (!status) {
    (void)c.exec("ROLLBACK");
    return status;
  }
  if (auto r = c.exec("COMMIT"); !r) {
    (void)c.exec("ROLLBACK");
    return r.error();
  }
  return Ok{};
}

}  // namespace berth::db
