#pragma once
// The application's database: the connection pool plus the repositories on
// top of it. PostgreSQL when DATABASE_URL is set, otherwise SQLite at
// <data_dir>/berth.db. Opening it brings the schema up to date.
#include <cstddef>
#include <memory>

#include "core/config.hpp"
#include "db/project_repository.hpp"
#include "db/refresh_token_repository.hpp"
#include "db/sql.hpp"
#include "db/template_repository.hpp"
#include "db/user_repository.hpp"

namespace berth::db {

class Database {
 public:
  explicit Database(std::unique_ptr<SqlPool> pool)
      : pool_(std::move(pool)), users_(*pool_), refresh_tokens_(*pool_), templates_(*pool_), projects_(*pool_) {}
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  Dialect dialect() const { return pool_->dialect(); }
  SqlPool& pool() { return *pool_; }
  UserRepository& users() { return users_; }
  RefreshTokenRepository& refresh_tokens() { return refresh_tokens_; }
  TemplateRepository& templates() { return templates_; }
  ProjectRepository& projects() { return projects_; }

  // A round trip to the server (for /readyz); "unavailable" when it is down.
  Status ping();

 private:
  std::unique_ptr<SqlPool> pool_;
  UserRepository users_;
  RefreshTokenRepository refresh_tokens_;
  TemplateRepository templates_;
  ProjectRepository projects_;
};

// Connects (failing within ~5 s when DATABASE_URL is unreachable, with a
// message that names DATABASE_URL and never the password), migrates, and
// opens `connections` connections for the pool.
Result<std::unique_ptr<Database>> open_database(const Config& config, std::size_t connections = 4);

}  // namespace berth::db
