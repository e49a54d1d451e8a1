#include "auth/authenticator.hpp"

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "core/log.hpp"

namespace berth::auth {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Authenticator::Authenticator(std::string hmac_secret, std::string jwks_source, Fetch fetch, WorkerPool& pool)
    : jwks_source_(std::move(jwks_source)), fetch_(std::move(fetch)), pool_(pool) {
  keys_.hmac_secret = std::move(hmac_secret);
}

static bool is_url(const std::string& s) { return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0; }

Status Authenticator::load() {
  if (jwks_source_.empty() || is_url(jwks_source_)) return Ok{};
  std::ifstream f(jwks_source_);
  if (!f) return make_error("bad_config", "BERTH_JWKS: cannot read " + jwks_source_);
  std::stringstream ss;
  ss << f.rdbuf();
  auto keys = parse_jwks(ss.str());
  if (!keys) return make_error("bad_config", "BERTH_JWKS " + jwks_source_ + ": " + keys.error().message);
  std::lock_guard lock(mu_);
  keys_.public_keys = std::move(*keys);
  spdlog::info("loaded {} public keys from {}", keys_.public_keys.size(), jwks_source_);
  return Ok{};
}

Status Authenticator::refresh_jwks() {
  if (!is_url(jwks_source_) || !fetch_) return make_error("unauthorized", "no JWKS URL configured");
  {
    std::lock_guard lock(mu_);
    auto now = std::chrono::steady_clock::now();
    if (last_fetch_ != std::chrono::steady_clock::time_point{} && now - last_fetch_ < refresh_interval_)
      return make_error("unauthorized", "JWKS refreshed recently");
    last_fetch_ = now;
  }
  auto body = fetch_(jwks_source_);
  if (!body) {
    spdlog::warn("JWKS fetch from {} failed: {}", jwks_source_, body.error().message);
    return body.error();
  }
  auto keys = parse_jwks(*body);
  if (!keys) return keys.error();
  std::lock_guard lock(mu_);
  keys_.public_keys = std::move(*keys);
  spdlog::info("refreshed {} public keys from {}", keys_.public_keys.size(), jwks_source_);
  return Ok{};
}

Result<Principal> Authenticator::verify(std::string_view token, const KeySet& keys) const {
  VerifyOptions opt;
  opt.now = unix_now();
  auto claims = verify_jwt(token, keys, opt);
  if (!claims) return claims.error();
  return Principal{claims->sub, claims->email, claims->exp};
}

Result<Principal> Authenticator::authenticate_cached(std::string_view token) const {
  std::lock_guard lock(mu_);
  return verify(token, keys_);
}

boost::asio::awaitable<Result<Principal>> Authenticator::authenticate(std::string_view token) {
  auto first = authenticate_cached(token);
  if (first || first.error().message.rfind("unknown_kid", 0) != 0 || !is_url(jwks_source_)) co_return first;
  auto refreshed = co_await pool_.run([this] { return refresh_jwks(); });
  if (!refreshed) co_return first;
  co_return authenticate_cached(token);
}

std::string Authenticator::issue_access_token(const std::string& user_id, const std::string& email,
                                              std::chrono::seconds ttl) const {
  auto now = unix_now();
  boost::json::object claims{{"sub", user_id},        {"email", email},  {"role", "authenticated"},
                             {"aud", "authenticated"}, {"iss", "berth"}, {"iat", now},
                             {"exp", now + ttl.count()}};
  std::lock_guard lock(mu_);
  return sign_hs256(boost::json::serialize(claims), keys_.hmac_secret);
}

}  // namespace berth::auth
