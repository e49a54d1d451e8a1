// The Engine.IO server driven in-process through long-polling requests.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <optional>

#include "engineio/server.hpp"
#include "run_loop.hpp"

using namespace berth;
using namespace berth::engineio;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

class Echo final : public SessionListener {
 public:
  explicit Echo(std::weak_ptr<Session> s) : session_(std::move(s)) {}
  void on_message(std::string data, bool binary) override {
    if (auto s = session_.lock()) s->send(binary ? Frame::bytes(std::move(data)) : Frame::text(data));
  }
  void on_close(CloseReason reason) override { closed_with = std::string(to_string(reason)); }
  std::string closed_with;

 private:
  std::weak_ptr<Session> session_;
};

class Harness {
 public:
  explicit Harness(Options o) : server_(ioc_, std::move(o)) {
    server_.on_connection([this](const SessionPtr& s) {
      last = std::make_shared<Echo>(s);
      return last;
    });
  }
  ~Harness() {
    server_.close_all();
    run_for(20ms);
  }

  std::optional<net::HttpResponse> request(std::string method, std::map<std::string, std::string> query,
                                           std::string body = {}, net::HeaderMap headers = {},
                                           std::chrono::milliseconds wait = 300ms) {
    auto req = std::make_shared<net::HttpRequest>();
    req->method = std::move(method);
    req->path = "/engine.io/";
    req->query = std::move(query);
    req->body = std::move(body);
    req->headers = std::move(headers);
    auto out = std::make_shared<std::optional<net::HttpResponse>>();
    asio::co_spawn(
        ioc_, [this, req, out]() -> asio::awaitable<void> { *out = co_await server_.handle(*req); }, asio::detached);
    run_until([&] { return out->has_value(); }, wait);
    return *out;
  }
  std::string open() {
    auto r = request("GET", {{"EIO", "4"}, {"transport", "polling"}});
    auto start = r->body.find("\"sid\":\"") + 7;
    return r->body.substr(start, r->body.find('"', start) - start);
  }
  std::map<std::string, std::string> q(const std::string& sid) {
    return {{"EIO", "4"}, {"transport", "polling"}, {"sid", sid}};
  }
  template <class Pred>
  void run_until(Pred done, std::chrono::milliseconds limit) {
    berth::testing::run_until(ioc_, done, limit);
  }
  void run_for(std::chrono::milliseconds d) { berth::testing::run_for(ioc_, d); }

  asio::io_context ioc_;
  Server server_;
  std::shared_ptr<Echo> last;
};

Options quiet() {
  Options o;
  o.ping_interval = 10s;
  o.ping_timeout = 10s;
  return o;
}

std::string header(const net::HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

}  // namespace

TEST(EngineioServer, HandshakeAndEcho) {
  Harness h(quiet());
  auto r = h.request("GET", {{"EIO", "4"}, {"transport", "polling"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->content_type, "text/plain; charset=UTF-8");
  EXPECT_EQ(r->body.rfind("0{\"sid\":\"", 0), 0u);
  EXPECT_NE(r->body.find(R"("upgrades":["websocket"],"pingInterval":10000,"pingTimeout":10000,"maxPayload":1000000})"),
            std::string::npos);
  auto sid = h.open();
  EXPECT_EQ(h.server_.session_count(), 2u);
  EXPECT_EQ(h.request("POST", h.q(sid), "4a\x1e" "bAQI=")->body, "ok");
  EXPECT_EQ(h.request("GET", h.q(sid))->body, "4a\x1e" "bAQI=");
}

TEST(EngineioServer, BadRequests) {
  Harness h(quiet());
  EXPECT_EQ(h.request("GET", {{"transport", "polling"}})->status, 400);
  EXPECT_EQ(h.request("GET", {{"EIO", "4"}, {"transport", "websocket"}})->status, 400);
  EXPECT_EQ(h.request("POST", {{"EIO", "4"}, {"transport", "polling"}})->status, 400);
  EXPECT_EQ(h.request("DELETE", {{"EIO", "4"}, {"transport", "polling"}})->status, 400);
  auto unknown = h.request("GET", h.q("nope"));
  EXPECT_EQ(unknown->status, 400);
  EXPECT_EQ(unknown->body, R"({"code":1,"message":"Session ID unknown"})");
}

TEST(EngineioServer, TransportsCanBeTurnedOff) {
  Options o = quiet();
  o.allow_polling = false;
  Harness h(o);
  EXPECT_EQ(h.request("GET", {{"EIO", "4"}, {"transport", "polling"}})->status, 400);
}

TEST(EngineioServer, PayloadLimit) {
  Options o = quiet();
  o.max_payload = 10;
  Harness h(o);
  auto sid = h.open();
  EXPECT_EQ(h.request("POST", h.q(sid), "4" + std::string(10, 'x'))->status, 413);
  EXPECT_EQ(h.request("POST", h.q(sid), "4" + std::string(9, 'x'))->status, 200);
}

TEST(EngineioServer, ClientThatNeverPollsIsDroppedWhenItsQueueIsFull) {
  Options o = quiet();
  o.max_queued_bytes = 4096;
  Harness h(o);
  auto sid = h.open();
  auto echo = h.last;
  for (int i = 0; i < 10 && h.server_.session_count() > 0; ++i)
    h.request("POST", h.q(sid), "4" + std::string(1000, 'x'));
  EXPECT_EQ(h.server_.session_count(), 0u);
  EXPECT_EQ(echo->closed_with, "send queue full");
  EXPECT_EQ(h.request("GET", h.q(sid))->status, 400);
}

TEST(EngineioServer, HeartbeatTimesOut) {
  Options o;
  o.ping_interval = 20ms;
  o.ping_timeout = 20ms;
  Harness h(o);
  auto sid = h.open();
  auto echo = h.last;
  EXPECT_EQ(h.request("GET", h.q(sid))->body, "2");
  EXPECT_EQ(h.request("POST", h.q(sid), "3")->body, "ok");
  EXPECT_EQ(h.request("GET", h.q(sid))->body, "2");
  h.run_for(60ms);
  EXPECT_EQ(echo->closed_with, "ping timeout");
  EXPECT_EQ(h.request("GET", h.q(sid))->status, 400);
}

TEST(EngineioServer, CorsHeadersWhenConfigured) {
  Options o = quiet();
  o.cors_origin = "https://editor.example, https://other.example";
  Harness h(o);
  net::HeaderMap from_editor{{"Origin", "https://editor.example"}};
  auto r = h.request("GET", {{"EIO", "4"}, {"transport", "polling"}}, {}, from_editor);
  EXPECT_EQ(header(*r, "Access-Control-Allow-Origin"), "https://editor.example");
  EXPECT_EQ(header(*r, "Access-Control-Allow-Credentials"), "true");
  auto pre = h.request("OPTIONS", {{"EIO", "4"}, {"transport", "polling"}}, {}, from_editor);
  EXPECT_EQ(pre->status, 204);
  auto stranger = h.request("GET", {{"EIO", "4"}, {"transport", "polling"}}, {}, {{"Origin", "https://evil.example"}});
  EXPECT_EQ(header(*stranger, "Access-Control-Allow-Origin"), "");
}

TEST(EngineioServer, ServerCloseReachesTheNextPoll) {
  Harness h(quiet());
  auto sid = h.open();
  h.server_.find(sid)->send(Frame::text("bye"));
  h.server_.find(sid)->close();
  h.run_for(10ms);
  EXPECT_EQ(h.request("GET", h.q(sid))->body, "4bye\x1e" "1");
  EXPECT_EQ(h.request("GET", h.q(sid))->status, 400);
}
