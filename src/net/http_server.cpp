#include "net/http_server.hpp"

#include "net/cors.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <mutex>
#include <sstream>
#include <unordered_map>

#include "core/log.hpp"
#include "net/websocket.hpp"
#include "net/websocket_impl.hpp"

namespace berth::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

namespace {

struct Connection {
  explicit Connection(tcp::socket s) : stream(std::move(s)) {}
  beast::tcp_stream stream;
  bool busy = false;      // a request is being handled
  std::atomic<bool> upgraded{false};  // the stream now belongs to a WebSocket
  std::atomic<std::size_t> served{0};  // responses written; 0 = a fresh connection
  bool answered_early = false;  // an error was sent before the request was read in full
};

// After an early answer (413, 431, 400…) the client may still be sending
// its body. Closing at once would make the kernel reset the connection, and
// a client still writing (Node's fetch, browsers) then sees EPIPE or a reset
// instead of the answer. So: shut the write side, read and drop what still
// comes for a bounded time and size, then close.
constexpr auto early_answer_drain_time = std::chrono::seconds(2);
constexpr std::size_t early_answer_drain_bytes = std::size_t(64) << 20;

// How long a fresh connection may still send its first request after shutdown.
constexpr auto fresh_connection_grace = std::chrono::seconds(1);

class Upgrade final : public WebSocketUpgrade {
 public:
  Upgrade(Connection& conn, http::request<http::string_body>& req) : conn_(conn), req_(req) {}
  asio::awaitable<std::unique_ptr<WebSocket>> accept(std::size_t max_message_bytes) override {
    conn_.upgraded = true;
    // Only the socket moves on: the HTTP session's buffers, parser and
    // tcp_stream timer are freed when its coroutine returns.
    auto impl = std::make_unique<WebSocket::Impl>(conn_.stream.release_socket());
    impl->max_message = max_message_bytes;
    {
      // Beast answers the opening handshake (or refuses it with a 400);
      // the frames are then net/websocket.cpp's, on the bare socket.
      beast::websocket::stream<tcp::socket&> hs(impl->socket);
      hs.set_option(beast::websocket::stream_base::timeout{std::chrono::seconds(30),
                                                           beast::websocket::stream_base::none(), false});
      beast::websocket::permessage_deflate pmd;
      pmd.server_enable = false;
      hs.set_option(pmd);
      auto [ec] = co_await hs.async_accept(req_, use_nothrow);
      if (ec) co_return nullptr;
    }
    co_return std::make_unique<WebSocket>(std::move(impl));
  }
  bool accepted() const override { return conn_.upgraded; }

 private:
  Connection& conn_;
  http::request<http::string_body>& req_;
};

// A streaming route's request body, read from the connection as the
// handler asks for it.
class StreamingBody final : public BodyReader {
 public:
  StreamingBody(Connection& conn, beast::flat_buffer& buffer, http::request_parser<http::buffer_body>& parser,
                std::chrono::seconds timeout, bool send_continue)
      : conn_(conn), buffer_(buffer), parser_(parser), timeout_(timeout), send_continue_(send_continue) {}

  asio::awaitable<Result<std::size_t>> read(std::span<char> into) override {
    if (failed_) co_return make_error("bad_request", "the request body could not be read");
    if (send_continue_) {  // the client waits for this before it sends the body (curl does)
      send_continue_ = false;
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      conn_.stream.expires_after(timeout_);
      auto [ec, n] = co_await asio::async_write(conn_.stream, asio::buffer(kContinue), use_nothrow);
      if (ec) co_return fail("the connection closed");
    }
    while (!parser_.is_done()) {
      auto& body = parser_.get().body();
      body.data = into.data();
      body.size = into.size();
      conn_.stream.expires_after(timeout_);
      auto [ec, n] = co_await http::async_read_some(conn_.stream, buffer_, parser_, use_nothrow);
      std::size_t got = into.size() - body.size;
      if (ec == http::error::need_buffer) ec = {};
      if (ec == beast::error::timeout) co_return fail("timeout", "the request body stopped arriving");
      if (ec) co_return fail("the request body ended early or was malformed: " + ec.message());
      if (got > 0) co_return got;
    }
    conn_.stream.expires_never();
    co_return std::size_t{0};
  }

