// One contract for the database, run against both engines: every repository
// method must behave the same on SQLite and PostgreSQL. The PostgreSQL runs
// need BERTH_TEST_DATABASE_URL (an admin URL; ctest sets it after starting a
// throwaway server with tests/support/postgres.sh) and each test gets a fresh
// database of its own.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "core/encoding.hpp"
#include "db/database.hpp"
#include "db/migrations.hpp"
#include "db/postgres/pg_connection.hpp"

namespace berth::db {
namespace {

enum class Backend { sqlite, postgres };

void PrintTo(Backend b, std::ostream* os) { *os << (b == Backend::sqlite ? "sqlite" : "postgres"); }

std::string admin_url() {
  const char* url = std::getenv("BERTH_TEST_DATABASE_URL");
  return url ? url : "";
}

// The admin URL with its database name replaced.
std::string with_database(const std::string& url, const std::string& name) {
  auto scheme = url.find("://");
  auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  auto query = url.find('?');
  if (slash == std::string::npos || (query != std::string::npos && slash > query)) {
    return url.substr(0, query) + "/" + name + (query == std::string::npos ? "" : url.substr(query));
  }
  return url.substr(0, slash + 1) + name + (query == std::string::npos ? "" : url.substr(query));
}

std::int64_t count(Database& db, const std::string& sql) {
  auto rows = db.pool().with([&](SqlConnection& c) { return c.exec(sql); });
  EXPECT_TRUE(rows.ok()) << (rows.ok() ? "" : rows.error().message);
  return rows.ok() && !rows->empty() ? rows->front().int64("n") : -1;
}

class DbContract : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::postgres && admin_url().empty()) {
      FAIL() << "BERTH_TEST_DATABASE_URL is not set. Run the tests through ctest, which starts a throwaway "
                "PostgreSQL (tests/support/postgres.sh start) and sets it, or export "
                "BERTH_TEST_DATABASE_URL=$(tests/support/postgres.sh start)";
    }
    config_ = fresh_config();
    auto opened = open_database(config_);
    ASSERT_TRUE(opened.ok()) << opened.error().code << ": " << opened.error().message;
    db_ = std::move(opened).value();
  }

  void TearDown() override {
    db_.reset();
    for (const auto& dir : dirs_) std::filesystem::remove_all(dir);
    if (!databases_.empty()) {
      auto admin = PgConnection::open(admin_url());
      ASSERT_TRUE(admin.ok()) << admin.error().message;
      for (const auto& name : databases_) {
        auto dropped = (*admin)->exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        EXPECT_TRUE(dropped.ok()) << dropped.error().message;
      }
    }
  }

  // Storage nobody has used yet: a new temp dir, or a new PostgreSQL database.
  Config fresh_config() {
    Config config;
    if (GetParam() == Backend::sqlite) {
      auto dir = std::filesystem::temp_directory_path() / ("berth-db-test-" + new_uuid());
      dirs_.push_back(dir);
      config.data_dir = (dir / "data").string();  // not created yet: open_database must create it
      return config;
    }
    std::string name = "berth_test_" + new_uuid();
    std::erase(name, '-');
    auto admin = PgConnection::open(admin_url());
    EXPECT_TRUE(admin.ok()) << admin.error().message;
    if (admin.ok()) {
      auto created = (*admin)->exec("CREATE DATABASE " + name);
      EXPECT_TRUE(created.ok()) << created.error().message;
      databases_.push_back(name);
    }
    config.database_url = with_database(admin_url(), name);
    return config;
  }

  // Kills the server side of every connection to this test's database, as a
  // server restart or a pooler's idle timeout would.
  void drop_server_connections() {
    auto admin = PgConnection::open(admin_url());
    ASSERT_TRUE(admin.ok()) << admin.error().message;
    auto killed =
        (*admin)->exec("SELECT COUNT(pg_terminate_backend(pid, 5000)) AS n FROM pg_stat_activity WHERE datname = $1",
                       {databases_.front()});
    ASSERT_TRUE(killed.ok()) << killed.error().message;
    ASSERT_GT(killed->front().int64("n"), 0);
  }

  User make_user(const std::string& email, const std::string& name = "Someone") {
    auto user = db_->users().create(email, name, "hash-of-" + email);
    EXPECT_TRUE(user.ok()) << user.error().message;
    return user.ok() ? *user : User{};
  }

  Project make_project(const User& owner, const std::string& name, std::int64_t at = 1000) {
    Project p{new_uuid(), name, "about " + name, "node", owner.id, "stopped", std::nullopt, at, at};
    auto created = db_->projects().create(p);
    EXPECT_TRUE(created.ok()) << created.error().message;
    return p;
  }

  Config config_;
  std::unique_ptr<Database> db_;
  std::vector<std::filesystem::path> dirs_;
  std::vector<std::string> databases_;
};

