// The Socket.IO server driven in-process through Engine.IO long-polling
// requests: no sockets, one io_context on the test thread.
#include <gtest/gtest.h>

#include <algorithm>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <optional>

#include "socketio/server.hpp"
#include "run_loop.hpp"

using namespace berth;
using namespace berth::socketio;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

class Harness {
 public:
  explicit Harness(std::chrono::milliseconds connect_timeout = 5s) : io_(ioc_, make_options(connect_timeout)) {}
  ~Harness() {
    io_.close();  // sessions and their listeners reference each other until closed
    run_for(20ms);
  }

  static Options make_options(std::chrono::milliseconds connect_timeout) {
    Options o;
    o.engine.ping_interval = 10s;
    o.engine.ping_timeout = 10s;
    o.connect_timeout = connect_timeout;
    return o;
  }

  Server& io() { return io_; }

  std::optional<net::HttpResponse> request(std::string method, std::string sid, std::string body = {},
                                           std::chrono::milliseconds wait = 500ms) {
    auto req = std::make_shared<net::HttpRequest>();
    req->method = std::move(method);
    req->path = "/socket.io/";
    req->query = {{"EIO", "4"}, {"transport", "polling"}};
    if (!sid.empty()) req->query["sid"] = sid;
    req->body = std::move(body);
    auto out = std::make_shared<std::optional<net::HttpResponse>>();
    asio::co_spawn(
        ioc_, [this, req, out]() -> asio::awaitable<void> { *out = co_await io_.engine().handle(*req); },
        asio::detached);
    run_until([&] { return out->has_value(); }, wait);
    return *out;
  }

  // Opens an Engine.IO session and returns its sid.
  std::string open() {
    auto r = request("GET", "");
    EXPECT_TRUE(r && r->status == 200);
    auto body = r->body;
    auto start = body.find("\"sid\":\"") + 7;
    return body.substr(start, body.find('"', start) - start);
  }
  std::string post(const std::string& sid, std::string body) {
    auto r = request("POST", sid, std::move(body));
    return r ? std::to_string(r->status) + " " + r->body : "pending";
  }
  std::string poll(const std::string& sid, std::chrono::milliseconds wait = 500ms) {
    auto r = request("GET", sid, {}, wait);
    if (!r) return "pending";
    return r->status == 200 ? r->body : std::to_string(r->status);
  }

  template <class Pred>
  void run_until(Pred done, std::chrono::milliseconds limit) {
    berth::testing::run_until(ioc_, done, limit);
  }
  void run_for(std::chrono::milliseconds d) { berth::testing::run_for(ioc_, d); }

 private:
  asio::io_context ioc_;
  Server io_;
};

// The socket id in a CONNECT answer "40{"sid":"..."}".
std::string socket_id(const std::string& body) {
  auto start = body.find("{\"sid\":\"") + 8;
  return body.substr(start, body.find('"', start) - start);
}

}  // namespace

TEST(SocketioServer, ConnectsWithAuthAndEchoesWithAck) {
  Harness h;
  h.io().of("/").on_connection([](SocketPtr s) {
    s->emit("auth", Json{s->handshake().auth});
    s->on("echo", [](SocketPtr, Args args, Ack ack) {
      EXPECT_TRUE(ack.wanted());
      ack(args);
      ack(Json{"1"});  // a second call sends nothing
    });
  });
  auto sid = h.open();
  EXPECT_EQ(h.post(sid, R"(40{"token":"t"})"), "200 ok");
  auto body = h.poll(sid);
  EXPECT_EQ(body.rfind("40{\"sid\":\"", 0), 0u) << body;
  EXPECT_NE(body.find("\x1e" R"(42["auth",{"token":"t"}])"), std::string::npos) << body;
  EXPECT_EQ(h.post(sid, R"(427["echo",{"a":12345678901234567890}])"), "200 ok");
  EXPECT_EQ(h.poll(sid), R"(437[{"a":12345678901234567890}])");
}

TEST(SocketioServer, UnknownNamespaceAndMiddlewareRefusal) {
  Harness h;
  auto& admin = h.io().of("/admin");
  admin.use([](Handshake& hs, Next next) {
    if (hs.auth.find("secret") == std::string::npos)
      return next(ConnectError{"not allowed", R"({"code":"unauthorized"})"});
    hs.data = std::string("admin-user");
    next();
  });
  std::string seen;
  admin.on_connection([&seen](SocketPtr s) { seen = *s->data<std::string>(); });
  auto sid = h.open();
  h.post(sid, "40/nope,");
  EXPECT_EQ(h.poll(sid), R"(44/nope,{"message":"Invalid namespace"})");
  h.post(sid, R"(40/admin,{"k":"x"})");
  EXPECT_EQ(h.poll(sid), R"(44/admin,{"message":"not allowed","data":{"code":"unauthorized"}})");
  h.post(sid, R"(40/admin,{"k":"secret"})");
  EXPECT_EQ(h.poll(sid).rfind("40/admin,{\"sid\":", 0), 0u);
  EXPECT_EQ(seen, "admin-user");
}

