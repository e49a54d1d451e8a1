#pragma once
// Shared by every authenticated REST handler: the bearer token → Principal,
// and the caller's access to a project (404 for projects the caller may not
// see, 403 for a member whose role is too low: DESIGN §5).
#include <boost/asio/awaitable.hpp>

#include "api/context.hpp"
#include "auth/principal.hpp"
#include "db/project_repository.hpp"
#include "net/http_types.hpp"

namespace berth::api {

boost::asio::awaitable<Result<auth::Principal>> authenticate_request(ApiContext& ctx, const net::HttpRequest& req);

struct ProjectAccess {
  db::Project project;
  db::Role role;
};

// `minimum`: owner > editor > viewer.
boost::asio::awaitable<Result<ProjectAccess>> project_access(ApiContext& ctx, const auth::Principal& who,
                                                             const std::string& project_id, db::Role minimum);

net::HttpResponse json_reply(int status, std::string body);
net::HttpResponse no_content();  // 204, no body

}  // namespace berth::api