// --- driver ---------------------------------------------------------------

TEST_P(DbContract, PingAndDialect) {
  EXPECT_TRUE(db_->ping().ok());
  EXPECT_EQ(db_->dialect(), GetParam() == Backend::sqlite ? Dialect::sqlite : Dialect::postgres);
}

TEST_P(DbContract, PlaceholdersBindByNumberAndRowsReadByNameOrIndex) {
  auto rows = db_->pool().with([](SqlConnection& c) {
    return c.exec("SELECT $2 AS b, $1 AS a, $1 AS again, $3 AS n, $4 AS missing",
                  {std::string("first"), std::string("second"), std::int64_t{-42}, nullptr});
  });
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 1u);
  const Row& row = rows->front();
  EXPECT_EQ(row.size(), 5u);
  EXPECT_EQ(row.text("a"), "first");
  EXPECT_EQ(row.text("b"), "second");
  EXPECT_EQ(row.at(2), "first");
  EXPECT_EQ(row.int64("n"), -42);
  EXPECT_FALSE(row["missing"].has_value());
  EXPECT_THROW((void)row.at("no_such_column"), std::out_of_range);
}

TEST_P(DbContract, SqlErrorsHaveStableCodes) {
  make_user("dup@example.com");
  auto& pool = db_->pool();
  auto dup = pool.with([](SqlConnection& c) {
    return c.exec("INSERT INTO berth.users (id, email, created_at) VALUES ($1, 'dup@example.com', 0)", {new_uuid()});
  });
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, "conflict");
  auto missing_ref = pool.with([](SqlConnection& c) {
    return c.exec(
        "INSERT INTO berth.refresh_tokens (token_hash, user_id, expires_at, created_at) VALUES ('t', 'nobody', 1, 0)");
  });
  ASSERT_FALSE(missing_ref.ok());
  EXPECT_EQ(missing_ref.error().code, "not_found");
  auto syntax = pool.with([](SqlConnection& c) { return c.exec("SELEC nonsense"); });
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.error().code, "internal");
}

TEST_P(DbContract, TransactionRollsBackOnError) {
  auto id = new_uuid();
  Status s = db_->pool().transaction([&](SqlConnection& c) -> Status {
    auto r = c.exec("INSERT INTO berth.users (id, email, created_at) VALUES ($1, 'tx@example.com', 0)", {id});
    if (!r) return r.error();
    return make_error("internal", "changed my mind");
  });
  ASSERT_FALSE(s.ok());
  auto found = db_->users().find(id);
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
}

