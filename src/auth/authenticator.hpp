#pragma once
// Turns a bearer token into a Principal. Holds the HS256 secret and the
// public keys of a JWKS (a file, or a URL such as Supabase's
// /auth/v1/.well-known/jwks.json), re-fetching the JWKS when a token names an
// unknown `kid` (at most once per refresh interval, 30 s by default, so bad tokens cannot make us hammer
// the key server). Also mints Berth's own access tokens.
//
// Two kinds of token, told apart by `iss`:
//  - Berth's own (iss "berth", aud "berth"): HS256 with the access-token key
//    only, which is BERTH_TOKEN_SECRET or else HMAC-SHA256(JWT secret,
//    "berth access token v1"), never the JWT secret itself. So when the JWT
//    secret is a Supabase project's, a token Berth issues is not valid at
//    Supabase, and a token signed with the JWT secret cannot pass as Berth's.
//  - everyone else's (Supabase): the JWT secret (HS256) or the JWKS keys,
//    role and aud "authenticated".
//
// The keys are an immutable snapshot behind an atomic shared_ptr: verifying
// takes the snapshot without a lock (I/O threads never wait for each other
// or for a refresh); load, refresh and set_token_secret publish a new one.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "auth/jwt.hpp"
#include "auth/principal.hpp"
#include "core/worker_pool.hpp"

namespace berth::auth {

inline constexpr const char* kBerthIssuer = "berth";
inline constexpr const char* kBerthAudience = "berth";

// HMAC-SHA256(jwt_secret, "berth access token v1"): the key of Berth's own
// access tokens when BERTH_TOKEN_SECRET is not set.
std::string derive_access_token_key(std::string_view jwt_secret);

class Authenticator {
 public:
  // Fetches a JWKS URL (blocking; run on the worker pool).
  using Fetch = std::function<Result<std::string>(const std::string& url)>;

  Authenticator(std::string hmac_secret, std::string jwks_source, Fetch fetch, WorkerPool& pool);

  // Berth's own access tokens are signed and checked with this secret
  // (BERTH_TOKEN_SECRET) instead of the key derived from the JWT secret;
  // empty keeps the derived key. Tokens issued before under the other key
  // stop verifying.
  void set_token_secret(std::string secret);

  // Loads a JWKS file at start-up; a URL is fetched lazily on first use.
  // Loading again re-reads the file and swaps the keys in atomically.
  Status load();
  // Fetches of the JWKS URL are at least this far apart (default 30 s).
  void set_refresh_interval(std::chrono::seconds interval) { refresh_interval_ = interval; }
  // Clock skew tolerated for exp and nbf; before serving, not while.
  void set_clock_leeway(std::chrono::seconds leeway) { clock_leeway_ = leeway; }

  boost::asio::awaitable<Result<Principal>> authenticate(std::string_view token);
  // Synchronous variant that never fetches (HS256 and cached keys only).
  Result<Principal> authenticate_cached(std::string_view token) const;

  std::string issue_access_token(const std::string& user_id, const std::string& email,
                                 std::chrono::seconds ttl) const;
  // The signature of a signed download link's fields (api/signed_links):
  // HMAC-SHA256 under a key derived from the access-token key, so a link
  // can never pass as a token or the other way round. base64url.
  std::string sign_link(std::string_view fields) const;

 private:
  struct Keys {
    KeySet external;  // JWT secret + JWKS keys: Supabase's tokens
    KeySet berth;     // the access-token key only: Berth's own tokens
  };
  using KeysPtr = std::shared_ptr<const Keys>;

  Result<Principal> verify(std::string_view token, const Keys& keys) const;
  Status refresh_jwks();
  // Publishes a copy of the current keys changed by `edit`; callers hold writer_mu_.
  template <class Edit>
  void publish(Edit edit);

  std::string jwks_source_;
  Fetch fetch_;
  WorkerPool& pool_;
  std::atomic<KeysPtr> keys_;
  std::mutex writer_mu_;  // serialises writers (load, refresh, set_token_secret); readers never take it
  std::chrono::steady_clock::time_point last_fetch_{};  // guarded by writer_mu_
  std::chrono::seconds refresh_interval_{30};
  std::chrono::seconds clock_leeway_{30};
};

std::int64_t unix_now();

}  // namespace berth::auth
