#pragma once
// The HTTP long-polling transport. A GET is held until the session has
// frames for it (at most one GET and one POST at a time: a second one is a
// protocol error that closes the session); a POST carries packets from the
// client. Both run on the session's strand.
#include <boost/asio/awaitable.hpp>
#include <string>

#include "engineio/session.hpp"
#include "net/http_types.hpp"

namespace berth::engineio {

// The reference server's error bodies: {"code":N,"message":"..."}.
enum class ErrorCode { unknown_transport = 0, unknown_sid = 1, bad_handshake_method = 2, bad_request = 3,
                       forbidden = 4, unsupported_protocol_version = 5 };
net::HttpResponse error_reply(ErrorCode code, int status = 400);
net::HttpResponse text_reply(std::string body, std::string content_type = "text/plain; charset=UTF-8");

boost::asio::awaitable<net::HttpResponse> poll_get(SessionPtr session);
boost::asio::awaitable<net::HttpResponse> poll_post(SessionPtr session, std::string body);

}  // namespace berth::engineio
