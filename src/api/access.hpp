#pragma once
// The one authentication-and-access check of Berth, used by the REST routes
// (rest/request_auth.hpp reads the bearer header) and by the Socket.IO
// middleware (events/project_connection.cpp reads the CONNECT auth): a token
// becomes a Principal, and the Principal's access to a project is its
// membership role. A project the caller may not see is `not_found`, the same
// as a missing one; a role too low is `forbidden`.
#include <boost/asio/awaitable.hpp>
#include <string_view>

#include "api/context.hpp"
#include "auth/principal.hpp"
#include "db/project_repository.hpp"

namespace berth::api {

// Verifies the token; a user who arrives with a Supabase token gets a users
// row on first sight.
boost::asio::awaitable<Result<auth::Principal>> authenticate_token(ApiContext& ctx, std::string_view token);

struct ProjectAccess {
  db::Project project;
  db::Role role;
};

// `minimum`: owner > editor > viewer.
boost::asio::awaitable<Result<ProjectAccess>> project_access(ApiContext& ctx, const auth::Principal& who,
                                                             const std::string& project_id, db::Role minimum);

// Whether `role` may do what needs `minimum`.
bool role_allows(db::Role role, db::Role minimum);

}  // namespace berth::api
