#include "net/http_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fstream>
#include <limits>
#include <optional>

namespace berth::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Socket = asio::generic::stream_protocol::socket;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

// ---- endpoints ------------------------------------------------------------

namespace {

// Splits "scheme://authority/rest" into its parts; false when malformed.
bool split_url(std::string_view url, std::string& scheme, std::string& authority, std::string& rest) {
  auto sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) return false;
  scheme = std::string(url.substr(0, sep));
  auto after = url.substr(sep + 3);
  auto slash = after.find('/');
  authority = std::string(after.substr(0, slash));
  rest = slash == std::string_view::npos ? "/" : std::string(after.substr(slash));
  return true;
}

bool split_host_port(const std::string& authority, std::string& host, std::string& port) {
  if (authority.empty()) return false;
  if (authority.front() == '[') {  // [::1]:2375
    auto close = authority.find(']');
    if (close == std::string::npos) return false;
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return false;
      port = authority.substr(close + 2);
    }
  } else {
    auto colon = authority.rfind(':');
    host = authority.substr(0, colon);
    if (colon != std::string::npos) port = authority.substr(colon + 1);
  }
  if (host.empty()) return false;
  for (char c : port)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

Result<Endpoint> Endpoint::parse(std::string_view url) {
  auto bad = make_error("bad_request", "not a server address: '" + std::string(url) +
                                           "' (expected unix:///path, tcp://host:port, http:// or https://)");
  std::string scheme, authority, rest;
  if (!split_url(url, scheme, authority, rest)) return bad;
  Endpoint e;
  if (scheme == "unix") {
    e.kind = Kind::unix_socket;
    e.path = std::string(url.substr(7));  // everything after unix://
    if (e.path.empty() || e.path.front() != '/') return bad;
    return e;
  }
  e.kind = Kind::tcp;
  if (!split_host_port(authority, e.host, e.port)) return bad;
  if (scheme == "tcp" || scheme == "http") {
    if (e.port.empty()) e.port = scheme == "tcp" ? "2375" : "80";
  } else if (scheme == "https") {
    e.tls = true;
    if (e.port.empty()) e.port = "443";
  } else {
    return bad;
  }
  return e;
}

std::string Endpoint::describe() const {
  if (kind == Kind::unix_socket) return "unix://" + path;
  return std::string(tls ? "https://" : "tcp://") + host + ":" + port;
}

// ---- one connection -------------------------------------------------------

