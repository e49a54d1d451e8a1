#include "db/user_repository.hpp"

#include "core/encoding.hpp"
#include "db/clock.hpp"

namespace berth::db {
namespace {

constexpr std::string_view kColumns = "id, email, name, password_hash, created_at";

User to_user(const Row& row) {
  return User{row.text("id"), row.text("email"), row.text("name"), row["password_hash"], row.int64("created_at")};
}

Result<std::optional<User>> first_user(Result<Rows> rows) {
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<User>{};
  return std::optional<User>{to_user(rows->front())};
}

}  // namespace

std::string normalize_email(std::string_view email) {
  std::string out(email);
  for (auto& ch : out) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  return out;
}

Result<User> UserRepository::create(std::string_view email, std::string_view name, std::string_view password_hash) {
  User user{new_uuid(), normalize_email(email), std::string(name), std::string(password_hash), now_ms()};
  if (user.email.empty()) return make_error("bad_request", "an email is required");
  auto r = pool_.with([&](SqlConnection& c) {
    return c.exec("INSERT INTO berth.users (id, email, name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
                  {user.id, user.email, user.name, sql_value(user.password_hash), user.created_at});
  });
  if (!r) {
    if (r.error().code == "conflict") return make_error("conflict", "an account with this email already exists");
    return r.error();
  }
  return user;
}

Result<std::optional<User>> UserRepository::find_by_email(std::string_view email) {
  auto normalized = normalize_email(email);
  if (normalized.empty()) return std::optional<User>{};
  return first_user(pool_.with([&](SqlConnection& c) {
    return c.exec("SELECT " + std::string(kColumns) + " FROM berth.users WHERE email = $1", {normalized});
  }));
}

Result<std::optional<User>> UserRepository::find(std::string_view id) {
  return first_user(pool_.with([&](SqlConnection& c) {
    return c.exec("SELECT " + std::string(kColumns) + " FROM berth.users WHERE id = $1", {std::string(id)});
  }));
}

Status UserRepository::ensure(std::string_view id, std::string_view email) {
  auto normalized = normalize_email(email);
  SqlValue email_value = normalized.empty() ? SqlValue{nullptr} : SqlValue{normalized};
  return pool_.with([&](SqlConnection& c) -> Status {
    // DO NOTHING without a target covers both keys: a user already there (the
    // usual case, also when two requests race) and an email already taken.
    constexpr std::string_view insert =
        "INSERT INTO berth.users (id, email, name, password_hash, created_at) VALUES ($1, $2, '', NULL, $3) "
        "ON CONFLICT DO NOTHING";
    if (auto r = c.exec(insert, {std::string(id), email_value, now_ms()}); !r) return r.error();
    auto found = c.exec("SELECT id FROM berth.users WHERE id = $1", {std::string(id)});
    if (!found) return found.error();
    if (!found->empty()) return Ok{};
    if (auto r = c.exec(insert, {std::string(id), nullptr, now_ms()}); !r) return r.error();
    return Ok{};
  });
}

}  // namespace berth::db