TEST(SocketioServer, AsyncMiddlewareContinuesLater) {
  Harness h;
  std::optional<Next> parked;
  h.io().of("/").use([&parked](Handshake&, Next next) { parked = next; });
  auto sid = h.open();
  h.post(sid, "40");
  h.run_for(20ms);
  EXPECT_EQ(h.io().of("/").size(), 0u);  // nothing until the middleware decides
  ASSERT_TRUE(parked.has_value());
  (*parked)();
  (*parked)();  // a second call is ignored
  h.run_for(20ms);
  EXPECT_EQ(h.poll(sid).rfind("40{\"sid\":", 0), 0u);
}

TEST(SocketioServer, ServerToClientAckAndTimeout) {
  Harness h;
  std::vector<std::string> results;
  h.io().of("/").on_connection([&results](SocketPtr s) {
    s->emit_with_ack("ask", Args::of(Json{"1"}), 100ms, [&results](Result<Args> r) {
      results.push_back(r ? std::string(r->json(0)) : r.error().code);
    });
    s->emit_with_ack("ask-again", Args{}, 50ms, [&results](Result<Args> r) {
      results.push_back(r ? std::string(r->json(0)) : r.error().code);
    });
  });
  auto sid = h.open();
  h.post(sid, "40");
  auto body = h.poll(sid);
  EXPECT_NE(body.find("\x1e" R"(420["ask",1])"), std::string::npos) << body;
  EXPECT_NE(body.find("\x1e" R"(421["ask-again"])"), std::string::npos) << body;
  h.post(sid, R"(430["yes"])");
  h.run_until([&] { return results.size() == 2; }, 500ms);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0], "\"yes\"");
  EXPECT_EQ(results[1], "timeout");
  h.post(sid, R"(431["late"])");  // after the timeout: ignored
  EXPECT_EQ(results.size(), 2u);
}

TEST(SocketioServer, RoomsAndBroadcastExceptSender) {
  Harness h;
  h.io().of("/").on_connection([](SocketPtr s) {
    s->join("room");
    s->on("shout", [](SocketPtr s, Args args, Ack) { s->to("room").emit("heard", args); });
  });
  auto a = h.open();
  auto b = h.open();
  auto c = h.open();  // connected, but leaves the room
  h.post(a, "40");
  h.post(b, "40");
  h.post(c, "40");
  h.poll(a);
  auto b_id = socket_id(h.poll(b));
  auto c_id = socket_id(h.poll(c));
  h.io().of("/").socket(c_id)->leave("room");
  h.post(a, R"(42["shout","hi"])");
  EXPECT_EQ(h.poll(b), R"(42["heard","hi"])");
  EXPECT_EQ(h.poll(a, 50ms), "pending");  // the sender is excluded
  EXPECT_EQ(h.poll(c, 50ms), "pending");
  // io.to(room).except(sid)
  EXPECT_TRUE(h.io().to("room").except(b_id).emit("news", Json{"[1,2]"}));
  h.run_for(10ms);
  // The GETs parked above receive it.
  EXPECT_EQ(h.io().of("/").size(), 3u);
}