TEST_P(DbContract, ReconnectsAfterLosingIdleConnections) {
  if (GetParam() == Backend::postgres) drop_server_connections();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (!db_->ping().ok() || !db_->templates().list().ok()) ++failures;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

// An embedded database has no connection to lose: this runs on PostgreSQL only.
class PostgresContract : public DbContract {};

TEST_P(PostgresContract, ConnectionLostMidTransactionFailsTheTransactionOnly) {
  auto id = new_uuid();
  Status s = db_->pool().transaction([&](SqlConnection& c) -> Status {
    auto r = c.exec("INSERT INTO berth.users (id, email, created_at) VALUES ($1, 'lost@example.com', 0)", {id});
    if (!r) return r.error();
    drop_server_connections();
    auto after = c.exec("SELECT 1 AS n");
    if (!after) return after.error();
    return Ok{};
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "unavailable") << s.error().message;
  auto found = db_->users().find(id);  // the pool recovers, the insert is gone
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_FALSE(found->has_value());
}

// --- migrations -----------------------------------------------------------

TEST_P(DbContract, MigrationsAreIdempotent) {
  auto again = open_database(config_);
  ASSERT_TRUE(again.ok()) << again.error().message;
  auto status = (*again)->pool().with([](SqlConnection& c) { return migrate(c); });
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(count(**again, "SELECT COUNT(*) AS n FROM berth.schema_migrations"),
            static_cast<std::int64_t>(migrations().size()));
  EXPECT_EQ(count(**again, "SELECT COUNT(*) AS n FROM berth.templates"), 4);
  if (GetParam() == Backend::postgres) {  // everything in the berth schema, nothing in public
    EXPECT_EQ(count(**again, "SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = 'berth'"), 6);
    EXPECT_EQ(count(**again, "SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = 'public'"), 0);
  }
}

TEST_P(DbContract, ConcurrentMigrationsFromTwoThreads) {
  Config config = fresh_config();
  std::vector<std::unique_ptr<Database>> opened(4);
  std::vector<std::string> errors(opened.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < opened.size(); ++i) {
    threads.emplace_back([&, i] {
      auto r = open_database(config, 1);
      if (r.ok()) {
        opened[i] = std::move(r).value();
      } else {
        errors[i] = r.error().code + ": " + r.error().message;
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& e : errors) ASSERT_EQ(e, "");
  Database& db = *opened[0];
  EXPECT_EQ(count(db, "SELECT COUNT(*) AS n FROM berth.schema_migrations"),
            static_cast<std::int64_t>(migrations().size()));
  EXPECT_EQ(count(db, "SELECT COUNT(*) AS n FROM berth.templates"), 4);
}

// --- templates ------------------------------------------------------------

TEST_P(DbContract, TemplatesAreSeeded) {
  auto list = db_->templates().list();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 4u);
  EXPECT_EQ((*list)[0].id, "blank");
  EXPECT_EQ((*list)[0].name, "Blank");
  EXPECT_EQ((*list)[1].id, "node");
  EXPECT_EQ((*list)[1].name, "Node.js");
  EXPECT_EQ((*list)[2].id, "python");
  EXPECT_EQ((*list)[3].id, "static-web");
  for (const auto& t : *list) EXPECT_EQ(t.image, "berth-workspace:latest");
  auto node = db_->templates().find("node");
  ASSERT_TRUE(node.ok());
  ASSERT_TRUE(node->has_value());
  EXPECT_EQ((*node)->name, "Node.js");
  auto none = db_->templates().find("cobol");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

// --- users ----------------------------------------------------------------

TEST_P(DbContract, UsersCreateAndFindCaseInsensitively) {
  auto created = db_->users().create("Ada@Example.COM", "Ada", "argon2-hash");
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_TRUE(is_uuid(created->id));
  EXPECT_EQ(created->email, "ada@example.com");
  EXPECT_GT(created->created_at, 0);

  auto by_email = db_->users().find_by_email("ADA@example.com");
  ASSERT_TRUE(by_email.ok());
  ASSERT_TRUE(by_email->has_value());
  EXPECT_EQ((*by_email)->id, created->id);
  EXPECT_EQ((*by_email)->name, "Ada");
  EXPECT_EQ((*by_email)->password_hash, "argon2-hash");
  EXPECT_EQ((*by_email)->created_at, created->created_at);

  auto by_id = db_->users().find(created->id);
  ASSERT_TRUE(by_id.ok());
  ASSERT_TRUE(by_id->has_value());
  EXPECT_EQ((*by_id)->email, "ada@example.com");

  auto nobody = db_->users().find_by_email("nobody@example.com");
  ASSERT_TRUE(nobody.ok());
  EXPECT_FALSE(nobody->has_value());
  auto no_id = db_->users().find(new_uuid());
  ASSERT_TRUE(no_id.ok());
  EXPECT_FALSE(no_id->has_value());
}

TEST_P(DbContract, DuplicateEmailIsAConflictWhateverItsCase) {
  make_user("grace@example.com");
  auto again = db_->users().create("GRACE@example.com", "Other", "h");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "conflict");
  auto empty = db_->users().create("", "No email", "h");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, "bad_request");
}

TEST_P(DbContract, EnsureInsertsASupabaseUserOnce) {
  auto id = new_uuid();
  ASSERT_TRUE(db_->users().ensure(id, "Sb@Example.com").ok());
  ASSERT_TRUE(db_->users().ensure(id, "sb@example.com").ok());
  auto found = db_->users().find(id);
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->email, "sb@example.com");
  EXPECT_FALSE((*found)->password_hash.has_value());
  EXPECT_EQ(count(*db_, "SELECT COUNT(*) AS n FROM berth.users"), 1);

  // Users without an email do not collide with each other.
  auto a = new_uuid(), b = new_uuid();
  ASSERT_TRUE(db_->users().ensure(a, "").ok());
  ASSERT_TRUE(db_->users().ensure(b, "").ok());
  auto fa = db_->users().find(a);
  ASSERT_TRUE(fa.ok() && fa->has_value());
  EXPECT_EQ((*fa)->email, "");

  // An email someone else holds: the user still gets in, without the email.
  auto clash = new_uuid();
  ASSERT_TRUE(db_->users().ensure(clash, "SB@example.com").ok());
  auto fc = db_->users().find(clash);
  ASSERT_TRUE(fc.ok() && fc->has_value());
  EXPECT_EQ((*fc)->email, "");
}

TEST_P(DbContract, ConcurrentWritersShareThePool) {
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 15; ++i) {
        auto u = db_->users().create("w" + std::to_string(t) + "-" + std::to_string(i) + "@example.com", "W", "h");
        if (!u.ok() || !db_->users().find(u->id).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(count(*db_, "SELECT COUNT(*) AS n FROM berth.users"), 120);
}

// --- refresh tokens -------------------------------------------------------

TEST_P(DbContract, RefreshTokensRotateAndAreSingleUse) {
  User u = make_user("tok@example.com");
  auto& tokens = db_->refresh_tokens();
  ASSERT_TRUE(tokens.store("hash-1", u.id, 10'000).ok());

  auto first = tokens.consume("hash-1", 5'000);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, u.id);
  ASSERT_TRUE(tokens.store("hash-2", u.id, 20'000).ok());  // the rotated one

  auto replay = tokens.consume("hash-1", 5'000);
  ASSERT_TRUE(replay.ok());
  EXPECT_FALSE(replay->has_value());

  auto second = tokens.consume("hash-2", 6'000);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, u.id);
}

TEST_P(DbContract, ExpiredRefreshTokensThatNobodyUsesArePruned) {
  User u = make_user("prune@example.com");
  auto& tokens = db_->refresh_tokens();
  ASSERT_TRUE(tokens.store("gone-1", u.id, 1'000).ok());
  ASSERT_TRUE(tokens.store("gone-2", u.id, 2'000).ok());
  ASSERT_TRUE(tokens.store("alive", u.id, 9'000).ok());
  auto pruned = tokens.prune_expired(2'000);
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(*pruned, 2u);
  EXPECT_EQ(count(*db_, "SELECT COUNT(*) AS n FROM berth.refresh_tokens"), 1);
  EXPECT_EQ(*tokens.consume("alive", 3'000), u.id);
}

TEST_P(DbContract, ExpiredAndRevokedRefreshTokensAreRefused) {
  User u = make_user("exp@example.com");
  auto& tokens = db_->refresh_tokens();
  ASSERT_TRUE(tokens.store("old", u.id, 1'000).ok());
  auto expired = tokens.consume("old", 1'000);
  ASSERT_TRUE(expired.ok());
  EXPECT_FALSE(expired->has_value());
  EXPECT_EQ(count(*db_, "SELECT COUNT(*) AS n FROM berth.refresh_tokens"), 0);  // and gone

  ASSERT_TRUE(tokens.store("revoked", u.id, 99'000).ok());
  ASSERT_TRUE(tokens.revoke("revoked").ok());
  ASSERT_TRUE(tokens.revoke("never-existed").ok());
  auto after = tokens.consume("revoked", 2'000);
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->has_value());

  auto dup = tokens.store("same", u.id, 5'000);
  ASSERT_TRUE(dup.ok());
  auto dup2 = tokens.store("same", u.id, 5'000);
  ASSERT_FALSE(dup2.ok());
  EXPECT_EQ(dup2.error().code, "conflict");
  auto orphan = tokens.store("orphan", new_uuid(), 5'000);
  ASSERT_FALSE(orphan.ok());
  EXPECT_EQ(orphan.error().code, "not_found");
}

TEST_P(DbContract, ConcurrentConsumeSucceedsOnce) {
  User u = make_user("race@example.com");
  ASSERT_TRUE(db_->refresh_tokens().store("raced", u.id, 10'000).ok());
  std::atomic<int> winners{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      auto r = db_->refresh_tokens().consume("raced", 1);
      if (r.ok() && r->has_value()) ++winners;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(winners.load(), 1);
}

// --- projects -------------------------------------------------------------

TEST_P(DbContract, ProjectsCreateFindAndListNewestFirst) {
  User owner = make_user("own@example.com");
  Project older = make_project(owner, "older", 1000);
  Project newer = make_project(owner, "newer", 2000);

  auto list = db_->projects().list_for_user(owner.id);
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].first.id, newer.id);
  EXPECT_EQ((*list)[0].second, Role::owner);
  EXPECT_EQ((*list)[1].first.id, older.id);

  auto found = db_->projects().find(older.id);
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  const Project& p = **found;
  EXPECT_EQ(p.name, "older");
  EXPECT_EQ(p.description, "about older");
  EXPECT_EQ(p.template_id, "node");
  EXPECT_EQ(p.owner_id, owner.id);
  EXPECT_EQ(p.status, "stopped");
  EXPECT_FALSE(p.node.has_value());
  EXPECT_EQ(p.created_at, 1000);
  EXPECT_EQ(p.updated_at, 1000);

  // Touching the older project moves it to the front.
  auto updated = db_->projects().update(older.id, std::string("renamed"), std::nullopt, 3000);
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_EQ(updated->name, "renamed");
  EXPECT_EQ(updated->description, "about older");
  EXPECT_EQ(updated->updated_at, 3000);
  EXPECT_EQ(updated->created_at, 1000);
  auto relisted = db_->projects().list_for_user(owner.id);
  ASSERT_TRUE(relisted.ok());
  EXPECT_EQ(relisted->front().first.id, older.id);

  auto described = db_->projects().update(older.id, std::nullopt, std::string(""), 3500);
  ASSERT_TRUE(described.ok());
  EXPECT_EQ(described->name, "renamed");
  EXPECT_EQ(described->description, "");

  auto missing = db_->projects().update(new_uuid(), std::string("x"), std::nullopt, 1);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "not_found");
  auto no_project = db_->projects().find(new_uuid());
  ASSERT_TRUE(no_project.ok());
  EXPECT_FALSE(no_project->has_value());
}

TEST_P(DbContract, ProjectCreateChecksReferences) {
  User owner = make_user("refs@example.com");
  Project p{new_uuid(), "p", "", "cobol", owner.id, "stopped", std::nullopt, 1, 1};
  auto bad_template = db_->projects().create(p);
  ASSERT_FALSE(bad_template.ok());
  EXPECT_EQ(bad_template.error().code, "not_found");

  p.template_id = "blank";
  p.owner_id = new_uuid();
  auto bad_owner = db_->projects().create(p);
  ASSERT_FALSE(bad_owner.ok());
  EXPECT_EQ(bad_owner.error().code, "not_found");

  p.owner_id = owner.id;
  ASSERT_TRUE(db_->projects().create(p).ok());
  auto twice = db_->projects().create(p);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, "conflict");
  EXPECT_EQ(count(*db_, "SELECT COUNT(*) AS n FROM berth.project_members"), 1);
}

TEST_P(DbContract, SetStatus) {
  User owner = make_user("status@example.com");
  Project p = make_project(owner, "s");
  ASSERT_TRUE(db_->projects().set_status(p.id, "ready").ok());
  auto found = db_->projects().find(p.id);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->status, "ready");
  EXPECT_EQ((*found)->updated_at, p.updated_at);  // status is not an edit
  auto missing = db_->projects().set_status(new_uuid(), "ready");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "not_found");
}

TEST_P(DbContract, MembershipDecidesWhoSeesAProject) {
  User owner = make_user("boss@example.com", "Boss");
  User other = make_user("Dev@Example.com", "Dev");
  Project p = make_project(owner, "shared");

  auto hidden = db_->projects().find_for_user(p.id, other.id);
  ASSERT_TRUE(hidden.ok());
  EXPECT_FALSE(hidden->has_value());
  auto none = db_->projects().list_for_user(other.id);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  ASSERT_TRUE(db_->projects().put_member(p.id, other.id, Role::editor).ok());
  auto seen = db_->projects().find_for_user(p.id, other.id);
  ASSERT_TRUE(seen.ok());
  ASSERT_TRUE(seen->has_value());
  EXPECT_EQ((*seen)->first.id, p.id);
  EXPECT_EQ((*seen)->second, Role::editor);
  auto own = db_->projects().find_for_user(p.id, owner.id);
  ASSERT_TRUE(own.ok() && own->has_value());
  EXPECT_EQ((*own)->second, Role::owner);

  ASSERT_TRUE(db_->projects().put_member(p.id, other.id, Role::viewer).ok());  // upsert
  auto members = db_->projects().members(p.id);
  ASSERT_TRUE(members.ok()) << members.error().message;
  ASSERT_EQ(members->size(), 2u);
  EXPECT_EQ((*members)[0].user_id, owner.id);
  EXPECT_EQ((*members)[0].role, Role::owner);
  EXPECT_EQ((*members)[0].email, "boss@example.com");
  EXPECT_EQ((*members)[0].name, "Boss");
  EXPECT_EQ((*members)[1].user_id, other.id);
  EXPECT_EQ((*members)[1].email, "dev@example.com");
  EXPECT_EQ((*members)[1].role, Role::viewer);

  auto no_user = db_->projects().put_member(p.id, new_uuid(), Role::viewer);
  ASSERT_FALSE(no_user.ok());
  EXPECT_EQ(no_user.error().code, "not_found");
  auto no_project = db_->projects().put_member(new_uuid(), other.id, Role::viewer);
  ASSERT_FALSE(no_project.ok());
  EXPECT_EQ(no_project.error().code, "not_found");

  auto removed = db_->projects().remove_member(p.id, other.id);
  ASSERT_TRUE(removed.ok());
  EXPECT_TRUE(*removed);
  auto removed_again = db_->projects().remove_member(p.id, other.id);
  ASSERT_TRUE(removed_again.ok());
  EXPECT_FALSE(*removed_again);
  auto gone = db_->projects().find_for_user(p.id, other.id);
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
}

TEST_P(DbContract, DeletingAProjectCascadesToItsMembers) {
  User owner = make_user("del@example.com");
  User member = make_user("mem@example.com");
  Project p = make_project(owner, "doomed");
  Project kept = make_project(owner, "kept");
  ASSERT_TRUE(db_->projects().put_member(p.id, member.id, Role::editor).ok());

  ASSERT_TRUE(db_->projects().remove(p.id).ok());
  auto found = db_->projects().find(p.id);
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
  auto members = db_->projects().members(p.id);
  ASSERT_TRUE(members.ok());
  EXPECT_TRUE(members->empty());
  auto list = db_->projects().list_for_user(member.id);
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty());
  EXPECT_EQ(count(*db_, "SELECT COUNT(*) AS n FROM berth.project_members"), 1);  // kept's owner

  auto again = db_->projects().remove(p.id);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "not_found");
}

TEST_P(DbContract, AProjectMarkedDeletingIsGoneForEveryReadUntilRemoved) {
  User owner = make_user("mark@example.com");
  Project p = make_project(owner, "marked");
  Project kept = make_project(owner, "kept");
  ASSERT_TRUE(db_->projects().mark_deleting(p.id).ok());
  auto found = db_->projects().find(p.id);
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
  auto for_owner = db_->projects().find_for_user(p.id, owner.id);
  ASSERT_TRUE(for_owner.ok());
  EXPECT_FALSE(for_owner->has_value());
  auto list = db_->projects().list_for_user(owner.id);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->front().first.id, kept.id);
  // A container stopping on the way out cannot bring it back.
  EXPECT_EQ(db_->projects().set_status(p.id, "stopped").error().code, "not_found");
  auto marked = db_->projects().deleting();
  ASSERT_TRUE(marked.ok()) << marked.error().message;
  ASSERT_EQ(marked->size(), 1u);
  EXPECT_EQ(marked->front().id, p.id);
  EXPECT_EQ(marked->front().owner_id, owner.id);  // what the storage prefix needs
  ASSERT_TRUE(db_->projects().remove(p.id).ok());
  EXPECT_TRUE(db_->projects().deleting()->empty());
  EXPECT_EQ(db_->projects().mark_deleting(p.id).error().code, "not_found");
}

TEST_P(DbContract, DeletingAUserCascadesToTokensAndMemberships) {
  User owner = make_user("o@example.com");
  User leaving = make_user("leaving@example.com");
  Project p = make_project(owner, "p");
  ASSERT_TRUE(db_->projects().put_member(p.id, leaving.id, Role::viewer).ok());
  ASSERT_TRUE(db_->refresh_tokens().store("t", leaving.id, 10).ok());
  auto deleted =
      db_->pool().with([&](SqlConnection& c) { return c.exec("DELETE FROM berth.users WHERE id = $1", {leaving.id}); });
  ASSERT_TRUE(deleted.ok()) << deleted.error().message;
  EXPECT_EQ(count(*db_, "SELECT COUNT(*) AS n FROM berth.refresh_tokens"), 0);
  EXPECT_EQ(count(*db_, "SELECT COUNT(*) AS n FROM berth.project_members"), 1);

  // An owner still owns projects: refused, as a conflict.
  auto refused =
      db_->pool().with([&](SqlConnection& c) { return c.exec("DELETE FROM berth.users WHERE id = $1", {owner.id}); });
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "conflict");
}

TEST_P(DbContract, OneNodeHoldsAProjectsLeaseUntilItLapsesOrIsReleased) {
  auto owner = make_user("lease@example.com");
  auto p = make_project(owner, "leased");
  auto& projects = db_->projects();
  ASSERT_TRUE(projects.claim(p.id, "node-a", 1000, 31000).ok());
  EXPECT_TRUE(projects.claim(p.id, "node-a", 11000, 41000).ok()) << "its holder renews it";
  auto refused = projects.claim(p.id, "node-b", 20000, 50000);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "conflict");
  EXPECT_NE(refused.error().message.find("node-a"), std::string::npos);
  EXPECT_NE(refused.error().message.find("21 s"), std::string::npos) << refused.error().message;
  EXPECT_TRUE(projects.claim(p.id, "node-b", 41000, 71000).ok()) << "taken over once lapsed";
  EXPECT_EQ((*projects.find(p.id))->node, std::optional<std::string>("node-b"));
  ASSERT_TRUE(projects.release(p.id, "node-a").ok());  // not its lease any more: nothing changes
  EXPECT_FALSE(projects.claim(p.id, "node-a", 42000, 72000).ok());
  ASSERT_TRUE(projects.release(p.id, "node-b").ok());
  EXPECT_TRUE(projects.claim(p.id, "node-a", 42000, 72000).ok()) << "free once released";
  EXPECT_EQ(projects.claim("no-such-project", "node-a", 1, 2).error().code, "not_found");
  ASSERT_TRUE(projects.mark_deleting(p.id).ok());
  EXPECT_EQ(projects.claim(p.id, "node-a", 43000, 73000).error().code, "not_found");
}

INSTANTIATE_TEST_SUITE_P(Backends, DbContract, ::testing::Values(Backend::sqlite, Backend::postgres),
                         [](const auto& info) { return info.param == Backend::sqlite ? "sqlite" : "postgres"; });
INSTANTIATE_TEST_SUITE_P(Server, PostgresContract, ::testing::Values(Backend::postgres),
                         [](const auto& info) { return info.param == Backend::sqlite ? "sqlite" : "postgres"; });

}  // namespace
}  // namespace berth::db

