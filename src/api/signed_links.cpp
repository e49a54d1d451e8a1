#include "api/signed_links.hpp"

#include "core/encoding.hpp"

namespace berth::api {
namespace {

// Each field length-prefixed: no choice of path can make the fields of one
// link read as another's.
std::string signed_fields(const std::string& project_id, const std::string& scope, const std::string& user_id,
                          std::int64_t expires_at) {
  std::string out = "berth-link-v1";
  for (const std::string& f : {project_id, scope, user_id, std::to_string(expires_at)})
    out += "\n" + std::to_string(f.size()) + ":" + f;
  return out;
}

Error refused(const std::string& why) {
  return make_error("unauthorized", "this download link " + why + ": ask the editor for a new one");
}

}  // namespace

std::int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string sign_grant(const ApiContext& ctx, const std::string& project_id, const std::string& scope,
                       const std::string& user_id, std::int64_t expires_at) {
  return ctx.authenticator.sign_link(signed_fields(project_id, scope, user_id, expires_at));
}

SignedLink make_signed_link(const ApiContext& ctx, const std::string& route_path, const std::string& project_id,
                            const std::string& scope, const std::string& path, const std::string& user_id) {
  SignedLink link;
  link.expires_at = unix_seconds() + kLinkLifetime.count();
  auto sig = sign_grant(ctx, project_id, scope, user_id, link.expires_at);
  std::string query = path.empty() ? "" : "path=" + percent_encode(path) + "&";
  query += "expires=" + std::to_string(link.expires_at) + "&user=" + percent_encode(user_id) + "&sig=" + sig;
  std::string base = ctx.config.public_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  link.url = base + route_path + "?" + query;
  return link;
}

bool has_link_signature(const net::HttpRequest& req) { return req.query.count("sig") > 0; }

Result<std::string> check_signed_link(const ApiContext& ctx, const net::HttpRequest& req,
                                      const std::string& project_id, const std::string& scope) {
  auto field = [&](const char* name) -> std::string {
    auto it = req.query.find(name);
    return it == req.query.end() ? std::string() : it->second;
  };
  std::string user = field("user"), sig = field("sig"), expires = field("expires");
  std::int64_t expires_at = 0;
  try {
    std::size_t used = 0;
    expires_at = std::stoll(expires, &used);
    if (used != expires.size()) return refused("is malformed");
  } catch (const std::exception&) {
    return refused("is malformed");
  }
  auto expected = sign_grant(ctx, project_id, scope, user, expires_at);
  if (!equal_in_constant_time(sig, expected)) return refused("is not valid here");
  if (expires_at < unix_seconds()) return refused("has expired");
  if (expires_at > unix_seconds() + kLinkLifetime.count()) return refused("is not valid here");
  return user;
}

}  // namespace berth::api
