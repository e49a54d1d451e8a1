#pragma once
// The Socket.IO v5 server: namespaces on top of one Engine.IO endpoint.
//
//   socketio::Server io(ioc, {});
//   auto& nsp = io.of("/");
//   nsp.use([](Handshake& hs, Next next) { ... next(); });
//   nsp.on_connection([](SocketPtr s) {
//     s->on("fs:list", [](SocketPtr s, Args args, Ack ack) { ack(Json{"{\"ok\":true}"}); });
//   });
//   io.engine().mount(router);   // the transport owns the HTTP routes
//   io.to("project:42").except(sid).emit("fs:changed", Json{...});
//
// The Server must outlive the HTTP server that routes to it.
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "engineio/options.hpp"
#include "engineio/server.hpp"
#include "socketio/args.hpp"
#include "socketio/broadcast.hpp"
#include "socketio/client.hpp"
#include "socketio/handshake.hpp"
#include "socketio/namespace.hpp"
#include "socketio/socket.hpp"

namespace berth::socketio {

struct Options {
  engineio::Options engine = default_engine_options();
  std::chrono::milliseconds connect_timeout{45'000};
  DecodeLimits limits;

  static engineio::Options default_engine_options() {
    engineio::Options o;
    o.path = "/socket.io/";
    return o;
  }
};

class Server {
 public:
  Server(boost::asio::io_context& ioc, Options options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  Namespace& of(std::string_view name);  // "/" always exists

  // The main namespace's broadcasts.
  Broadcast to(std::string room) { return of("/").to(std::move(room)); }
  bool emit(std::string_view event, const Args& args = {}) { return of("/").emit(event, args); }

  // Closes every connection (queued packets still go out): for shutdown.
  void close();
  engineio::Server& engine() { return *engine_; }

 private:
  std::shared_ptr<NamespaceTable> namespaces_;
  std::unique_ptr<engineio::Server> engine_;
};

}  // namespace berth::socketio