namespace {

struct Connection {
  explicit Connection(asio::any_io_executor strand) : socket(strand), timer(strand) {}
  Socket socket;
  asio::steady_timer timer;
  beast::flat_buffer buffer;
  bool timed_out = false;
};
using ConnectionPtr = std::shared_ptr<Connection>;

Error transport_error(const Endpoint& ep, const Connection& c, boost::system::error_code ec, std::string_view what) {
  if (c.timed_out)
    return make_error("timeout", "no answer from " + ep.describe() + " in time (" + std::string(what) + ")");
  return make_error("unavailable", std::string(what) + " " + ep.describe() + ": " + ec.message());
}

// Arms the deadline: when it passes the socket closes, which ends whatever
// operation is pending with an error the caller reports as a timeout.
void arm(const ConnectionPtr& c, std::chrono::milliseconds timeout) {
  if (timeout.count() <= 0) return;
  c->timer.expires_after(timeout);
  c->timer.async_wait([c](boost::system::error_code ec) {
    if (ec) return;
    c->timed_out = true;
    boost::system::error_code ignored;
    c->socket.close(ignored);
  });
}

asio::awaitable<Result<ConnectionPtr>> open(asio::any_io_executor strand, const Endpoint& ep,
                                            std::chrono::milliseconds timeout) {
  auto c = std::make_shared<Connection>(strand);
  arm(c, timeout);
  if (ep.kind == Endpoint::Kind::unix_socket) {
    asio::generic::stream_protocol::endpoint target{asio::local::stream_protocol::endpoint(ep.path)};
    boost::system::error_code ec;
    c->socket.open(target.protocol(), ec);
    if (!ec) std::tie(ec) = co_await c->socket.async_connect(target, use_nothrow);
    if (ec) co_return transport_error(ep, *c, ec, "cannot connect to");
    co_return c;
  }
  asio::ip::tcp::resolver resolver(strand);
  auto [rec, results] = co_await resolver.async_resolve(ep.host, ep.port, use_nothrow);
  if (rec) co_return transport_error(ep, *c, rec, "cannot resolve");
  boost::system::error_code ec = asio::error::host_not_found;
  for (auto& r : results) {
    asio::generic::stream_protocol::endpoint target{r.endpoint()};
    boost::system::error_code ignored;
    c->socket.close(ignored);
    c->socket.open(target.protocol(), ec);
    if (ec) continue;
    std::tie(ec) = co_await c->socket.async_connect(target, use_nothrow);
    if (!ec) break;
  }
  if (ec) co_return transport_error(ep, *c, ec, "cannot connect to");
  co_return c;
}

std::string request_head(const ClientRequest& req, const Endpoint& ep, std::uint64_t content_length,
                         std::string_view extra) {
  return serialize_request_head({.method = req.method,
                                 .target = req.target,
                                 .host = ep.kind == Endpoint::Kind::unix_socket ? "localhost" : ep.host,
                                 .content_type = req.content_type,
                                 .content_length = content_length,
                                 .headers = &req.headers,
                                 .extra = extra});
}

asio::awaitable<Status> send(const ConnectionPtr& c, const ClientRequest& req, const Endpoint& ep,
                             std::string_view extra_headers) {
  if (req.body_file.empty()) {
    std::string wire = request_head(req, ep, req.body.size(), extra_headers) + req.body;
    auto [ec, n] = co_await asio::async_write(c->socket, asio::buffer(wire), use_nothrow);
    if (ec) co_return transport_error(ep, *c, ec, "cannot send to");
    co_return Ok{};
  }
  // A large body (an image's root file system) is streamed from its file.
  std::ifstream in(req.body_file, std::ios::binary | std::ios::ate);
  if (!in) co_return make_error("not_found", "cannot read " + req.body_file);
  std::uint64_t size = std::uint64_t(in.tellg());
  in.seekg(0);
  std::string head = request_head(req, ep, size, extra_headers);
  auto [hec, hn] = co_await asio::async_write(c->socket, asio::buffer(head), use_nothrow);
  if (hec) co_return transport_error(ep, *c, hec, "cannot send to");
  std::vector<char> chunk(1 << 18);
  while (size > 0) {
    in.read(chunk.data(), std::streamsize(std::min<std::uint64_t>(chunk.size(), size)));
    auto got = std::size_t(in.gcount());
    if (got == 0) co_return make_error("internal", req.body_file + " shrank while being sent");
    auto [ec, n] = co_await asio::async_write(c->socket, asio::buffer(chunk.data(), got), use_nothrow);
    if (ec) co_return transport_error(ep, *c, ec, "cannot send to");
    size -= got;
  }
  co_return Ok{};
}

template <class Message>
void copy_head(const Message& m, ClientResponse& out) {
  out.status = int(m.result_int());
  for (auto& f : m) out.headers.emplace(std::string(f.name_string()), std::string(f.value()));
}

// The start of every call: a connection on the calling strand, the request
// sent with `extra_headers` (Connection: close, or the upgrade's).
asio::awaitable<Result<ConnectionPtr>> open_and_send(const Endpoint& ep, const ClientRequest& req,
                                                     std::chrono::milliseconds timeout, std::string_view extra_headers) {
  auto c = co_await open(co_await asio::this_coro::executor, ep, timeout);
  if (!c) co_return c.error();
  if (auto sent = co_await send(*c, req, ep, extra_headers); !sent) co_return sent.error();
  co_return *c;
}

// Runs `op` on a fresh strand and resumes the caller on its own executor.
template <class T, class Op>
asio::awaitable<Result<T>> on_strand(asio::any_io_executor ex, Op op) {
  auto out = co_await asio::co_spawn(
      asio::make_strand(ex),
      [op = std::move(op)]() mutable -> asio::awaitable<std::optional<Result<T>>> {
        co_return std::optional<Result<T>>(co_await op());
      },
      asio::use_awaitable);
  co_return std::move(*out);
}

}  // namespace

// ---- raw stream after an upgrade ------------------------------------------

struct RawStream::Impl {
  Impl(ConnectionPtr c) : conn(std::move(c)) {}
  ConnectionPtr conn;
};

RawStream::RawStream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RawStream::~RawStream() { close(); }

