#include "api/preview_access.hpp"

#include "api/access.hpp"
#include "api/representations.hpp"
#include "api/signed_links.hpp"
#include "core/encoding.hpp"

namespace berth::api {
namespace {

std::string link_scope(int port) { return "preview-link:" + std::to_string(port); }
std::string session_scope(int port) { return "preview-session:" + std::to_string(port); }

Error private_preview(std::string why) { return make_error("unauthorized", std::move(why)); }

}  // namespace

PreviewAccess::Link PreviewAccess::session_link(const std::string& project_id, int port,
                                                const std::string& user_id) const {
  Link link;
  link.expires_at = unix_seconds() + kLinkLifetime.count();
  auto sig = sign_grant(ctx_, project_id, link_scope(port), user_id, link.expires_at);
  link.url = preview_origin(ctx_.config, project_id, port) + std::string(preview::kSessionPath) +
             "?user=" + percent_encode(user_id) + "&expires=" + std::to_string(link.expires_at) + "&sig=" + sig;
  return link;
}

Result<preview::PreviewSession> PreviewAccess::open_session(const std::string& project_id, int port,
                                                           const std::map<std::string, std::string>& query) {
  auto grant = check_grant(ctx_, query, project_id, link_scope(port));
  if (grant.verdict == GrantVerdict::lapsed)
    return private_preview("This preview link has expired: open the preview again from the ports list in the Berth editor.");
  // A link made for another project or port does not verify here: to its
  // holder that is the same as a preview that does not exist.
  if (grant.verdict != GrantVerdict::valid || grant.user.empty()) return make_error("not_found", "no such preview");
  const std::string& user = grant.user;
  auto until = unix_seconds() + kPreviewSessionLifetime.count();
  preview::PreviewSession session;
  session.cookie = user + "." + std::to_string(until) + "." + sign_grant(ctx_, project_id, session_scope(port), user, until);
  session.lifetime = kPreviewSessionLifetime;
  return session;
}

boost::asio::awaitable<Status> PreviewAccess::admit(std::string project_id, int port, std::string session) {
  if (is_public(project_id, port)) co_return Ok{};
  if (session.empty())
    co_return private_preview("This preview is private: open it from the ports list in the Berth editor, which signs you in to it.");
  auto first = session.find('.'), second = session.find('.', first == std::string::npos ? first : first + 1);
  if (first == std::string::npos || second == std::string::npos)
    co_return private_preview("This preview's session is not valid: open it again from the Berth editor.");
  std::string user = session.substr(0, first), sig = session.substr(second + 1);
  auto until = parse_seconds(session.substr(first + 1, second - first - 1));
  if (!until || !equal_in_constant_time(sig, sign_grant(ctx_, project_id, session_scope(port), user, *until)))
    co_return private_preview("This preview's session is not valid: open it again from the Berth editor.");
  if (*until < unix_seconds())
    co_return private_preview("Your session for this preview has ended: open it again from the Berth editor.");
  auth::Principal who;
  who.user_id = user;
  auto access = co_await project_access(ctx_, who, project_id, db::Role::viewer);
  if (!access) co_return make_error("not_found", "no such preview");  // removed, or the project is gone
  co_return Ok{};
}

void PreviewAccess::set_public(const std::string& project_id, int port, bool is_public) {
  bool changed;
  {
    std::lock_guard lock(mu_);
    changed = is_public ? public_.emplace(project_id, port).second : public_.erase({project_id, port}) > 0;
  }
  if (changed)
    for (auto& l : listeners_) l(project_id, port, is_public);
}

bool PreviewAccess::is_public(const std::string& project_id, int port) const {
  std::lock_guard lock(mu_);
  return public_.count({project_id, port}) > 0;
}

void PreviewAccess::forget(const std::string& project_id) {
  std::lock_guard lock(mu_);
  for (auto it = public_.lower_bound({project_id, 0}); it != public_.end() && it->first == project_id;)
    it = public_.erase(it);
}

}  // namespace berth::api