  std::optional<std::uint64_t> length() const override {
    auto n = parser_.content_length();
    return n ? std::optional<std::uint64_t>(*n) : std::nullopt;
  }
  bool failed() const { return failed_; }

 private:
  Error fail(std::string message) { return fail("bad_request", std::move(message)); }
  Error fail(std::string code, std::string message) {
    failed_ = true;
    return make_error(std::move(code), std::move(message));
  }

  Connection& conn_;
  beast::flat_buffer& buffer_;
  http::request_parser<http::buffer_body>& parser_;
  std::chrono::seconds timeout_;
  bool send_continue_;
  bool failed_ = false;
};

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& i, Options o, const Router& r, Metrics& m)
      : ioc(i),
        options(std::move(o)),
        cors_policy(options.cors_origin, "GET, POST, PUT, PATCH, DELETE, OPTIONS"),
        router(r),
        metrics(m),
        acceptor(asio::make_strand(i)) {}

  asio::io_context& ioc;
  Options options;
  CorsPolicy cors_policy;
  const Router& router;
  Metrics& metrics;
  tcp::acceptor acceptor;
  std::atomic<bool> stopping{false};
  std::chrono::steady_clock::time_point stopped_at;
  std::atomic<bool> backlog_taken{false};  // shutdown accepted what the kernel had queued
  std::mutex mu;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections;

  asio::awaitable<void> accept_loop() {
    while (!stopping) {
      auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), use_nothrow);
      if (ec) {
        if (stopping || ec == asio::error::operation_aborted) break;
        spdlog::warn("accept failed: {}", ec.message());
        continue;
      }
      adopt(std::move(socket));
    }
  }

  // Runs on the acceptor's strand at shutdown: connections the kernel has
  // completed but nobody accepted yet would be reset by close(); take them in.
  void accept_backlog_then_close() {
    beast::error_code ec;
    acceptor.non_blocking(true, ec);
    // Bounded: an error that repeats (EMFILE) must not spin; one that
    // concerns a single queued client (ECONNABORTED) must not end the loop.
    for (int i = 0; i < 65536 && !ec; ++i) {
      tcp::socket socket(asio::make_strand(ioc));
      beast::error_code aec;
      acceptor.accept(socket, aec);
      if (aec == asio::error::would_block || aec == asio::error::try_again) break;
      if (!aec) adopt(std::move(socket));
    }
    acceptor.close(ec);
    backlog_taken = true;
  }

  void adopt(tcp::socket socket) {
    // Socket.IO sends bursts of small frames (CONNECT then an event): without
    // TCP_NODELAY, Nagle plus delayed ACK holds the second one for ~40 ms.
    beast::error_code nodelay_ec;
    socket.set_option(tcp::no_delay(true), nodelay_ec);
    auto conn = std::make_shared<Connection>(std::move(socket));
    bool full;
    {
      std::lock_guard lock(mu);
      full = connections.size() >= options.max_connections;
      if (!full) connections[conn.get()] = conn;
    }
    auto ex = conn->stream.get_executor();
    if (full) {
      asio::co_spawn(ex, refuse_busy(conn), asio::detached);
      return;
    }
    asio::co_spawn(ex, session(shared_from_this(), conn), asio::detached);
  }

  // Past max_connections a client gets a quick 503 rather than a silent queue.
  asio::awaitable<void> refuse_busy(std::shared_ptr<Connection> conn) {
    static std::atomic<std::uint64_t> refused{0};
    if (refused++ % 1000 == 0)
      spdlog::warn("HTTP connections at the bound of {} (BERTH_MAX_CONNECTIONS): refusing new ones with 503",
                   options.max_connections);
    HttpResponse r = error_response(503, "limit_reached",
                                    "this server holds " + std::to_string(options.max_connections) +
                                        " connections already (BERTH_MAX_CONNECTIONS); try again shortly");
    std::string wire = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 5\r\n"
                       "Connection: close\r\nContent-Length: " +
                       std::to_string(r.body.size()) + "\r\n\r\n" + r.body;
    conn->stream.expires_after(std::chrono::seconds(5));
    co_await asio::async_write(conn->stream, asio::buffer(wire), use_nothrow);
    co_await drain_input(*conn);
    conn->stream.close();
  }

  // The graceful end after an early answer (see early_answer_drain_time).
  static asio::awaitable<void> drain_input(Connection& conn) {
    beast::error_code ignored;
    conn.stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    conn.stream.expires_after(early_answer_drain_time);
    std::vector<char> sink(64 << 10);
    for (std::size_t drained = 0; drained < early_answer_drain_bytes;) {
      auto [ec, n] = co_await conn.stream.async_read_some(asio::buffer(sink), use_nothrow);
      if (ec) break;
      drained += n;
    }
  }

  bool draining() {
    if (metrics.in_flight() > 0 || !backlog_taken) return true;
    if (std::chrono::steady_clock::now() - stopped_at > fresh_connection_grace) return false;
    std::lock_guard lock(mu);
    for (auto& [ptr, weak] : connections) {
      auto conn = weak.lock();
      if (conn && !conn->upgraded && conn->served == 0) return true;
    }
    return false;
  }

  static asio::awaitable<void> write_plain(Connection& conn, unsigned version, int status, std::string_view code,
                                           std::string_view message) {
    conn.answered_early = true;
    HttpResponse r = error_response(status, code, message);
    http::response<http::string_body> res{http::status(status), version};
    res.set(http::field::content_type, r.content_type);
    res.keep_alive(false);
    res.body() = std::move(r.body);
    res.prepare_payload();
    conn.stream.expires_after(std::chrono::seconds(5));
    co_await http::async_write(conn.stream, res, use_nothrow);
  }

  // The request's line and headers as handlers see them; false when the
  // path's percent-encoding is bad.
  template <class Body>
  static bool fill_request(HttpRequest& req, const http::request<Body>& head, const std::string& remote,
                           const TrustedProxies& proxies) {
    req.method = std::string(head.method_string());
    req.target = std::string(head.target());
    req.remote = remote;
    auto q = req.target.find('?');
    if (!percent_decode(std::string_view(req.target).substr(0, q), req.path, false)) return false;
    if (q != std::string::npos) req.query = parse_query(std::string_view(req.target).substr(q + 1));
    for (const auto& f : head) req.headers.emplace(std::string(f.name_string()), std::string(f.value()));
    req.client = client_address(remote, req.header("X-Forwarded-For"), proxies);
    return true;
  }

  std::string too_large_message() const {
    return "request body is larger than " + std::to_string(options.max_body_bytes) + " bytes";
  }

  // `self` keeps the server state alive while the session runs.
  asio::awaitable<void> session([[maybe_unused]] std::shared_ptr<Impl> self, std::shared_ptr<Connection> conn) {
    beast::flat_buffer buffer;
    std::string remote;
    {
      beast::error_code ec;
      auto ep = conn->stream.socket().remote_endpoint(ec);
      if (!ec)  // "[::1]:5000": an IPv6 address with a bare port would be ambiguous
        remote = ep.address().is_v6() ? "[" + ep.address().to_string() + "]:" + std::to_string(ep.port())
                                      : ep.address().to_string() + ":" + std::to_string(ep.port());
    }
    // A fresh connection gets its first request served even during shutdown.
    while (conn->served == 0 || !stopping) {
      // The header first, with no body type: the route decides whether the
      // body is buffered (under BERTH_MAX_BODY) or streamed to its handler.
      http::request_parser<http::empty_body> head_parser;
      head_parser.header_limit(std::uint32_t(options.max_header_bytes));
      head_parser.body_limit(boost::none);
      conn->stream.expires_after(options.header_timeout);
      auto [ec, n] = co_await http::async_read_header(conn->stream, buffer, head_parser, use_nothrow);
      if (ec == http::error::header_limit) {
        co_await write_plain(*conn, 11, 431, "too_large", "request headers are larger than 16 KiB");
        break;
      }
      if (ec == beast::error::timeout) {
        if (n > 0 || buffer.size() > 0)
          co_await write_plain(*conn, 11, 408, "timeout", "request headers did not arrive in time");
        break;
      }
      if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
          ec == asio::error::connection_reset || ec == asio::error::eof) {
        break;
      }
      if (ec) {
        co_await write_plain(*conn, 11, 400, "bad_request", "malformed HTTP request: " + ec.message());
        break;
      }
      if (options.handoff.claims && options.handoff.claims(head_parser.get()[http::field::host])) {
        hand_off(*conn, head_parser.get(), buffer, remote);
        break;
      }
      HttpRequest req;
      unsigned version = head_parser.get().version();
      if (!fill_request(req, head_parser.get(), remote, options.trusted_proxies)) {
        co_await write_plain(*conn, version, 400, "bad_request", "the request path has a bad percent-encoding");
        break;
      }
      bool is_upgrade = beast::websocket::is_upgrade(head_parser.get());
      conn->busy = true;
      bool keep_alive = head_parser.get().keep_alive();
      bool go_on;
      if (!is_upgrade && router.streams_body(req.method, req.path)) {
        go_on = co_await serve_streaming(*conn, buffer, std::move(head_parser), req, keep_alive);
      } else {
        go_on = co_await serve_buffered(*conn, buffer, std::move(head_parser), req, keep_alive, is_upgrade);
      }
      if (conn->upgraded) break;  // the WebSocket owns the connection now
      conn->busy = false;
      ++conn->served;
      if (!go_on) break;
    }
    if (!conn->upgraded) {
      if (conn->answered_early) co_await drain_input(*conn);
      beast::error_code ignored;
      conn->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      conn->stream.close();
    }
    std::lock_guard lock(mu);
    connections.erase(conn.get());
  }

  // The connection goes to the service its Host names: the header it sent
  // (written out again from the parsed fields, in their order) and the
  // bytes after it, which the service's own parser reads again.
  void hand_off(Connection& conn, const http::request_header<>& head, beast::flat_buffer& buffer,
                const std::string& remote) {
    std::ostringstream header;
    header << head;
    std::string received = header.str();
    auto rest = buffer.data();
    received.append(static_cast<const char*>(rest.data()), rest.size());
    conn.upgraded = true;  // no longer this server's to close
    conn.stream.expires_never();  // the header's timeout is this server's, not the taker's
    options.handoff.take(conn.stream.release_socket(), std::move(received), remote);
  }

  // A request whose body is read whole (at most BERTH_MAX_BODY) before its
  // handler runs. Returns whether the connection serves another request.
  asio::awaitable<bool> serve_buffered(Connection& conn, beast::flat_buffer& buffer,
                                       http::request_parser<http::empty_body>&& head, HttpRequest& req,
                                       bool keep_alive, bool is_upgrade) {
    unsigned version = head.get().version();
    auto length = head.content_length();
    if (length && *length > options.max_body_bytes) {
      co_await write_plain(conn, version, 413, "too_large", too_large_message());
      co_return false;
    }
    http::request_parser<http::string_body> parser(std::move(head));
    parser.body_limit(options.max_body_bytes);
    if (!is_upgrade && !parser.is_done()) {
      conn.stream.expires_after(options.body_timeout);
      auto [bec, bn] = co_await http::async_read(conn.stream, buffer, parser, use_nothrow);
      if (bec == http::error::body_limit) {
        co_await write_plain(conn, version, 413, "too_large", too_large_message());
        co_return false;
      }
      if (bec) {
        if (bec != beast::error::timeout && bec != http::error::end_of_stream && bec != asio::error::eof)
          co_await write_plain(conn, version, 400, "bad_request", "malformed HTTP body: " + bec.message());
        co_return false;
      }
    }
    conn.stream.expires_never();  // a handler may hold the request (long polling)
    auto& breq = parser.get();
    req.body = std::move(breq.body());
    Upgrade upgrade(conn, breq);
    if (is_upgrade) req.upgrade = &upgrade;
    HttpResponse res = co_await dispatch(req);
    if (conn.upgraded) co_return false;
    co_return co_await write_response(conn, req, res, version, keep_alive);
  }

  // A request to a streaming route: its handler reads the body through
  // req.body_reader. A body the handler left unread (it refused the
  // request) ends the connection after the answer.
  asio::awaitable<bool> serve_streaming(Connection& conn, beast::flat_buffer& buffer,
                                        http::request_parser<http::empty_body>&& head, HttpRequest& req,
                                        bool keep_alive) {
    unsigned version = head.get().version();
    bool expects_continue = beast::iequals(head.get()[http::field::expect], "100-continue");
    http::request_parser<http::buffer_body> parser(std::move(head));
    parser.body_limit(boost::none);  // the handler bounds what it reads
    StreamingBody body(conn, buffer, parser, options.body_timeout, expects_continue && version >= 11);
    req.body_reader = &body;
    HttpResponse res = co_await dispatch(req);
    if (!parser.is_done()) {
      keep_alive = false;
      if (!body.failed()) conn.answered_early = true;  // let the client finish sending, then close
    }
    co_return co_await write_response(conn, req, res, version, keep_alive);
  }

  // Writes the answer: a buffered body, or a streamed one piece by piece.
  asio::awaitable<bool> write_response(Connection& conn, const HttpRequest& req, HttpResponse& res, unsigned version,
                                       bool keep_alive) {
    keep_alive = keep_alive && !stopping;
    auto decorate = [&](auto& out) {
      out.set(http::field::server, "berth");
      if (!res.content_type.empty()) out.set(http::field::content_type, res.content_type);
      for (auto& [k, v] : res.headers) out.insert(k, v);
      out.keep_alive(keep_alive);
    };
    if (!res.source || req.method == "HEAD") {
      http::response<http::string_body> out{http::status(res.status), version};
      decorate(out);
      if (req.method != "HEAD") out.body() = std::move(res.body);
      out.prepare_payload();
      if (res.source && res.length) out.content_length(*res.length);
      conn.stream.expires_after(options.body_timeout);
      auto [wec, wn] = co_await http::async_write(conn.stream, out, use_nothrow);
      co_return !wec && keep_alive;
    }
    http::response<http::buffer_body> out{http::status(res.status), version};
    decorate(out);
    if (res.length)
      out.content_length(*res.length);
    else
      out.chunked(true);
    out.body().data = nullptr;
    out.body().more = true;
    http::response_serializer<http::buffer_body> serializer{out};
    conn.stream.expires_after(options.body_timeout);
    auto [hec, hn] = co_await http::async_write_header(conn.stream, serializer, use_nothrow);
    if (hec) co_return false;
    std::string piece;
    for (;;) {
      auto next = co_await res.source->next(piece);
      if (!next) {
        spdlog::warn("{} {}: the response was cut: {}", req.method, req.path, next.error().message);
        co_return false;  // the status is sent: only closing tells the client
      }
      out.body().data = piece.empty() ? nullptr : piece.data();
      out.body().size = piece.size();
      out.body().more = !piece.empty();
      conn.stream.expires_after(options.body_timeout);
      auto [wec, wn] = co_await http::async_write(conn.stream, serializer, use_nothrow);
      if (wec && wec != http::error::need_buffer) co_return false;
      if (piece.empty()) break;
    }
    co_return keep_alive;
  }

  asio::awaitable<HttpResponse> dispatch(HttpRequest& req) {
    auto started = std::chrono::steady_clock::now();
    metrics.request_started();
    std::string origin(req.header("Origin"));
    bool cors = cors_policy.allows(origin);
    HttpResponse res;
    if (req.method == "OPTIONS" && cors) {
      res = cors_policy.preflight();
    } else {
      auto match = router.match(req);
      if (!match.route) {
        res = match.status == 405 ? error_response(405, "method_not_allowed", req.method + " is not allowed here; use " + match.allow)
                                  : error_response(404, "not_found", "no route for " + req.path);
        if (match.status == 405) res.with_header("Allow", match.allow);
      } else {
        try {
          res = co_await match.route->handler(req);
        } catch (const std::exception& e) {
          spdlog::error("{} {}: unhandled exception: {}", req.method, req.path, e.what());
          res = error_response(500, "internal", "internal error; see the server log");
        }
      }
    }
    if (cors) cors_policy.decorate(res, origin);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    metrics.request_finished(req.method, req.route, res.status, seconds);
    if (req.upgrade && req.upgrade->accepted()) {
      spdlog::debug("{} {} upgraded to a websocket", req.method, req.path);
    } else if (req.route == "/healthz" || req.route == "/metrics") {
      spdlog::debug("{} {} {} {:.2f}ms", req.method, req.target, res.status, seconds * 1000);
    } else {
      spdlog::info("{} {} {} {:.2f}ms {}", req.method, req.path, res.status, seconds * 1000,
                   options.trusted_proxies.empty() ? req.remote : req.client + " via " + req.remote);
    }
    co_return res;
  }
};

