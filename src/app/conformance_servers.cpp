#include "app/conformance_servers.hpp"

#include "engineio/server.hpp"
#include "socketio/json_text.hpp"
#include "socketio/server.hpp"

namespace berth::app {
using namespace berth::socketio;

using namespace std::chrono_literals;

struct ConformanceServers {
  std::unique_ptr<engineio::Server> engine;
  std::unique_ptr<Server> io;
};

namespace {

class Echo final : public engineio::SessionListener {
 public:
  explicit Echo(std::weak_ptr<engineio::Session> session) : session_(std::move(session)) {}
  void on_message(std::string data, bool binary) override {
    if (auto s = session_.lock())
      s->send(binary ? engineio::Frame::bytes(std::move(data)) : engineio::Frame::text(data));
  }
  void on_close(engineio::CloseReason) override {}

 private:
  std::weak_ptr<engineio::Session> session_;
};

engineio::Options suite_options(std::string path) {
  engineio::Options o;
  o.path = std::move(path);
  o.ping_interval = 300ms;
  o.ping_timeout = 200ms;
  o.max_payload = 1'000'000;
  return o;
}

// Arguments [from, to) of `args`, binary ones included.
Args slice(const Args& args, std::size_t from) {
  Args out;
  for (std::size_t i = from; i < args.size(); ++i) {
    if (args.is_binary(i)) {
      out.add_binary(std::string(args.bytes(i)));
    } else {
      out.add_json(std::string(args.json(i)));
    }
  }
  return out;
}

void serve_suite_namespace(Namespace& nsp) {
  nsp.on_connection([](SocketPtr s) {
    s->emit("auth", Json{s->handshake().auth});
    s->on("message", [](SocketPtr s, Args args, Ack) { s->emit("message-back", args); });
    s->on("message-with-ack", [](SocketPtr, Args args, Ack ack) { ack(args); });
    // Beyond the official suites, for tests/conformance: rooms and
    // server-to-client acknowledgements.
    s->on("join", [](SocketPtr s, Args args, Ack ack) {
      auto room = args.empty() ? std::nullopt : json_unquote(args.json(0));
      if (room) s->join(*room);
      ack(Json{room ? "true" : "false"});
    });
    s->on("to-room", [](SocketPtr s, Args args, Ack) {
      auto room = args.empty() ? std::nullopt : json_unquote(args.json(0));
      if (room) s->to(*room).emit("room-message", slice(args, 1));
    });
    s->on("ask", [](SocketPtr s, Args args, Ack) {
      s->emit_with_ack("question", std::move(args), 1000ms, [s](Result<Args> answer) {
        if (answer) {
          s->emit("answer", answer.value());
        } else {
          s->emit("answer-error", String{answer.error().code});
        }
      });
    });
  });
}

}  // namespace

std::shared_ptr<ConformanceServers> mount_conformance_servers(net::Router& router, boost::asio::io_context& ioc) {
  auto servers = std::make_shared<ConformanceServers>();
  servers->engine = std::make_unique<engineio::Server>(ioc, suite_options("/engine.io/"));
  servers->engine->on_connection(
      [](const engineio::SessionPtr& s) { return std::make_shared<Echo>(std::weak_ptr<engineio::Session>(s)); });
  servers->engine->mount(router);

  Options options;
  options.engine = suite_options("/socket.io/");
  options.connect_timeout = 1000ms;
  servers->io = std::make_unique<Server>(ioc, options);
  serve_suite_namespace(servers->io->of("/"));
  serve_suite_namespace(servers->io->of("/custom"));
  servers->io->of("/refused").use([](Handshake&, Next next) {
    next(ConnectError{"refused", R"({"code":"unauthorized"})"});
  });
  servers->io->engine().mount(router);
  return servers;
}

void close_conformance_servers(ConformanceServers& servers) {
  servers.engine->close_all();
  servers.io->close();
}

}  // namespace berth::app
