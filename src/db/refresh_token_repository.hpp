#pragma once
// Refresh tokens, stored by hash only (the token itself is never written
// down). A token is good for one use: `consume` deletes it atomically, so
// two concurrent refreshes with the same token cannot both succeed.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "db/sql.hpp"

namespace berth::db {

class RefreshTokenRepository {
 public:
  explicit RefreshTokenRepository(SqlPool& pool) : pool_(pool) {}

  Status store(std::string_view token_hash, std::string_view user_id, std::int64_t expires_at_ms);
  // Deletes the token and returns its user id, or nullopt when the token is
  // unknown, already used, or expired at `now_ms` (an expired one is deleted too).
  Result<std::optional<std::string>> consume(std::string_view token_hash, std::int64_t now_ms);
  Status revoke(std::string_view token_hash);  // Ok also when there was no such token
  // Deletes the tokens that expired before `now_ms` (never used, so never
  // consumed); returns how many.
  Result<std::size_t> prune_expired(std::int64_t now_ms);

 private:
  SqlPool& pool_;
};

}  // namespace berth::db
