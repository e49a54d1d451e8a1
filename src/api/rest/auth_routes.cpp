// Built-in accounts for the embedded default (DESIGN §5): signup, login,
// refresh (rotating), logout, me. Tokens from Supabase work on every other
// route without an account here; these routes are for running Berth alone.
#include <boost/json.hpp>

#include "api/error_status.hpp"
#include "api/json_input.hpp"
#include "api/representations.hpp"
#include "api/rest/request_auth.hpp"
#include "api/rest/routes.hpp"
#include "core/encoding.hpp"
#include "core/rate_limiter.hpp"
#include "db/clock.hpp"

namespace berth::api {
namespace json = boost::json;
using net::HttpRequest;
using net::HttpResponse;
using Reply = boost::asio::awaitable<HttpResponse>;

namespace {

// Issues an access token and a new refresh token (stored only as its hash).
boost::asio::awaitable<Result<json::object>> issue_session(ApiContext& ctx, const db::User& user) {
  std::string refresh = random_token(32);
  auto expires = db::now_ms() + std::chrono::duration_cast<std::chrono::milliseconds>(ctx.config.refresh_token_ttl).count();
  auto stored = co_await ctx.workers.run(
      [&] { return ctx.db.refresh_tokens().store(sha256_hex(refresh), user.id, expires); });
  if (!stored) co_return stored.error();
  co_return json::object{{"user", user_json(user)},
                         {"accessToken", ctx.authenticator.issue_access_token(user.id, user.email, ctx.config.access_token_ttl)},
                         {"refreshToken", refresh},
                         {"expiresIn", ctx.config.access_token_ttl.count()}};
}

struct Credentials {
  std::string email, password;
  std::optional<std::string> name;
};

Result<Credentials> read_credentials(const HttpRequest& req, bool with_name) {
  auto body = parse_json_object(req.body);
  if (!body) return body.error();
  auto email = required_string(*body, "email", {.min = 3, .max = 254});
  if (!email) return email.error();
  // Passwords are taken as they are: no trimming, any characters but NUL.
  auto password = required_string(*body, "password", {.min = 1, .max = 128, .trim = false, .single_line = false});
  if (!password) return password.error();
  Credentials c{*email, *password, std::nullopt};
  for (auto& ch : c.email) ch = char(std::tolower((unsigned char)ch));
  if (with_name) {
    auto name = optional_string(*body, "name", {.min = 1, .max = 100});
    if (!name) return name.error();
    c.name = *name;
  }
  return c;
}

Reply signup(ApiContext& ctx, HttpRequest& req) {
  // BERTH_SIGNUP=closed: existing accounts and Supabase's users only.
  if (!ctx.config.signup_open)
    co_return error_reply(make_error("forbidden", "sign-up is closed on this server: ask an administrator for an account"));
  auto c = read_credentials(req, true);
  if (!c) co_return error_reply(c.error());
  if (!looks_like_email(c->email)) co_return error_reply(make_error("bad_request", "'email' is not an email address"));
  if (c->password.size() < 8)
    co_return error_reply(make_error("bad_request", "'password' must be at least 8 characters long"));
  auto hash = co_await ctx.hasher.hash(c->password);
  if (!hash) co_return error_reply(hash.error());
  std::string name = c->name.value_or(c->email.substr(0, c->email.find('@')));
  auto user = co_await ctx.workers.run([&] { return ctx.db.users().create(c->email, name, *hash); });
  if (!user) {
    if (user.error().code == "conflict")
      co_return error_reply(make_error("conflict", "an account with this email exists; log in instead"));
    co_return error_reply(user.error());
  }
  auto session = co_await issue_session(ctx, *user);
  if (!session) co_return error_reply(session.error());
  co_return json_reply(201, json::serialize(*session));
}

// Log-in bounds: failures per account (a password guessed slowly across
// addresses) and attempts per address (many accounts tried from one place).
struct LoginLimits {
  explicit LoginLimits(const Config& c)
      : by_account(std::size_t(c.login_failures_per_account), std::chrono::minutes(15)),
        by_address(std::size_t(c.login_attempts_per_address), std::chrono::minutes(1)) {}
  RateLimiter by_account, by_address;
};

HttpResponse rate_limited(std::chrono::seconds wait, const std::string& what) {
  auto r = error_reply(make_error("rate_limited", "too many log-in attempts " + what + "; try again in " +
                                                      std::to_string(wait.count()) + " s"));
  r.with_header("Retry-After", std::to_string(wait.count()));
  return r;
}

Reply login(ApiContext& ctx, LoginLimits& limits, HttpRequest& req) {
  const auto& address = req.client;  // behind a trusted proxy, the address it forwarded
  if (auto wait = limits.by_address.wait(address); wait.count() > 0) co_return rate_limited(wait, "from this address");
  limits.by_address.hit(address);
  auto c = read_credentials(req, false);
  if (!c) co_return error_reply(c.error());
  // Refused before the password is checked: a locked account tells nothing.
  if (auto wait = limits.by_account.wait(c->email); wait.count() > 0) co_return rate_limited(wait, "for this account");
  auto user = co_await ctx.workers.run([&] { return ctx.db.users().find_by_email(c->email); });
  if (!user) co_return error_reply(user.error());
  std::optional<std::string> stored;
  if (user->has_value()) stored = (*user)->password_hash;
  auto ok = co_await ctx.hasher.verify(stored, c->password);  // dummy hash when unknown: same timing
  if (!ok) co_return error_reply(ok.error());
  if (!*ok) {
    limits.by_account.hit(c->email);
    co_return error_reply(make_error("unauthorized", "wrong email or password"));
  }
  limits.by_account.reset(c->email);
  auto session = co_await issue_session(ctx, **user);
  if (!session) co_return error_reply(session.error());
  co_return json_reply(200, json::serialize(*session));
}

Result<std::string> read_refresh_token(const HttpRequest& req) {
  auto body = parse_json_object(req.body);
  if (!body) return body.error();
  return required_string(*body, "refreshToken", {.min = 1, .max = 200});
}

Reply refresh(ApiContext& ctx, HttpRequest& req) {
  auto token = read_refresh_token(req);
  if (!token) co_return error_reply(token.error());
  // Rotation: the presented token is consumed whatever happens next.
  auto user_id = co_await ctx.workers.run([&] { return ctx.db.refresh_tokens().consume(sha256_hex(*token), db::now_ms()); });
  if (!user_id) co_return error_reply(user_id.error());
  if (!user_id->has_value())
    co_return error_reply(make_error("unauthorized", "refresh token is unknown, used or expired; log in again"));
  auto user = co_await ctx.workers.run([&] { return ctx.db.users().find(**user_id); });
  if (!user) co_return error_reply(user.error());
  if (!user->has_value()) co_return error_reply(make_error("unauthorized", "the account no longer exists"));
  auto session = co_await issue_session(ctx, **user);
  if (!session) co_return error_reply(session.error());
  co_return json_reply(200, json::serialize(*session));
}

Reply logout(ApiContext& ctx, HttpRequest& req) {
  auto token = read_refresh_token(req);
  if (!token) co_return error_reply(token.error());
  auto revoked = co_await ctx.workers.run([&] { return ctx.db.refresh_tokens().revoke(sha256_hex(*token)); });
  if (!revoked) co_return error_reply(revoked.error());
  co_return no_content();
}

Reply me(ApiContext& ctx, HttpRequest& req) {
  auto who = co_await authenticate_request(ctx, req);
  if (!who) co_return error_reply(who.error());
  auto user = co_await ctx.workers.run([&] { return ctx.db.users().find(who->user_id); });
  if (!user) co_return error_reply(user.error());
  if (!user->has_value()) co_return error_reply(make_error("not_found", "no such user"));
  co_return json_reply(200, json::serialize(json::object{{"user", user_json(**user)}}));
}

}  // namespace

void add_auth_routes(net::Router& router, ApiContext& ctx) {
  router.add("POST", "/api/v1/auth/signup", [&ctx](HttpRequest& r) { return signup(ctx, r); });
  auto limits = std::make_shared<LoginLimits>(ctx.config);
  router.add("POST", "/api/v1/auth/login", [&ctx, limits](HttpRequest& r) { return login(ctx, *limits, r); });
  router.add("POST", "/api/v1/auth/refresh", [&ctx](HttpRequest& r) { return refresh(ctx, r); });
  router.add("POST", "/api/v1/auth/logout", [&ctx](HttpRequest& r) { return logout(ctx, r); });
  router.add("GET", "/api/v1/auth/me", [&ctx](HttpRequest& r) { return me(ctx, r); });
}

}  // namespace berth::api
