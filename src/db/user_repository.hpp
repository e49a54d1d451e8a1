#pragma once
// Accounts: built-in ones (email + password hash) and users first seen
// through a Supabase token (id from the token's `sub`, no password).
// Emails are stored lower-cased, so lookups are case-insensitive.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "db/sql.hpp"

namespace berth::db {

struct User {
  std::string id;
  std::string email;  // lower-cased; "" when unknown (stored as NULL)
  std::string name;
  std::optional<std::string> password_hash;  // nullopt: signs in through Supabase only
  std::int64_t created_at = 0;
};

// ASCII lower-case: what "case-insensitive email" means here.
std::string normalize_email(std::string_view email);

class UserRepository {
 public:
  explicit UserRepository(SqlPool& pool) : pool_(pool) {}

  // A new built-in account; "conflict" when the email is taken.
  Result<User> create(std::string_view email, std::string_view name, std::string_view password_hash);
  Result<std::optional<User>> find_by_email(std::string_view email);
  Result<std::optional<User>> find(std::string_view id);
  // Inserts the user if absent. When `email` belongs to another account
  // already, the row is stored without one rather than locking the user out.
  Status ensure(std::string_view id, std::string_view email);

 private:
  SqlPool& pool_;
};

}  // namespace berth::db
