#include "db/postgres/pg_connection.hpp"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <map>

namespace berth::db {
namespace {

constexpr Oid kInt8Oid = 20;  // pg_type.oid of bigint; 0 lets the server infer text-ish types

std::map<std::string, std::string> parse_conninfo(const std::string& url, bool& ok) {
  std::map<std::string, std::string> out;
  char* err = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &err);
  ok = options != nullptr;
  if (err) PQfreemem(err);  // may quote the URL, password included: never shown
  if (!options) return out;
  for (auto* o = options; o->keyword; ++o) {
    if (o->val) out[o->keyword] = o->val;
  }
  PQconninfoFree(options);
  return out;
}

bool is_connection_sqlstate(std::string_view s) {
  return s.starts_with("08") || s == "57P01" || s == "57P02" || s == "57P03" || s == "53300";
}

std::string_view first_word(std::string_view sql) {
  auto start = sql.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return {};
  auto end = sql.find_first_of(" \t\r\n;", start);
  return sql.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

}  // namespace

std::optional<std::string> describe_database_url(const std::string& url) {
  bool ok = false;
  auto info = parse_conninfo(url, ok);
  if (!ok) return std::nullopt;
  std::string host = info.count("host") ? info["host"] : (info.count("hostaddr") ? info["hostaddr"] : "localhost");
  std::string out = "postgresql://";
  if (info.count("user")) out += info["user"] + "@";
  out += host;
  if (info.count("port")) out += ":" + info["port"];
  if (info.count("dbname")) out += "/" + info["dbname"];
  return out;
}

Result<std::unique_ptr<PgConnection>> PgConnection::open(const std::string& url) {
  bool ok = false;
  auto info = parse_conninfo(url, ok);
  auto description = describe_database_url(url);
  if (!ok || !description) {
    return make_error("bad_request",
                      "DATABASE_URL is not a PostgreSQL connection string "
                      "(expected postgresql://user:password@host:port/dbname)");
  }
  // Our defaults come first: with expand_dbname the URL, expanded in place of
  // "dbname", overrides any of them it sets itself.
  const char* keys[] = {"connect_timeout",     "fallback_application_name", "client_encoding", "keepalives_idle",
                        "keepalives_interval", "keepalives_count",          "dbname",          nullptr};
  const char* values[] = {"5", "berth", "UTF8", "30", "10", "3", url.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, 1);
  std::unique_ptr<PgConnection> connection(new PgConnection(conn, info.count("password") ? info["password"] : ""));
  if (!conn) return make_error("unavailable", "DATABASE_URL: out of memory while connecting");
  if (PQstatus(conn) != CONNECTION_OK) {
    return make_error("unavailable", "cannot connect to the database in DATABASE_URL (" + *description +
                                         "): " + connection->scrub(PQerrorMessage(conn)));
  }
  // Notices ("relation already exists, skipping" …) would go to stderr.
  PQsetNoticeProcessor(
      conn, [](void*, const char* message) { spdlog::debug("postgres: {}", message); }, nullptr);
  return connection;
}

PgConnection::~PgConnection() { PQfinish(conn_); }

std::string PgConnection::scrub(std::string text) const {
  if (!password_.empty()) {
    for (auto pos = text.find(password_); pos != std::string::npos; pos = text.find(password_, pos)) {
      text.replace(pos, password_.size(), "***");
    }
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

bool PgConnection::reconnect() {
  PQreset(conn_);
  in_transaction_ = false;
  if (PQstatus(conn_) != CONNECTION_OK) return false;
  spdlog::info("postgres: reconnected to the database");
  return true;
}

Result<Rows> PgConnection::exec(std::string_view sql, const std::vector<SqlValue>& params) {
  if (PQstatus(conn_) != CONNECTION_OK) {
    // The transaction this statement belongs to died with the connection:
    // let only its ROLLBACK through (as a no-op on a fresh connection).
    bool rollback = iequals(first_word(sql), "ROLLBACK");
    if (in_transaction_ && !rollback)
      return make_error("unavailable", "the database connection was lost mid-transaction");
    if (!reconnect()) return make_error("unavailable", "database unreachable: " + scrub(PQerrorMessage(conn_)));
    if (rollback) return Rows{};
  }
  const bool idle_before = !in_transaction_;
  auto result = run(sql, params);
  // A connection that went stale while idle (server restart, pooler or
  // firewall timeout) fails the first statement sent on it: reconnect once
  // and retry, but only outside a transaction, whose work would be lost.
  if (!result && idle_before && PQstatus(conn_) != CONNECTION_OK && result.error().code == "unavailable") {
    if (!reconnect()) return make_error("unavailable", "database unreachable: " + scrub(PQerrorMessage(conn_)));
    result = run(sql, params);
  }
  return result;
}

Result<Rows> PgConnection::run(std::string_view sql, const std::vector<SqlValue>& params) {
  std::vector<const char*> values;
  std::vector<Oid> types;
  std::vector<std::string> numbers;
  numbers.reserve(params.size());  // values point into it: no reallocation
  for (const auto& p : params) {
    if (auto* n = std::get_if<std::int64_t>(&p)) {
      numbers.push_back(std::to_string(*n));
      values.push_back(numbers.back().c_str());
      types.push_back(kInt8Oid);
    } else if (auto* s = std::get_if<std::string>(&p)) {
      values.push_back(s->c_str());
      types.push_back(0);
    } else {
      values.push_back(nullptr);
      types.push_back(0);
    }
  }
  const std::string text(sql);
  std::unique_ptr<PGresult, decltype(&PQclear)> res(PQexecParams(conn_, text.c_str(), static_cast<int>(params.size()),
                                                                 types.data(), values.data(), nullptr, nullptr, 0),
                                                    &PQclear);
  if (PQstatus(conn_) == CONNECTION_OK) {
    auto tx = PQtransactionStatus(conn_);
    in_transaction_ = tx == PQTRANS_INTRANS || tx == PQTRANS_INERROR;
  }
  auto status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK) return Rows{};
  if (status != PGRES_TUPLES_OK) {
    const char* state = res ? PQresultErrorField(res.get(), PG_DIAG_SQLSTATE) : nullptr;
    std::string sqlstate = state ? state : "";
    const char* primary = res ? PQresultErrorField(res.get(), PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    std::string message = scrub(primary ? primary : PQerrorMessage(conn_)) + " (in: " + text.substr(0, 120) + ")";
    if (PQstatus(conn_) != CONNECTION_OK || is_connection_sqlstate(sqlstate)) {
      return make_error("unavailable", "database connection lost: " + message);
    }
    if (sqlstate == "23505") return make_error("conflict", message);
    if (sqlstate == "23503") return make_error(foreign_key_error_code(sql), message);
    if (sqlstate.starts_with("23")) return make_error("bad_request", message);
    if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03") return make_error("unavailable", message);
    return make_error("internal", "postgres " + sqlstate + ": " + message);
  }

  const int width = PQnfields(res.get());
  const int height = PQntuples(res.get());
  auto columns = std::make_shared<std::vector<std::string>>();
  for (int c = 0; c < width; ++c) columns->emplace_back(PQfname(res.get(), c));
  Rows rows;
  rows.reserve(height);
  for (int r = 0; r < height; ++r) {
    std::vector<std::optional<std::string>> row;
    row.reserve(width);
    for (int c = 0; c < width; ++c) {
      if (PQgetisnull(res.get(), r, c)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(std::string(PQgetvalue(res.get(), r, c), PQgetlength(res.get(), r, c)));
      }
    }
    rows.emplace_back(columns, std::move(row));
  }
  return rows;
}

}  // namespace berth::db
