#include "db/database.hpp"

#include <filesystem>
#include <functional>
#include <system_error>

#include "db/migrations.hpp"
#include "db/postgres/pg_connection.hpp"
#include "db/sqlite/sqlite_connection.hpp"

namespace berth::db {
namespace {

using Connect = std::function<Result<std::unique_ptr<SqlConnection>>()>;

template <class T>
Result<std::unique_ptr<SqlConnection>> upcast(Result<std::unique_ptr<T>> r) {
  if (!r) return r.error();
  return std::unique_ptr<SqlConnection>(std::move(r).value());
}

Result<std::unique_ptr<Database>> open_pool(const Connect& connect, std::size_t count) {
  std::vector<std::unique_ptr<SqlConnection>> connections;
  auto first = connect();
  if (!first) return first.error();
  if (auto migrated = migrate(**first); !migrated) return migrated.error();
  connections.push_back(std::move(first).value());
  while (connections.size() < std::max<std::size_t>(count, 1)) {
    auto next = connect();
    if (!next) return next.error();
    connections.push_back(std::move(next).value());
  }
  return std::make_unique<Database>(std::make_unique<SqlPool>(std::move(connections)));
}

}  // namespace

Status Database::ping() {
  auto r = pool_->with([](SqlConnection& c) { return c.exec("SELECT 1"); });
  if (!r) return r.error();
  return Ok{};
}

Result<std::unique_ptr<Database>> open_database(const Config& config, std::size_t connections) {
  if (!config.database_url.empty()) {
    const std::string url = config.database_url;
    return open_pool([url] { return upcast(PgConnection::open(url)); }, connections);
  }
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) return make_error("internal", "cannot create the data directory " + config.data_dir + ": " + ec.message());
  const std::string path = (std::filesystem::path(config.data_dir) / "berth.db").string();
  return open_pool([path] { return upcast(SqliteConnection::open(path)); }, connections);
}

}  // namespace berth::db
