// Opening the database: what a wrong DATABASE_URL looks like to an operator
// (fast failure, a message naming the variable, never the password), and the
// small pure pieces of the db module.
#include <gtest/gtest.h>

#include <chrono>

#include "db/database.hpp"
#include "db/postgres/pg_connection.hpp"

namespace berth::db {
namespace {

TEST(DbRole, RoundTripsThroughText) {
  for (Role r : {Role::owner, Role::editor, Role::viewer}) EXPECT_EQ(role_from_string(to_string(r)), r);
  EXPECT_FALSE(role_from_string("admin").has_value());
}

TEST(DbOpen, UnreachableDatabaseUrlFailsFastWithoutThePassword) {
  Config config;
  config.database_url = "postgresql://berth:s3cret-pw@127.0.0.1:1/berth";
  auto opened = open_database(config);  // a hang here is caught by ctest's timeout, not a timed assertion
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, "unavailable");
  EXPECT_NE(opened.error().message.find("DATABASE_URL"), std::string::npos) << opened.error().message;
  EXPECT_NE(opened.error().message.find("127.0.0.1:1"), std::string::npos) << opened.error().message;
  EXPECT_EQ(opened.error().message.find("s3cret-pw"), std::string::npos) << opened.error().message;
}

TEST(DbOpen, MalformedDatabaseUrlIsRefusedWithoutEchoingIt) {
  Config config;
  config.database_url = "postgresql://berth:s3cret-pw@127.0.0.1:1/berth?nonsense_option=1";
  auto opened = open_database(config);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find("DATABASE_URL"), std::string::npos) << opened.error().message;
  EXPECT_EQ(opened.error().message.find("s3cret-pw"), std::string::npos) << opened.error().message;
}

TEST(DbOpen, DescribesBothUrlFormsWithoutThePassword) {
  EXPECT_EQ(
      describe_database_url("postgresql://postgres.abc:pw@aws-0-eu.pooler.supabase.com:6543/postgres?sslmode=require"),
      "postgresql://postgres.abc@aws-0-eu.pooler.supabase.com:6543/postgres");
  EXPECT_EQ(describe_database_url("host=db.example.com port=5433 user=app password=pw dbname=berth sslmode=require"),
            "postgresql://app@db.example.com:5433/berth");
  EXPECT_FALSE(describe_database_url("postgresql://x:%zz@host/db").has_value());
}

}  // namespace
}  // namespace berth::db
