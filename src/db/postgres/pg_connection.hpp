#pragma once
// SqlConnection over libpq, for DATABASE_URL (a Supabase database, or any
// PostgreSQL ≥ 13).
//
// Only PQexecParams, one unnamed statement per call: named prepared
// statements and session state (SET, session advisory locks) do not survive
// a transaction-mode pooler such as Supabase's, which may hand each
// transaction to a different server connection. That is also why the
// repositories name tables `berth.<table>` instead of relying on a
// search_path.
#include <memory>
#include <string>

#include "db/sql.hpp"

struct pg_conn;

namespace berth::db {

class PgConnection final : public SqlConnection {
 public:
  // `url` is used as given (URI or key=value), so sslmode and friends are
  // honoured; connect_timeout defaults to 5 s. Messages never contain the
  // password.
  static Result<std::unique_ptr<PgConnection>> open(const std::string& url);
  ~PgConnection() override;
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  Result<Rows> exec(std::string_view sql, const std::vector<SqlValue>& params = {}) override;
  Dialect dialect() const override { return Dialect::postgres; }

 private:
  PgConnection(pg_conn* conn, std::string password) : conn_(conn), password_(std::move(password)) {}
  Result<Rows> run(std::string_view sql, const std::vector<SqlValue>& params);
  bool reconnect();
  std::string scrub(std::string text) const;

  pg_conn* conn_;
  std::string password_;         // only to scrub it out of messages
  bool in_transaction_ = false;  // as of the last statement that reached the server
};

// "postgresql://user@host:port/dbname" for messages, or nullopt when `url`
// is not a connection string libpq understands.
std::optional<std::string> describe_database_url(const std::string& url);

}  // namespace berth::db