HttpServer::HttpServer(asio::io_context& ioc, Options options, const Router& router, Metrics& metrics)
    : impl_(std::make_shared<Impl>(ioc, std::move(options), router, metrics)) {}

HttpServer::~HttpServer() = default;

Status HttpServer::listen() {
  beast::error_code ec;
  auto address = asio::ip::make_address(impl_->options.host, ec);
  if (ec) return make_error("bad_config", "BERTH_HOST='" + impl_->options.host + "' is not an IP address");
  tcp::endpoint ep(address, impl_->options.port);
  std::string where = impl_->options.host + ":" + std::to_string(impl_->options.port);
  impl_->acceptor.open(ep.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(ep, ec);
  if (ec == asio::error::address_in_use)
    return make_error("bad_config", where + " is already in use: stop the other server or set PORT to a free port");
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return make_error("bad_config", "cannot listen on " + where + ": " + ec.message());
  return Ok{};
}

std::uint16_t HttpServer::port() const { return impl_->acceptor.local_endpoint().port(); }

void HttpServer::start() { asio::co_spawn(impl_->acceptor.get_executor(), impl_->accept_loop(), asio::detached); }

void HttpServer::shutdown() {
  impl_->stopped_at = std::chrono::steady_clock::now();
  impl_->stopping = true;
  asio::post(impl_->acceptor.get_executor(), [impl = impl_] { impl->accept_backlog_then_close(); });
  std::lock_guard lock(impl_->mu);
  for (auto& [ptr, weak] : impl_->connections) {
    auto conn = weak.lock();
    if (!conn) continue;
    asio::post(conn->stream.get_executor(), [conn] {
      // Only connections idle between requests close now; a fresh one may
      // still be sending its first request, and pending bytes are a request.
      if (conn->busy || conn->upgraded || conn->served == 0) return;
      beast::error_code ec;
      if (conn->stream.socket().available(ec) == 0 && !ec) conn->stream.socket().cancel(ec);
    });
  }
}

bool HttpServer::draining() const { return impl_->draining(); }

}  // namespace berth::net
