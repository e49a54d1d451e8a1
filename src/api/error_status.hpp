#pragma once
// The one place where an Error's stable code becomes an HTTP status
// (DESIGN §5): every REST handler answers errors through `error_reply`.
#include "core/result.hpp"
#include "net/http_types.hpp"

namespace berth::api {

int http_status_for(const std::string& code);
net::HttpResponse error_reply(const Error& error);

}  // namespace berth::api
