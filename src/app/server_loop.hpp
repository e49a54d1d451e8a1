#pragma once
// Runs an io_context on N threads until SIGINT/SIGTERM, then shuts the HTTP
// server down gracefully: stop accepting, let requests in flight finish (up
// to 10 s), run `on_stop` (close WebSockets, ...), stop. A second signal
// stops at once. Shared by `serve` and the `dev` servers.
#include <boost/asio/io_context.hpp>
#include <functional>

#include "net/http_server.hpp"

namespace berth::app {

void run_until_signal(boost::asio::io_context& ioc, net::HttpServer& server, unsigned threads,
                      std::function<void()> on_stop = {});

}  // namespace berth::app
