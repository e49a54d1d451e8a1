#include "db/refresh_token_repository.hpp"

#include "db/clock.hpp"

namespace berth::db {

Status RefreshTokenRepository::store(std::string_view token_hash, std::string_view user_id,
                                     std::int64_t expires_at_ms) {
  auto r = pool_.with([&](SqlConnection& c) {
    return c.exec(
        "INSERT INTO berth.refresh_tokens (token_hash, user_id, expires_at, created_at) VALUES ($1, $2, $3, $4)",
        {std::string(token_hash), std::string(user_id), expires_at_ms, now_ms()});
  });
  if (!r) return r.error();
  return Ok{};
}

Result<std::optional<std::string>> RefreshTokenRepository::consume(std::string_view token_hash, std::int64_t now) {
  auto rows = pool_.with([&](SqlConnection& c) {
    return c.exec("DELETE FROM berth.refresh_tokens WHERE token_hash = $1 RETURNING user_id, expires_at",
                  {std::string(token_hash)});
  });
  if (!rows) return rows.error();
  if (rows->empty() || rows->front().int64("expires_at") <= now) return std::optional<std::string>{};
  return std::optional<std::string>{rows->front().text("user_id")};
}

Status RefreshTokenRepository::revoke(std::string_view token_hash) {
  auto r = pool_.with([&](SqlConnection& c) {
    return c.exec("DELETE FROM berth.refresh_tokens WHERE token_hash = $1", {std::string(token_hash)});
  });
  if (!r) return r.error();
  return Ok{};
}

Result<std::size_t> RefreshTokenRepository::prune_expired(std::int64_t now) {
  auto rows = pool_.with([&](SqlConnection& c) {
    return c.exec("DELETE FROM berth.refresh_tokens WHERE expires_at <= $1 RETURNING token_hash", {now});
  });
  if (!rows) return rows.error();
  return rows->size();
}

}  // namespace berth::db
