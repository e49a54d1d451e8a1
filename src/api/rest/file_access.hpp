#pragma once
// Who may do what to which path, for the REST file and archive routes: the
// bearer token (or, where allowed, a signed download link), the project
// access of api/access.hpp, and the `path` query parameter through the
// path guard's parser. A REST request is its own actor: every socket of the
// project gets the fs:changed of its changes.
#include <boost/asio/awaitable.hpp>
#include <string>

#include "api/file_operations.hpp"
#include "net/http_types.hpp"
#include "workspace/path_guard.hpp"

namespace berth::api {

enum class FileAccess { bearer_only, link_allowed };

struct FileRequest {
  FileCaller caller;
  workspace::ProjectPath path;  // `?path=`; the root when absent
  db::Role role = db::Role::viewer;
  std::string project_name;  // for a download's file name
};

// What a signed link to a file grants, and to the archive of a folder.
std::string file_scope(const workspace::ProjectPath& path);
std::string archive_scope(const workspace::ProjectPath& folder);

// `link_scope` with link_allowed: the scope a link must carry (file_scope
// of the path when empty). Links only ever grant viewer access.
boost::asio::awaitable<Result<FileRequest>> file_access(ApiContext& ctx, const net::HttpRequest& req,
                                                        db::Role minimum,
                                                        FileAccess how = FileAccess::bearer_only,
                                                        std::string link_scope = {});

// POST …/files/link and …/archive/link: {url, expiresAt}, a viewer's signed
// GET link to `/api/v1/projects/<id><route>` for the request's path, with
// the scope `scope_of(path)`.
boost::asio::awaitable<net::HttpResponse> signed_link_reply(ApiContext& ctx, const net::HttpRequest& req,
                                                            std::string route,
                                                            std::string (*scope_of)(const workspace::ProjectPath&));

}  // namespace berth::api
