#pragma once
// The one seam between Berth's repositories and a database engine. The
// repositories are written once, in SQL that SQLite and PostgreSQL both accept
// (`$1, $2 …` placeholders, `INSERT … ON CONFLICT`, `… RETURNING`, tables
// qualified as `berth.<table>`); an `SqlConnection` per engine runs it. Every
// call blocks: run it on the worker pool, never on an I/O thread.
//
// Error codes (stable, see README.md): "conflict" (unique violation, or a
// DELETE refused by a foreign key), "not_found" (a row inserted or updated
// points at a row that does not exist), "bad_request" (another constraint),
// "unavailable" (server unreachable, connection lost, lock timeout),
// "disk_full" (SQLite: the disk holding the file is full),
// "internal" (anything else).
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "core/result.hpp"

namespace berth::db {

using SqlValue = std::variant<std::nullptr_t, std::int64_t, std::string>;

// nullopt binds as NULL.
inline SqlValue sql_value(const std::optional<std::string>& v) { return v ? SqlValue{*v} : SqlValue{nullptr}; }

// One result row. Values are text as the engine renders them (NULL is
// nullopt); column names are shared by every row of a result.
class Row {
 public:
  Row(std::shared_ptr<const std::vector<std::string>> columns, std::vector<std::optional<std::string>> values)
      : columns_(std::move(columns)), values_(std::move(values)) {}

  std::size_t size() const { return values_.size(); }
  const std::optional<std::string>& at(std::size_t index) const;
  // An unknown column name is a programmer error: throws std::out_of_range.
  const std::optional<std::string>& at(std::string_view column) const;
  const std::optional<std::string>& operator[](std::string_view column) const { return at(column); }

  std::string text(std::string_view column) const { return at(column).value_or(std::string{}); }  // NULL → ""
  std::int64_t int64(std::string_view column) const;                                              // NULL → 0

 private:
  std::shared_ptr<const std::vector<std::string>> columns_;
  std::vector<std::optional<std::string>> values_;
};

using Rows = std::vector<Row>;

enum class Dialect { sqlite, postgres };

class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  // Runs one statement. Parameters bind to $1, $2 … by position in `params`.
  virtual Result<Rows> exec(std::string_view sql, const std::vector<SqlValue>& params = {}) = 0;
  virtual Dialect dialect() const = 0;
};

// Maps a constraint violation to a stable code. A foreign key refusing a
// DELETE means "still referenced" (conflict); on INSERT/UPDATE it means the
// referenced row is missing (not_found).
std::string foreign_key_error_code(std::string_view sql);

// A fixed set of connections shared by worker threads. A caller borrows one
// for the length of a callback; callbacks must not borrow a second one (with
// every connection borrowed that would wait forever).
class SqlPool {
 public:
  explicit SqlPool(std::vector<std::unique_ptr<SqlConnection>> connections);
  SqlPool(const SqlPool&) = delete;
  SqlPool& operator=(const SqlPool&) = delete;

  Dialect dialect() const { return dialect_; }
  std::size_t size() const { return size_; }

  // Runs f(SqlConnection&) with a borrowed connection and returns what f returns.
  template <class F>
  auto with(F&& f) {
    Lease lease(*this);
    return std::forward<F>(f)(*lease.connection);
  }

  // Runs f(SqlConnection&) -> Result<T> inside BEGIN … COMMIT; an error from f
  // (or from COMMIT) rolls back. SQLite begins IMMEDIATE so writers queue on
  // the busy timeout instead of failing when a read turns into a write.
  template <class F>
  auto transaction(F&& f) -> std::invoke_result_t<F&, SqlConnection&> {
    using R = std::invoke_result_t<F&, SqlConnection&>;
    Lease lease(*this);
    SqlConnection& c = *lease.connection;
    if (auto begun = c.exec(dialect_ == Dialect::sqlite ? "BEGIN IMMEDIATE" : "BEGIN"); !begun) return R(begun.error());
    R result = f(c);
    if (!result) {
      (void)c.exec("ROLLBACK");
      return result;
    }
    if (auto committed = c.exec("COMMIT"); !committed) {
      (void)c.exec("ROLLBACK");
      return R(committed.error());
    }
    return result;
  }

 private:
  struct Lease {
    explicit Lease(SqlPool& pool) : pool(pool), connection(pool.acquire()) {}
    ~Lease() { pool.release(std::move(connection)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    SqlPool& pool;
    std::unique_ptr<SqlConnection> connection;
  };

  std::unique_ptr<SqlConnection> acquire();
  void release(std::unique_ptr<SqlConnection> connection);

  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<SqlConnection>> idle_;
  std::size_t size_;
  Dialect dialect_;
};

}  // namespace berth::db
