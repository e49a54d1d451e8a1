#include "app/dev_commands.hpp"

#include <boost/asio/io_context.hpp>

#include "app/server_loop.hpp"
#include "core/log.hpp"
#include "net/http_server.hpp"
#include "app/conformance_servers.hpp"
#include "socketio/server.hpp"

namespace berth::app {
namespace {

// Listens on loopback and runs until a signal; `mount` adds the routes.
template <class Mount>
int serve_on_loopback(const char* what, std::uint16_t port, unsigned threads, Mount mount) {
  boost::asio::io_context ioc{int(threads)};
  net::Metrics metrics;
  net::Router router;
  auto keep = mount(router, ioc);
  net::HttpServer::Options options;
  options.host = "127.0.0.1";
  options.port = port;
  net::HttpServer server(ioc, options, router, metrics);
  if (auto listening = server.listen(); !listening) {
    spdlog::error("{}", listening.error().message);
    return 2;
  }
  server.start();
  spdlog::info("{} on http://127.0.0.1:{} ({} threads)", what, server.port(), threads);
  run_until_signal(ioc, server, threads, [&] { keep->close(); });
  return 0;
}

struct ConformanceHandle {
  std::shared_ptr<ConformanceServers> servers;
  void close() { close_conformance_servers(*servers); }
};

}  // namespace

int run_conformance_server(std::uint16_t port, unsigned threads) {
  return serve_on_loopback("conformance servers (/engine.io/, /socket.io/)", port, threads,
                           [](net::Router& router, boost::asio::io_context& ioc) {
                             return std::make_unique<ConformanceHandle>(
                                 ConformanceHandle{mount_conformance_servers(router, ioc)});
                           });
}

int run_bench_server(std::uint16_t port, unsigned threads) {
  return serve_on_loopback("Socket.IO bench server", port, threads, [](net::Router& router, boost::asio::io_context& ioc) {
    auto io = std::make_unique<socketio::Server>(ioc);
    io->of("/").on_connection([raw = io.get()](socketio::SocketPtr s) {
      s->on("echo", [](socketio::SocketPtr, socketio::Args args, socketio::Ack ack) { ack(args); });
      s->on("join", [](socketio::SocketPtr s, socketio::Args args, socketio::Ack ack) {
        if (args.size() > 0 && !args.is_binary(0)) s->join(std::string(args.json(0)));
        ack();
      });
      s->on("broadcast", [raw](socketio::SocketPtr, socketio::Args args, socketio::Ack ack) {
        if (args.size() >= 2) raw->to(std::string(args.json(0))).emit("news", socketio::Args::of(socketio::Json{std::string(args.json(1))}));
        ack();
      });
    });
    io->engine().mount(router);
    return io;
  });
}

}  // namespace berth::app
