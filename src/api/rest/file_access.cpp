#include "api/rest/file_access.hpp"

#include <boost/json.hpp>

#include "api/error_status.hpp"
#include "api/representations.hpp"
#include "api/rest/request_auth.hpp"
#include "api/signed_links.hpp"
#include "core/encoding.hpp"

namespace berth::api {

std::string file_scope(const workspace::ProjectPath& path) { return "file:" + path.str(); }
std::string archive_scope(const workspace::ProjectPath& folder) { return "archive:" + folder.str(); }

boost::asio::awaitable<Result<FileRequest>> file_access(ApiContext& ctx, const net::HttpRequest& req,
                                                        db::Role minimum, FileAccess how, std::string link_scope) {
  FileRequest out;
  auto p = req.query.find("path");
  auto path = workspace::parse_project_path(p == req.query.end() ? std::string() : p->second);
  if (!path) co_return path.error();
  out.path = std::move(*path);
  const std::string& project_id = req.params.at("id");
  auth::Principal who;
  if (how == FileAccess::link_allowed && minimum == db::Role::viewer && has_link_signature(req)) {
    auto user = check_signed_link(ctx, req, project_id, link_scope.empty() ? file_scope(out.path) : link_scope);
    if (!user) co_return user.error();
    who.user_id = std::move(*user);
  } else {
    auto verified = co_await authenticate_request(ctx, req);
    if (!verified) co_return verified.error();
    who = std::move(*verified);
  }
  auto access = co_await project_access(ctx, who, project_id, minimum);
  if (!access) co_return access.error();
  out.caller = FileCaller{access->project.id, access->project.owner_id, who.user_id, "rest:" + new_uuid()};
  out.role = access->role;
  out.project_name = access->project.name;
  co_return out;
}

boost::asio::awaitable<net::HttpResponse> signed_link_reply(ApiContext& ctx, const net::HttpRequest& req,
                                                            std::string route,
                                                            std::string (*scope_of)(const workspace::ProjectPath&)) {
  auto access = co_await file_access(ctx, req, db::Role::viewer);
  if (!access) co_return error_reply(access.error());
  auto& id = access->caller.project_id;
  auto made = make_signed_link(ctx, "/api/v1/projects/" + id + route, id, scope_of(access->path), access->path.str(),
                               access->caller.user_id);
  boost::json::object body{{"url", made.url}, {"expiresAt", iso8601(made.expires_at * 1000)}};
  co_return json_reply(200, boost::json::serialize(body));
}

}  // namespace berth::api
