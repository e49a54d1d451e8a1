#include "api/rest/file_access.hpp"

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

}  // namespace berth::api
