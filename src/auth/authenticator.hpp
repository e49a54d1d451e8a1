#pragma once
// Turns a bearer token into a Principal. Holds the HS256 secret and the
// public keys of a JWKS (a file, or a URL such as Supabase's
// /auth/v1/.well-known/jwks.json), re-fetching the JWKS when a token names an
// unknown `kid` (at most once per refresh interval, 30 s by default, so bad tokens cannot make us hammer
// the key server). Also mints Berth's own access tokens.
#include <chrono>
#include <functional>
#include <mutex>
#include <string>

#include "auth/jwt.hpp"
#include "auth/principal.hpp"
#include "core/worker_pool.hpp"

namespace berth::auth {

class Authenticator {
 public:
  // Fetches a JWKS URL (blocking; run on the worker pool).
  using Fetch = std::function<Result<std::string>(const std::string& url)>;

  Authenticator(std::string hmac_secret, std::string jwks_source, Fetch fetch, WorkerPool& pool);

  // Loads a JWKS file at start-up; a URL is fetched lazily on first use.
  Status load();
  // Fetches of the JWKS URL are at least this far apart (default 30 s).
  void set_refresh_interval(std::chrono::seconds interval) { refresh_interval_ = interval; }

  boost::asio::awaitable<Result<Principal>> authenticate(std::string_view token);
  // Synchronous variant that never fetches (HS256 and cached keys only).
  Result<Principal> authenticate_cached(std::string_view token) const;

  std::string issue_access_token(const std::string& user_id, const std::string& email,
                                 std::chrono::seconds ttl) const;

 private:
  Result<Principal> verify(std::string_view token, const KeySet& keys) const;
  Status refresh_jwks();
  std::string jwks_source_;
  Fetch fetch_;
  WorkerPool& pool_;
  mutable std::mutex mu_;
  KeySet keys_;
  std::chrono::steady_clock::time_point last_fetch_{};
  std::chrono::seconds refresh_interval_{30};
};

std::int64_t unix_now();

}  // namespace berth::auth