asio::awaitable<Result<std::size_t>> RawStream::read_some(char* data, std::size_t size) {
  auto& c = *impl_->conn;
  if (c.buffer.size() > 0) {  // bytes that came with the 101 response
    std::size_t n = asio::buffer_copy(asio::buffer(data, size), c.buffer.data());
    c.buffer.consume(n);
    co_return n;
  }
  auto [ec, n] = co_await c.socket.async_read_some(asio::buffer(data, size), use_nothrow);
  if (ec == asio::error::eof || ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
      ec == asio::error::bad_descriptor)
    co_return std::size_t(0);
  if (ec) co_return make_error("unavailable", "stream read failed: " + ec.message());
  co_return n;
}

asio::awaitable<Status> RawStream::write(std::string_view data) {
  auto [ec, n] = co_await asio::async_write(impl_->conn->socket, asio::buffer(data.data(), data.size()), use_nothrow);
  if (ec) co_return make_error("unavailable", "stream write failed: " + ec.message());
  co_return Ok{};
}

void RawStream::shutdown_write() {
  auto c = impl_->conn;
  asio::post(c->socket.get_executor(), [c] {
    boost::system::error_code ignored;
    c->socket.shutdown(Socket::shutdown_send, ignored);
  });
}

void RawStream::close() {
  if (!impl_) return;
  auto c = impl_->conn;
  asio::post(c->socket.get_executor(), [c] {
    boost::system::error_code ignored;
    c->timer.cancel();
    c->socket.close(ignored);
  });
}

// ---- client ---------------------------------------------------------------

HttpClient::HttpClient(asio::any_io_executor executor, Endpoint endpoint)
    : executor_(std::move(executor)), endpoint_(std::move(endpoint)) {}

asio::awaitable<Result<ClientResponse>> HttpClient::request(ClientRequest req, std::chrono::milliseconds timeout,
                                                            std::size_t max_body) {
  co_return co_await on_strand<ClientResponse>(executor_, [&]() -> asio::awaitable<Result<ClientResponse>> {
    auto c = co_await open_and_send(endpoint_, req, timeout, "Connection: close\r\n");
    if (!c) co_return c.error();
    auto conn = *c;
    http::response_parser<http::string_body> parser;
    parser.body_limit(max_body);
    if (req.method == "HEAD") parser.skip(true);
    auto [ec, n] = co_await http::async_read(conn->socket, conn->buffer, parser, use_nothrow);
    conn->timer.cancel();
    if (ec == http::error::body_limit)
      co_return make_error("too_large", "the answer of " + endpoint_.describe() + " is larger than " +
                                            std::to_string(max_body) + " bytes");
    if (ec) co_return transport_error(endpoint_, *conn, ec, "no answer from");
    ClientResponse out;
    copy_head(parser.get(), out);
    out.body = std::move(parser.get().body());
    co_return out;
  });
}

asio::awaitable<Result<ClientResponse>> HttpClient::stream(ClientRequest req, OnData on_data,
                                                           std::chrono::milliseconds timeout) {
  co_return co_await on_strand<ClientResponse>(executor_, [&]() -> asio::awaitable<Result<ClientResponse>> {
    auto c = co_await open_and_send(endpoint_, req, timeout, "Connection: close\r\n");
    if (!c) co_return c.error();
    auto conn = *c;
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    auto [hec, hn] = co_await http::async_read_header(conn->socket, conn->buffer, parser, use_nothrow);
    if (hec) co_return transport_error(endpoint_, *conn, hec, "no answer from");
    ClientResponse out;
    copy_head(parser.get(), out);
    std::vector<char> chunk(1 << 16);
    while (!parser.is_done()) {
      parser.get().body().data = chunk.data();
      parser.get().body().size = chunk.size();
      // read_some, not read: read would wait for the 64 KiB buffer to fill,
      // and a stream's pieces (an event, a progress line) must arrive as sent.
      auto [ec, n] = co_await http::async_read_some(conn->socket, conn->buffer, parser, use_nothrow);
      if (ec == http::error::need_buffer) ec = {};
      if (ec == http::error::partial_message || ec == asio::error::eof) break;  // the server hung up: stream over
      if (ec) co_return transport_error(endpoint_, *conn, ec, "stream from");
      std::size_t got = chunk.size() - parser.get().body().size;
      if (got == 0) continue;
      std::string_view piece(chunk.data(), got);
      if (out.status >= 300) {
        if (out.body.size() < (1 << 20)) out.body.append(piece);  // an error's message
      } else if (!on_data(piece)) {
        break;
      }
    }
    conn->timer.cancel();
    boost::system::error_code ignored;
    conn->socket.close(ignored);
    co_return out;
  });
}

