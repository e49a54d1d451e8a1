#include "engineio/server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <atomic>
#include <mutex>
#include <unordered_map>

#include "core/encoding.hpp"
#include "core/log.hpp"
#include "engineio/polling.hpp"
#include "engineio/websocket_transport.hpp"
#include "net/cors.hpp"
#include "net/websocket.hpp"

namespace berth::engineio {

namespace asio = boost::asio;

struct Server::State : SessionRegistry, std::enable_shared_from_this<Server::State> {
  State(asio::io_context& i, Options o)
      : ioc(i),
        options(std::make_shared<const Options>(std::move(o))),
        cors(options->cors_origin, "GET, POST, OPTIONS"),
        clock(std::make_shared<HeartbeatClock>(i.get_executor())) {}

  asio::io_context& ioc;
  std::shared_ptr<const Options> options;
  net::CorsPolicy cors;
  std::shared_ptr<HeartbeatClock> clock;  // every session's pings and deadlines
  ConnectionHandler on_connection;
  mutable std::mutex mu;
  std::unordered_map<std::string_view, SessionPtr> sessions;  // keys view the sessions' own ids
  std::size_t unestablished = 0;  // sessions and reservations not yet established()
  std::atomic<bool> warned{false};

  void forget(const Session& s) override {
    std::lock_guard lock(mu);
    auto it = sessions.find(s.id());
    if (it != sessions.end() && it->second.get() == &s) {
      sessions.erase(it);
      if (!s.is_established()) --unestablished;
    }
  }
  void established(const Session&) override {
    std::lock_guard lock(mu);
    --unestablished;
  }

  // A place for one more unestablished session, taken before the work of
  // making it (a WebSocket accept); create() uses it, release() gives it back.
  bool reserve() {
    std::lock_guard lock(mu);
    if (options->max_unestablished && unestablished >= options->max_unestablished) return false;
    ++unestablished;
    warned = false;
    return true;
  }
  void release() {
    std::lock_guard lock(mu);
    --unestablished;
  }
  net::HttpResponse busy_reply() {
    if (!warned.exchange(true))  // once per spell at the bound, not per refusal
      spdlog::warn("engine.io: {} sessions have not connected to a namespace yet (BERTH_MAX_PENDING_SOCKETS): "
                 "refusing new handshakes with 503",
                 options->max_unestablished);
    net::HttpResponse r;
    r.status = 503;
    r.body = R"({"error":{"code":"limit_reached","message":"too many connections are still being set up on this server (BERTH_MAX_PENDING_SOCKETS); try again shortly"}})";
    r.with_header("Retry-After", "5");
    return r;
  }

  SessionPtr find(const std::string& sid) const {
    std::lock_guard lock(mu);
    auto it = sessions.find(sid);
    return it == sessions.end() ? nullptr : it->second;
  }

  // The request's query and headers are kept, compactly, by the session.
  // The WebSocket handshake's own headers are dropped: they mean nothing
  // after the 101.
  static RequestInfo request_info(net::HttpRequest& req) {
    if (req.upgrade) {
      for (const char* name : {"Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Extensions", "Upgrade",
                               "Connection"})
        req.headers.erase(name);
    }
    return RequestInfo(req.query, req.headers, req.remote);
  }

  SessionPtr create(net::HttpRequest& req, Session::Transport transport, asio::any_io_executor strand) {
    // make_shared on purpose: one block per session. The heartbeat clock's
    // weak_ptrs keep a closed session's block (not the session) until its
    // last entry expires, at most pingInterval later: bounded, and cheaper
    // than a second allocation for every live connection.
    auto s = std::make_shared<Session>(random_token(15), std::move(strand), options, request_info(req), transport,
                                       weak_from_this(), clock);
    std::lock_guard lock(mu);
    sessions.emplace(s->id(), s);
    return s;
  }

  // On the session's strand: the listener comes first, then the heartbeat.
  static void open_session(const std::shared_ptr<State>& self, const SessionPtr& s) {
    if (self->on_connection) {
      try {
        s->set_listener(self->on_connection(s));
      } catch (const std::exception& e) {
        spdlog::error("engine.io connection handler threw: {}", e.what());
      }
    }
    s->start();
  }

  static asio::awaitable<void> open(std::shared_ptr<State> self, SessionPtr s) {
    open_session(self, s);
    co_return;
  }

  std::string handshake(const Session& s, bool offer_websocket) const {
    return handshake_json(s.id(), offer_websocket, long(options->ping_interval.count()),
                          long(options->ping_timeout.count()), options->max_payload);
  }

  static asio::awaitable<net::HttpResponse> open_polling(std::shared_ptr<State> self, net::HttpRequest& req) {
    if (!self->reserve()) co_return self->busy_reply();
    auto s = self->create(req, Session::Transport::polling, asio::make_strand(self->ioc));
    co_await asio::co_spawn(s->executor(), open(self, s), asio::use_awaitable);
    bool offer = self->options->allow_websocket && self->options->allow_upgrades;
    co_return text_reply("0" + self->handshake(*s, offer));
  }