TEST(SocketioServer, EverySocketIsInTheRoomNamedByItsId) {
  Harness h;
  h.io().of("/").on_connection([](SocketPtr s) {
    s->join("room");
    s->join(s->id());  // already in it: no second membership
  });
  auto a = h.open();
  auto b = h.open();
  h.post(a, "40");
  h.post(b, "40");
  auto a_id = socket_id(h.poll(a));
  auto b_id = socket_id(h.poll(b));
  auto rooms = h.io().of("/").socket(b_id)->rooms();
  std::sort(rooms.begin(), rooms.end());
  std::vector<std::string> expected{b_id, "room"};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(rooms, expected);

  // to(id) reaches that socket only; except(id) leaves it out of a room.
  // (a's next poll holds exactly what was sent to it: anything else would
  // be in the same payload.)
  EXPECT_TRUE(h.io().to(b_id).emit("direct", Json{"1"}));
  EXPECT_EQ(h.poll(b), R"(42["direct",1])");
  EXPECT_TRUE(h.io().to("room").except(a_id).emit("most", Json{"2"}));
  EXPECT_EQ(h.poll(b), R"(42["most",2])");
  EXPECT_TRUE(h.io().to(a_id).emit("mine", Json{"0"}));
  EXPECT_EQ(h.poll(a), R"(42["mine",0])");
  // A room named like a socket id, joined by another socket, holds both.
  h.io().of("/").socket(a_id)->join(b_id);
  EXPECT_TRUE(h.io().to(b_id).emit("both", Json{"3"}));
  EXPECT_EQ(h.poll(a), R"(42["both",3])");
  EXPECT_EQ(h.poll(b), R"(42["both",3])");

  // Gone with the socket.
  h.post(b, "41");
  h.run_for(10ms);
  EXPECT_TRUE(h.io().of("/").socket(b_id) == nullptr);
  EXPECT_TRUE(h.io().to(b_id).emit("late", Json{"4"}));
  EXPECT_EQ(h.poll(a), R"(42["late",4])");  // a joined the room named b_id
}

TEST(SocketioServer, ClientDisconnectAndServerDisconnect) {
  Harness h;
  std::vector<std::string> reasons;
  SocketPtr last;
  h.io().of("/").on_connection([&](SocketPtr s) {
    last = s;
    s->on_disconnect([&reasons](SocketPtr, DisconnectReason r) { reasons.emplace_back(to_string(r)); });
  });
  auto sid = h.open();
  h.post(sid, "40");
  h.poll(sid);
  h.post(sid, "41");
  EXPECT_EQ(reasons, std::vector<std::string>{"client namespace disconnect"});
  EXPECT_EQ(h.io().of("/").size(), 0u);
  h.post(sid, "40");
  h.poll(sid);
  last->disconnect();
  h.run_for(10ms);
  EXPECT_EQ(h.poll(sid), "41");
  EXPECT_EQ(reasons.back(), "server namespace disconnect");
  // disconnect(true) closes the Engine.IO session too; its last GET gets the close packet.
  h.post(sid, "40");
  h.poll(sid);
  last->disconnect(true);
  h.run_for(10ms);
  EXPECT_EQ(h.poll(sid), "41\x1e" "1");
  EXPECT_EQ(h.poll(sid), "400");
}

TEST(SocketioServer, InvalidPacketClosesTheConnection) {
  Harness h;
  std::vector<std::string> reasons;
  h.io().of("/").on_connection([&](SocketPtr s) {
    s->on_disconnect([&reasons](SocketPtr, DisconnectReason r) { reasons.emplace_back(to_string(r)); });
  });
  auto sid = h.open();
  h.post(sid, "40");
  h.poll(sid);
  h.post(sid, "42{}");
  EXPECT_EQ(reasons, std::vector<std::string>{"parse error"});
  EXPECT_EQ(h.poll(sid), "400");
}

TEST(SocketioServer, BinaryArgumentsOverPolling) {
  Harness h;
  std::string got;
  h.io().of("/").on_connection([&got](SocketPtr s) {
    s->on("bin", [&got](SocketPtr s, Args args, Ack) {
      ASSERT_EQ(args.size(), 2u);
      EXPECT_TRUE(args.is_binary(0));
      got = std::string(args.bytes(0));
      EXPECT_EQ(args.attachments().size(), 2u);  // the nested one too
      s->emit("bin-back", args);
    });
  });
  auto sid = h.open();
  h.post(sid, "40");
  h.poll(sid);
  EXPECT_EQ(h.post(sid, "452-[\"bin\",{\"_placeholder\":true,\"num\":0},{\"x\":{\"_placeholder\":true,\"num\":1}}]"
                        "\x1e" "bAQI=\x1e" "bAw=="),
            "200 ok");
  EXPECT_EQ(got, "\x01\x02");
  EXPECT_EQ(h.poll(sid),
            "452-[\"bin-back\",{\"_placeholder\":true,\"num\":0},{\"x\":{\"_placeholder\":true,\"num\":1}}]"
            "\x1e" "bAQI=\x1e" "bAw==");
}

TEST(SocketioServer, ConnectTimeoutClosesIdleConnections) {
  Harness h(30ms);
  auto sid = h.open();
  h.run_for(60ms);
  EXPECT_EQ(h.poll(sid), "1");  // the session said goodbye on its last GET
  EXPECT_EQ(h.poll(sid), "400");
}
