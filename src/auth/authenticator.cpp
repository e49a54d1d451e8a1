#include "auth/authenticator.hpp"

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "core/encoding.hpp"
#include "core/log.hpp"

namespace berth::auth {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string derive_access_token_key(std::string_view jwt_secret) {
  // No secret, no key (an HMAC under the empty key would be anyone's to compute).
  return jwt_secret.empty() ? std::string() : hmac_sha256(jwt_secret, "berth access token v1");
}

Authenticator::Authenticator(std::string hmac_secret, std::string jwks_source, Fetch fetch, WorkerPool& pool)
    : jwks_source_(std::move(jwks_source)), fetch_(std::move(fetch)), pool_(pool) {
  auto keys = std::make_shared<Keys>();
  keys->berth.hmac_secret = derive_access_token_key(hmac_secret);
  keys->external.hmac_secret = std::move(hmac_secret);
  keys_.store(std::move(keys));
}

template <class Edit>
void Authenticator::publish(Edit edit) {
  auto next = std::make_shared<Keys>(*keys_.load());
  edit(*next);
  keys_.store(std::move(next));
}

void Authenticator::set_token_secret(std::string secret) {
  std::lock_guard lock(writer_mu_);
  publish([&](Keys& k) {
    k.berth.hmac_secret = secret.empty() ? derive_access_token_key(k.external.hmac_secret) : std::move(secret);
  });
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
  auto count = keys->size();
  {
    std::lock_guard lock(writer_mu_);
    publish([&](Keys& k) { k.external.public_keys = std::move(*keys); });
  }
  spdlog::info("loaded {} public keys from {}", count, jwks_source_);
  return Ok{};
}

Status Authenticator::refresh_jwks() {
  if (!is_url(jwks_source_) || !fetch_) return make_error("unauthorized", "no JWKS URL configured");
  {
    std::lock_guard lock(writer_mu_);
    auto now = std::chrono::steady_clock::now();
    if (last_fetch_ != std::chrono::steady_clock::time_point{} && now - last_fetch_ < refresh_interval_)
      return make_error("unauthorized", "JWKS refreshed recently");
    last_fetch_ = now;
  }
  auto body = fetch_(jwks_source_);  // no lock held over the network
  if (!body) {
    spdlog::warn("JWKS fetch from {} failed: {}", jwks_source_, body.error().message);
    return body.error();
  }
  auto keys = parse_jwks(*body);
  if (!keys) return keys.error();
  auto count = keys->size();
  {
    std::lock_guard lock(writer_mu_);
    publish([&](Keys& k) { k.external.public_keys = std::move(*keys); });
  }
  spdlog::info("refreshed {} public keys from {}", count, jwks_source_);
  return Ok{};
}

Result<Principal> Authenticator::verify(std::string_view token, const Keys& keys) const {
  VerifyOptions opt;
  opt.now = unix_now();
  opt.leeway = clock_leeway_.count();
  // Berth's own token: only Berth's key (never the JWT secret or a JWKS
  // key), only Berth's audience. The issuer read here unverified only picks
  // the rules; verify_jwt then checks it under the signature.
  const bool berths = unverified_issuer(token) == kBerthIssuer;
  if (berths) {
    opt.required_issuer = kBerthIssuer;
    opt.required_audience = kBerthAudience;
    opt.required_role.clear();
  }
  auto claims = verify_jwt(token, berths ? keys.berth : keys.external, opt);
  if (!claims) {
    // No JWKS key may verify a Berth token: not a reason to fetch the JWKS.
    if (berths && claims.error().message.rfind("unknown_kid", 0) == 0)
      return make_error("unauthorized", "tokens issued by berth are HS256 with Berth's own key");
    return claims.error();
  }
  if (!berths && claims->iss == kBerthIssuer)  // a guard: the issuer was read above from the same bytes
    return make_error("unauthorized", "a token issued by berth must be signed with Berth's own key");
  return Principal{claims->sub, claims->email, claims->exp + opt.leeway};
}

Result<Principal> Authenticator::authenticate_cached(std::string_view token) const {
  KeysPtr keys = keys_.load();  // a snapshot: no lock, and a concurrent refresh cannot change it
  return verify(token, *keys);
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
  // No `role`: even where this key were known, the token grants no database role.
  boost::json::object claims{{"sub", user_id},          {"email", email}, {"aud", kBerthAudience},
                             {"iss", kBerthIssuer},     {"iat", now},     {"exp", now + ttl.count()}};
  KeysPtr keys = keys_.load();
  return sign_hs256(boost::json::serialize(claims), keys->berth.hmac_secret);
}

std::string Authenticator::sign_link(std::string_view fields) const {
  KeysPtr keys = keys_.load();
  return base64url_encode(hmac_sha256(hmac_sha256(keys->berth.hmac_secret, "berth download link v1"), fields));
}

}  // namespace berth::auth
