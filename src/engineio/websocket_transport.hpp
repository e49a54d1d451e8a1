#pragma once
// The WebSocket transport: one pending read and at most one write in
// flight per connection, both completion handlers on the session's strand
// (Beast allows one read and one write in flight). The writer drains the
// session's queue frame by frame; a text frame is an Engine.IO packet, a
// binary frame a binary message.
#include <boost/asio/awaitable.hpp>
#include <memory>

#include "engineio/session.hpp"

namespace berth::net {
class WebSocket;
}

namespace berth::engineio {

// Serves a session that was opened over a WebSocket (its open packet is
// already queued). Strand only; returns at once, the transport keeps itself
// alive through its pending operations until the connection is gone.
void run_websocket(SessionPtr session, std::shared_ptr<net::WebSocket> ws);

// The polling -> WebSocket upgrade: answer 2probe with 3probe, make parked
// GETs return (noop), and on 5 move the session, queue and all, onto the
// WebSocket. Anything else, or upgrade_timeout, abandons the upgrade and the
// session stays on polling. Returns once the upgrade finished or failed; an
// upgraded session then runs on as run_websocket's.
boost::asio::awaitable<void> run_upgrade(SessionPtr session, std::shared_ptr<net::WebSocket> ws);

}  // namespace berth::engineio