  // The WebSocket gets tasks of its own and this returns at once: the HTTP
  // session that carried the upgrade ends and frees its parser, buffers and
  // coroutine frames instead of keeping them for the connection's life.
  static asio::awaitable<net::HttpResponse> websocket(std::shared_ptr<State> self, net::HttpRequest& req,
                                                      std::string sid) {
    SessionPtr s;
    if (!sid.empty()) {
      s = self->find(sid);
      if (!s) co_return error_reply(ErrorCode::unknown_sid);
    }
    if (!s && !self->reserve()) co_return self->busy_reply();
    auto ws_unique = co_await req.upgrade->accept(self->options->max_payload);
    if (!ws_unique) {
      if (!s) self->release();
      co_return net::HttpResponse{};
    }
    std::shared_ptr<net::WebSocket> ws = std::move(ws_unique);
    if (s) {
      asio::co_spawn(s->executor(), run_upgrade(s, ws), asio::detached);
    } else {
      // The connection's strand becomes the session's: the WebSocket's own
      // I/O objects then never run on a second strand.
      s = self->create(req, Session::Transport::websocket, ws->executor());
      asio::dispatch(s->executor(), [self, s, ws = std::move(ws)]() mutable {
        s->enqueue(Frame::control(PacketType::open, self->handshake(*s, false)));
        open_session(self, s);
        run_websocket(s, std::move(ws));
      });
    }
    co_return net::HttpResponse{};
  }

  static asio::awaitable<net::HttpResponse> dispatch(std::shared_ptr<State> self, net::HttpRequest& req) {
    const auto& o = *self->options;
    auto eio = req.query.find("EIO");
    if (eio == req.query.end() || eio->second != "4") co_return error_reply(ErrorCode::unsupported_protocol_version);
    auto t = req.query.find("transport");
    std::string transport = t == req.query.end() ? "" : t->second;
    if (!((transport == "polling" && o.allow_polling) || (transport == "websocket" && o.allow_websocket)))
      co_return error_reply(ErrorCode::unknown_transport);
    auto sid_it = req.query.find("sid");
    std::string sid = sid_it == req.query.end() ? "" : sid_it->second;

    if (req.upgrade) {
      if (transport != "websocket" || req.method != "GET") co_return error_reply(ErrorCode::bad_request);
      co_return co_await websocket(self, req, sid);
    }
    if (transport != "polling") co_return error_reply(ErrorCode::bad_request);
    if (sid.empty()) {
      if (req.method != "GET") co_return error_reply(ErrorCode::bad_handshake_method);
      co_return co_await open_polling(self, req);
    }
    auto s = self->find(sid);
    if (!s) co_return error_reply(ErrorCode::unknown_sid);
    if (req.method == "GET") co_return co_await asio::co_spawn(s->executor(), poll_get(s), asio::use_awaitable);
    if (req.method == "POST")
      co_return co_await asio::co_spawn(s->executor(), poll_post(s, std::move(req.body)), asio::use_awaitable);
    co_return error_reply(ErrorCode::bad_request);
  }

  static asio::awaitable<net::HttpResponse> handle(std::shared_ptr<State> self, net::HttpRequest& req) {
    std::string origin(req.header("Origin"));
    bool with_cors = self->cors.allows(origin);
    net::HttpResponse res;
    if (req.method == "OPTIONS")
      res = with_cors ? self->cors.preflight() : error_reply(ErrorCode::bad_request);
    else
      res = co_await dispatch(self, req);
    if (with_cors) self->cors.decorate(res, origin);
    co_return res;
  }
};

Server::Server(asio::io_context& ioc, Options options) : state_(std::make_shared<State>(ioc, std::move(options))) {}

Server::~Server() { state_->clock->stop(); }

void Server::on_connection(ConnectionHandler handler) { state_->on_connection = std::move(handler); }

void Server::mount(net::Router& router) {
  // Every method goes to one handler: the protocol answers a wrong method
  // with 400, not the router's 405.
  for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    router.add(method, state_->options->path,
               [state = state_](net::HttpRequest& req) { return State::handle(state, req); });
  }
}

asio::awaitable<net::HttpResponse> Server::handle(net::HttpRequest& req) { return State::handle(state_, req); }

const Options& Server::options() const { return *state_->options; }

std::size_t Server::session_count() const {
  std::lock_guard lock(state_->mu);
  return state_->sessions.size();
}

SessionPtr Server::find(const std::string& sid) const { return state_->find(sid); }

void Server::close_all() {
  std::vector<SessionPtr> all;
  {
    std::lock_guard lock(state_->mu);
    for (auto& [id, s] : state_->sessions) all.push_back(s);
  }
  for (auto& s : all) s->close(CloseReason::server_close);
}

}  // namespace berth::engineio
