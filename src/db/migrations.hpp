#pragma once
// The database schema as one numbered list of migrations, shared by both
// engines; a statement carries a PostgreSQL variant only where the dialects
// differ. Applied versions are recorded in berth.schema_migrations.
#include <string_view>
#include <vector>

#include "db/sql.hpp"

namespace berth::db {

struct MigrationStatement {
  std::string_view sqlite;
  std::string_view postgres = {};  // empty: same text as sqlite
};

struct Migration {
  int version;
  std::string_view name;
  std::vector<MigrationStatement> statements;
};

// Every migration, in version order. Append only: never edit a shipped one.
const std::vector<Migration>& migrations();

// Brings the schema up to date in one transaction under a lock
// (PostgreSQL: pg_advisory_xact_lock, which a transaction-mode pooler keeps
// on one server connection; SQLite: BEGIN IMMEDIATE). Safe to run from
// several processes at once and again and again.
Status migrate(SqlConnection& connection);

}  // namespace berth::db
