#pragma once
// The servers `berth dev conformance-server` runs for the official Engine.IO
// v4 and Socket.IO v5 protocol test suites (and tests/conformance/):
//   /engine.io/  a raw Engine.IO echo server
//   /socket.io/  Socket.IO whose "/" and "/custom" namespaces emit "auth"
//                with the CONNECT payload, answer "message" with
//                "message-back" and acknowledge "message-with-ack" with the
//                same arguments.
// For tests/conformance also: "join" [room] (acked true), "to-room" [room,
// ...args] (others in the room get "room-message" ...args), "ask" [...args]
// (the server emits "question" with an ack and reports the client's reply
// as "answer", or "answer-error" with "timeout"), and a namespace
// "/refused" whose middleware refuses with {code:"unauthorized"}.
// Both use pingInterval 300 ms, pingTimeout 200 ms and maxPayload 1e6, the
// suites' expectations. Test servers only: nothing checks who connects.
#include <boost/asio/io_context.hpp>
#include <memory>

#include "net/router.hpp"

namespace berth::app {

struct ConformanceServers;

// Keep the returned handle alive as long as the HTTP server runs.
std::shared_ptr<ConformanceServers> mount_conformance_servers(net::Router& router, boost::asio::io_context& ioc);
// Closes every session (for shutdown, while the io_context still runs).
void close_conformance_servers(ConformanceServers& servers);

}  // namespace berth::app
