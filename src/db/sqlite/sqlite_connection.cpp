#include "db/sqlite/sqlite_connection.hpp"

#include <sqlite3.h>

#include <chrono>
#include <cstdlib>
#include <thread>

namespace berth::db {
namespace {

constexpr int kBusyTimeoutMs = 5000;

Error sqlite_error(sqlite3* db, int rc, std::string_view sql) {
  std::string message = std::string(sqlite3_errmsg(db)) + " (in: " + std::string(sql.substr(0, 120)) + ")";
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY: return make_error("conflict", std::move(message));
    case SQLITE_CONSTRAINT_FOREIGNKEY: return make_error(foreign_key_error_code(sql), std::move(message));
    default: break;
  }
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT: return make_error("bad_request", std::move(message));
    case SQLITE_FULL: return make_error("disk_full", "the disk is full: " + message);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return make_error("unavailable",
                        "the database stayed locked for " + std::to_string(kBusyTimeoutMs) + " ms: " + message);
    default: return make_error("internal", "sqlite: " + message);
  }
}

struct StatementDeleter {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

bool is_blank(std::string_view s) { return s.find_first_not_of(" \t\r\n;") == std::string_view::npos; }

}  // namespace

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::open(const std::string& path) {
  sqlite3* db = nullptr;
  // NOMUTEX: the pool hands a connection to one thread at a time.
  int rc = sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<SqliteConnection> connection(new SqliteConnection(db));
  if (rc != SQLITE_OK)
    return make_error("internal", "sqlite: cannot open a connection: " + std::string(sqlite3_errstr(rc)));
  if (auto configured = connection->configure(path); !configured) return configured.error();
  return connection;
}

Status SqliteConnection::configure(const std::string& path) {
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  if (auto r = exec("ATTACH DATABASE $1 AS berth", {path}); !r) {
    return make_error(r.error().code, "cannot open the database " + path + ": " + r.error().message);
  }
  // Switching to WAL takes an exclusive lock and may answer SQLITE_BUSY
  // without waiting when another process is doing the same at start-up.
  for (int attempt = 1;; ++attempt) {
    auto r = exec("PRAGMA berth.journal_mode=WAL");
    if (r) break;
    if (r.error().code != "unavailable" || attempt == 50) return r.error();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (const char* pragma : {"PRAGMA berth.synchronous=NORMAL", "PRAGMA foreign_keys=ON"}) {
    if (auto r = exec(pragma); !r) return r.error();
  }
  return Ok{};
}

SqliteConnection::~SqliteConnection() { sqlite3_close_v2(db_); }

Result<Rows> SqliteConnection::exec(std::string_view sql, const std::vector<SqlValue>& params) {
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &raw, &tail);
  Statement stmt(raw);
  if (rc != SQLITE_OK) return sqlite_error(db_, rc, sql);
  if (!stmt) return Rows{};  // only whitespace or a comment
  if (!is_blank(std::string_view(tail, sql.data() + sql.size() - tail))) {
    return make_error("internal", "sqlite: exec takes one statement at a time: " + std::string(sql.substr(0, 120)));
  }

  // Bind by name so `$2` may come before `$1` or appear twice. A placeholder
  // without a value is a bug in the caller, not a NULL.
  for (int i = 1; i <= sqlite3_bind_parameter_count(stmt.get()); ++i) {
    const char* name = sqlite3_bind_parameter_name(stmt.get(), i);
    std::size_t n = 0;
    if (name == nullptr || name[0] != '$' || (n = std::strtoul(name + 1, nullptr, 10)) == 0 || n > params.size()) {
      return make_error("internal", "sqlite: placeholder " + std::string(name ? name : "?") +
                                        " has no value in: " + std::string(sql.substr(0, 120)));
    }
    const SqlValue& v = params[n - 1];
    if (std::holds_alternative<std::nullptr_t>(v)) {
      rc = sqlite3_bind_null(stmt.get(), i);
    } else if (auto* number = std::get_if<std::int64_t>(&v)) {
      rc = sqlite3_bind_int64(stmt.get(), i, *number);
    } else {
      const auto& s = std::get<std::string>(v);
      rc = sqlite3_bind_text64(stmt.get(), i, s.data(), s.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    }
    if (rc != SQLITE_OK) return sqlite_error(db_, rc, sql);
  }

  const int width = sqlite3_column_count(stmt.get());
  auto columns = std::make_shared<std::vector<std::string>>();
  for (int c = 0; c < width; ++c) columns->emplace_back(sqlite3_column_name(stmt.get(), c));

  Rows rows;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    std::vector<std::optional<std::string>> values;
    values.reserve(width);
    for (int c = 0; c < width; ++c) {
      if (sqlite3_column_type(stmt.get(), c) == SQLITE_NULL) {
        values.emplace_back(std::nullopt);
      } else {
        auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), c));
        values.emplace_back(std::string(text, sqlite3_column_bytes(stmt.get(), c)));
      }
    }
    rows.emplace_back(columns, std::move(values));
  }
  if (rc != SQLITE_DONE) return sqlite_error(db_, rc, sql);
  return rows;
}

}  // namespace berth::db
