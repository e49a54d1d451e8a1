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

std::optional<std::int64_t> parse_seconds(const std::string& text) {
  try {
    std::size_t used = 0;
    auto v = std::stoll(text, &used);
    if (used == text.size()) return v;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

CheckedGrant check_grant(const ApiContext& ctx, const std::map<std::string, std::string>& query,
                         const std::string& project_id, const std::string& scope) {
  auto field = [&](const char* name) -> std::string {
    auto it = query.find(name);
    return it == query.end() ? std::string() : it->second;
  };
  CheckedGrant out{GrantVerdict::malformed, field("user")};
  auto expires_at = parse_seconds(field("expires"));
  if (!expires_at) return out;
  out.verdict = GrantVerdict::invalid;
  if (!equal_in_constant_time(field("sig"), sign_grant(ctx, project_id, scope, out.user, *expires_at))) return out;
  if (*expires_at > unix_seconds() + kLinkLifetime.count()) return out;
  out.verdict = *expires_at < unix_seconds() ? GrantVerdict::lapsed : GrantVerdict::valid;
  return out;
}

Result<std::string> check_signed_link(const ApiContext& ctx, const net::HttpRequest& req,
                                      const std::string& project_id, const std::string& scope) {
  auto grant = check_grant(ctx, req.query, project_id, scope);
  switch (grant.verdict) {
    case GrantVerdict::valid: return grant.user;
    case GrantVerdict::malformed: return refused("is malformed");
    case GrantVerdict::lapsed: return refused("has expired");
    case GrantVerdict::invalid: break;
  }
  return refused("is not valid here");
}

}  // namespace berth::api
