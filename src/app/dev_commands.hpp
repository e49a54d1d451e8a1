#pragma once
// `berth dev …`: servers for protocol test suites and benchmarks. They use
// the real Engine.IO/Socket.IO stack but no database and no authentication,
// and listen on loopback only.
#include <cstdint>

namespace berth::app {

// The reference servers of the official Engine.IO v4 / Socket.IO v5 test
// suites (see app/conformance_servers.hpp), on 127.0.0.1:port.
int run_conformance_server(std::uint16_t port, unsigned threads);

// The same events as bench/socketio/reference_server.mjs: "echo" (acked with
// its arguments), "join" a room, "broadcast" to a room as "news".
int run_bench_server(std::uint16_t port, unsigned threads);

}  // namespace berth::app
