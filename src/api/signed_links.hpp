#pragma once
// Short-lived signed download links (DESIGN §5): a browser cannot put a
// Bearer header on <a href> or a download, so `POST …/files/link` and
// `POST …/archive/link` return a URL that carries its own proof instead.
//
// A link names one project, one scope (a file's path, or a folder's archive), the
// user it was made for and when it lapses; the signature covers all four
// (Authenticator::sign_link). Using it still checks that the user may see
// the project *now*: removing a member also ends their links.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "api/context.hpp"
#include "net/http_types.hpp"

namespace berth::api {

inline constexpr std::chrono::seconds kLinkLifetime{300};

struct SignedLink {
  std::string url;  // absolute with BERTH_PUBLIC_URL, else from the server's root ("/api/v1/…")
  std::int64_t expires_at = 0;  // seconds since the epoch
};

// `route_path`: the link's path without query ("/api/v1/projects/<id>/archive");
// `scope`: what it grants ("file:" + path, or "archive:" + folder); `path` goes into the query when not empty.
SignedLink make_signed_link(const ApiContext& ctx, const std::string& route_path, const std::string& project_id,
                            const std::string& scope, const std::string& path, const std::string& user_id);

// The signature each link (and each preview session, api/preview_access)
// carries: over the project, the scope, the user and the lapse time.
std::string sign_grant(const ApiContext& ctx, const std::string& project_id, const std::string& scope,
                       const std::string& user_id, std::int64_t expires_at);
std::int64_t unix_seconds();

// A link's query (user, expires, sig) checked against what it must grant:
// its signature, and its lapse time within kLinkLifetime from now.
enum class GrantVerdict { valid, malformed, invalid, lapsed };
struct CheckedGrant {
  GrantVerdict verdict;
  std::string user;  // the user it names (trust it only when valid)
};
CheckedGrant check_grant(const ApiContext& ctx, const std::map<std::string, std::string>& query,
                         const std::string& project_id, const std::string& scope);
// Whole seconds, all of `text`; nullopt otherwise.
std::optional<std::int64_t> parse_seconds(const std::string& text);

// Whether the request carries a link signature at all (then Bearer is not needed).
bool has_link_signature(const net::HttpRequest& req);
// The user the link was made for, or unauthorized (lapsed, altered, another scope).
Result<std::string> check_signed_link(const ApiContext& ctx, const net::HttpRequest& req,
                                      const std::string& project_id, const std::string& scope);

}  // namespace berth::api
