#pragma once
// Shared by every authenticated REST handler: the bearer token → Principal
// (the access check itself is api/access.hpp, shared with Socket.IO).
#include <boost/asio/awaitable.hpp>

#include "api/access.hpp"
#include "net/http_types.hpp"

namespace berth::api {

boost::asio::awaitable<Result<auth::Principal>> authenticate_request(ApiContext& ctx, const net::HttpRequest& req);

net::HttpResponse json_reply(int status, std::string body);
net::HttpResponse no_content();  // 204, no body

}  // namespace berth::api