asio::awaitable<Result<HttpClient::Upgraded>> HttpClient::upgrade(ClientRequest req, std::string protocol,
                                                                  std::chrono::milliseconds timeout) {
  co_return co_await on_strand<Upgraded>(executor_, [&]() -> asio::awaitable<Result<Upgraded>> {
    auto extra = "Connection: Upgrade\r\nUpgrade: " + protocol + "\r\n";
    auto c = co_await open_and_send(endpoint_, req, timeout, extra);
    if (!c) co_return c.error();
    auto conn = *c;
    http::response_parser<http::empty_body> head;
    auto [ec, n] = co_await http::async_read_header(conn->socket, conn->buffer, head, use_nothrow);
    if (ec) co_return transport_error(endpoint_, *conn, ec, "no answer from");
    Upgraded out;
    copy_head(head.get(), out.response);
    if (out.response.status == 101 || out.response.status == 200) {
      conn->timer.cancel();  // the deadline covered the handshake; the stream lives as long as it must
      out.stream = std::make_unique<RawStream>(std::make_unique<RawStream::Impl>(conn));
      co_return out;
    }
    // An error answer has a body with the reason: read it.
    http::response_parser<http::string_body> rest(std::move(head));
    rest.body_limit(1 << 20);
    auto [bec, bn] = co_await http::async_read(conn->socket, conn->buffer, rest, use_nothrow);
    conn->timer.cancel();
    if (!bec) out.response.body = std::move(rest.get().body());
    co_return out;
  });
}

// ---- blocking GET (http and https) ----------------------------------------

Result<std::string> http_get_blocking(const std::string& url, std::chrono::milliseconds timeout) {
  std::string scheme, authority, target;
  if (!split_url(url, scheme, authority, target) || (scheme != "http" && scheme != "https"))
    return make_error("bad_request", "not an http(s) URL: " + url);
  auto ep = Endpoint::parse(url);
  if (!ep) return ep.error();

  asio::io_context ioc;
  asio::ssl::context tls(asio::ssl::context::tls_client);
  tls.set_default_verify_paths();
  tls.set_verify_mode(asio::ssl::verify_peer);
  std::optional<Result<std::string>> out;

  auto run = [&]() -> asio::awaitable<void> {
    asio::ip::tcp::resolver resolver(ioc);
    auto [rec, results] = co_await resolver.async_resolve(ep->host, ep->port, use_nothrow);
    if (rec) {
      out = make_error("unavailable", "cannot resolve " + ep->host + ": " + rec.message());
      co_return;
    }
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, ep->host);
    req.set(http::field::user_agent, "berth/0.1");
    req.set(http::field::accept, "application/json");
    http::response_parser<http::string_body> parser;
    parser.body_limit(8 << 20);
    beast::flat_buffer buffer;
    boost::system::error_code ec;
    if (ep->tls) {
      beast::ssl_stream<beast::tcp_stream> s(ioc, tls);
      SSL_set_tlsext_host_name(s.native_handle(), ep->host.c_str());
      s.set_verify_callback(asio::ssl::host_name_verification(ep->host));
      beast::get_lowest_layer(s).expires_after(timeout);
      std::tie(ec, std::ignore) = co_await beast::get_lowest_layer(s).async_connect(results, use_nothrow);
      if (!ec) std::tie(ec) = co_await s.async_handshake(asio::ssl::stream_base::client, use_nothrow);
      if (!ec) std::tie(ec, std::ignore) = co_await http::async_write(s, req, use_nothrow);
      if (!ec) std::tie(ec, std::ignore) = co_await http::async_read(s, buffer, parser, use_nothrow);
    } else {
      beast::tcp_stream s(ioc);
      s.expires_after(timeout);
      std::tie(ec, std::ignore) = co_await s.async_connect(results, use_nothrow);
      if (!ec) std::tie(ec, std::ignore) = co_await http::async_write(s, req, use_nothrow);
      if (!ec) std::tie(ec, std::ignore) = co_await http::async_read(s, buffer, parser, use_nothrow);
    }
    if (ec) {
      out = make_error("unavailable", "GET " + url + " failed: " + ec.message());
      co_return;
    }
    int status = int(parser.get().result_int());
    if (status < 200 || status > 299) {
      out = make_error("unavailable", "GET " + url + " answered HTTP " + std::to_string(status));
      co_return;
    }
    out = std::move(parser.get().body());
  };
  asio::co_spawn(ioc, run(), asio::detached);
  ioc.run();
  if (!out) return make_error("internal", "GET " + url + " did not finish");
  return std::move(*out);
}

}  // namespace berth::net
