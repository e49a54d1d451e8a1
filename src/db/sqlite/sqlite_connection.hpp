#pragma once
// SqlConnection over one SQLite handle: the embedded default (DESIGN §6).
//
// The database file is ATTACHed as schema `berth` to an in-memory main
// database, so the repositories' `berth.<table>` names mean the same thing
// here as in PostgreSQL's `berth` schema. WAL lets readers run beside the one
// writer; busy_timeout makes writers queue instead of failing.
#include <memory>
#include <string>

#include "db/sql.hpp"

struct sqlite3;

namespace berth::db {

class SqliteConnection final : public SqlConnection {
 public:
  // Opens (creating if needed) the database file at `path`.
  static Result<std::unique_ptr<SqliteConnection>> open(const std::string& path);
  ~SqliteConnection() override;
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  Result<Rows> exec(std::string_view sql, const std::vector<SqlValue>& params = {}) override;
  Dialect dialect() const override { return Dialect::sqlite; }

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  Status configure(const std::string& path);

  sqlite3* db_;
};

}  // namespace berth::db
