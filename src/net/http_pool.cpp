#include "net/http_pool.hpp"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fstream>
#include <limits>
#include <mutex>
#include <optional>
#include <stdexcept>

#include "core/async_semaphore.hpp"

namespace berth::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

namespace {

using Tcp = beast::tcp_stream;
using Tls = beast::ssl_stream<beast::tcp_stream>;

// One connection, used by one request at a time, on its own strand.
struct PooledConnection {
  explicit PooledConnection(asio::any_io_executor s) : strand(std::move(s)) {}
  asio::any_io_executor strand;
  std::unique_ptr<Tcp> plain;
  std::unique_ptr<Tls> tls;
  beast::flat_buffer buffer;
  Clock::time_point idle_since;
  bool reused = false;
  Tcp& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};
using ConnectionPtr = std::unique_ptr<PooledConnection>;

// What failed, and whether a fresh connection may simply try again: a
// keep-alive connection the server closed while it sat idle fails before a
// single byte of the answer arrives.
struct Failure {
  Error error;
  bool stale = false;
};

Error io_error(const Endpoint& ep, boost::system::error_code ec, std::string_view what) {
  if (ec == beast::error::timeout)
    return make_error("timeout", "no progress from " + ep.describe() + " in time (" + std::string(what) + ")");
  return make_error("unavailable", std::string(what) + " " + ep.describe() + ": " + ec.message());
}

bool is_stale_error(boost::system::error_code ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == http::error::end_of_stream || ec == asio::ssl::error::stream_truncated;
}

}  // namespace

struct HttpPool::State {
  State(asio::any_io_executor ex, PoolOptions o)
      : executor(ex), options(std::move(o)), tls(asio::ssl::context::tls_client), permits(ex, options.max_connections) {
    tls.set_default_verify_paths();
    tls.set_verify_mode(asio::ssl::verify_peer);
    if (!options.ca_file.empty()) {
      boost::system::error_code ec;
      tls.load_verify_file(options.ca_file, ec);
      if (ec) throw std::runtime_error("cannot load the CA file " + options.ca_file + ": " + ec.message());
    }
  }

  asio::any_io_executor executor;
  PoolOptions options;
  asio::ssl::context tls;
  AsyncSemaphore permits;
  std::atomic<std::size_t> opened{0};
  std::mutex mu;
  std::vector<ConnectionPtr> idle;

  ConnectionPtr take_idle() {
    std::lock_guard lock(mu);
    while (!idle.empty()) {
      auto c = std::move(idle.back());
      idle.pop_back();
      if (Clock::now() - c->idle_since < options.idle_timeout) return c;
    }
    return nullptr;
  }
  void give_back(ConnectionPtr c) {
    c->idle_since = Clock::now();
    c->reused = true;
    std::lock_guard lock(mu);
    idle.push_back(std::move(c));
  }
};

namespace {

asio::awaitable<Result<ConnectionPtr>> connect(HttpPool::State& st, const Endpoint& ep) {
  auto c = std::make_unique<PooledConnection>(co_await asio::this_coro::executor);
  asio::ip::tcp::resolver resolver(c->strand);
  auto [rec, results] = co_await resolver.async_resolve(ep.host, ep.port, use_nothrow);
  if (rec) co_return make_error("unavailable", "cannot resolve " + ep.host + ": " + rec.message());
  if (ep.tls)
    c->tls = std::make_unique<Tls>(c->strand, st.tls);
  else
    c->plain = std::make_unique<Tcp>(c->strand);
  c->lowest().expires_after(st.options.connect_timeout);
  auto [cec, at] = co_await c->lowest().async_connect(results, use_nothrow);
  if (cec) co_return io_error(ep, cec, "cannot connect to");
  c->lowest().socket().set_option(asio::ip::tcp::no_delay(true));
  if (c->tls) {
    // SNI and the host-name check; the chain is checked by verify_peer.
    SSL_set_tlsext_host_name(c->tls->native_handle(), ep.host.c_str());
    c->tls->set_verify_callback(asio::ssl::host_name_verification(ep.host));
    auto [hec] = co_await c->tls->async_handshake(asio::ssl::stream_base::client, use_nothrow);
    if (hec) co_return io_error(ep, hec, "TLS handshake failed with");
  }
  st.opened++;
  co_return c;
}

std::string host_header(const Endpoint& ep) {
  bool default_port = (ep.tls && ep.port == "443") || (!ep.tls && ep.port == "80");
  auto host = ep.host.find(':') != std::string::npos ? "[" + ep.host + "]" : ep.host;
  return default_port ? host : host + ":" + ep.port;
}

template <class Stream>
asio::awaitable<std::optional<Failure>> send_request(Stream& s, PooledConnection& c, PoolRequest& req,
                                                     const Endpoint& ep, const PoolOptions& o) {
  std::ifstream file;
  std::uint64_t length = req.body.size();
  if (!req.body_file.empty()) {
    file.open(req.body_file, std::ios::binary | std::ios::ate);
    if (!file) co_return Failure{make_error("not_found", "cannot read " + req.body_file)};
    length = std::uint64_t(file.tellg());
    file.seekg(0);
  }
  auto host = host_header(ep);
  std::string wire = serialize_request_head({.method = req.method,
                                             .target = req.target,
                                             .host = host,
                                             .content_type = req.content_type,
                                             .content_length = length,
                                             .headers = &req.headers});
  if (req.body_file.empty()) {
    wire += req.body;
    if (req.on_sent && !req.body.empty()) req.on_sent(req.body);
  }
  c.lowest().expires_after(o.io_timeout);
  auto [ec, n] = co_await asio::async_write(s, asio::buffer(wire), use_nothrow);
  if (ec) co_return Failure{io_error(ep, ec, "cannot send to"), c.reused && is_stale_error(ec)};
  if (!file.is_open()) co_return std::nullopt;
  std::vector<char> chunk(1 << 18);
  while (length > 0) {
    file.read(chunk.data(), std::streamsize(std::min<std::uint64_t>(chunk.size(), length)));
    auto got = std::size_t(file.gcount());
    // A file that shrinks under us cannot honour the Content-Length we sent.
    if (got == 0) co_return Failure{make_error("conflict", req.body_file + " shrank while it was being sent")};
    if (req.on_sent) req.on_sent(std::string_view(chunk.data(), got));
    c.lowest().expires_after(o.io_timeout);
    auto [wec, wn] = co_await asio::async_write(s, asio::buffer(chunk.data(), got), use_nothrow);
    if (wec) co_return Failure{io_error(ep, wec, "cannot send to")};
    length -= got;
  }
  co_return std::nullopt;
}

template <class Stream>
asio::awaitable<Result<ClientResponse>> read_response(Stream& s, PooledConnection& c, PoolRequest& req,
                                                      const Endpoint& ep, const PoolOptions& o, bool& keep,
                                                      bool& stale) {
  http::response_parser<http::buffer_body> parser;
  parser.header_limit(std::uint32_t(o.max_header_bytes));
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  if (req.method == "HEAD") parser.skip(true);
  c.lowest().expires_after(o.io_timeout);
  auto [hec, hn] = co_await http::async_read_header(s, c.buffer, parser, use_nothrow);
  if (hec) {
    stale = c.reused && c.buffer.size() == 0 && is_stale_error(hec);
    if (hec == http::error::header_limit)
      co_return make_error("too_large", "the answer of " + ep.describe() + " has headers over " +
                                            std::to_string(o.max_header_bytes) + " bytes");
    co_return io_error(ep, hec, "no answer from");
  }
  ClientResponse out;
  out.status = int(parser.get().result_int());
  for (auto& f : parser.get()) out.headers.emplace(std::string(f.name_string()), std::string(f.value()));
  bool to_sink = req.on_body && out.status >= 200 && out.status < 300;
  std::vector<char> chunk(1 << 16);
  while (!parser.is_done()) {
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    c.lowest().expires_after(o.io_timeout);
    auto [ec, n] = co_await http::async_read_some(s, c.buffer, parser, use_nothrow);
    if (ec == http::error::need_buffer) ec = {};
    if (ec == http::error::partial_message || ec == asio::error::eof)
      co_return make_error("unavailable", ep.describe() + " closed the connection in the middle of an answer");
    if (ec) co_return io_error(ep, ec, "reading the answer of");
    std::size_t got = chunk.size() - parser.get().body().size;
    if (got == 0) continue;
    std::string_view piece(chunk.data(), got);
    if (to_sink) {
      if (!req.on_body(piece)) co_return make_error("cancelled", "the reader of the answer stopped");
    } else {
      if (out.body.size() + got > req.max_body)
        co_return make_error("too_large", "the answer of " + ep.describe() + " is larger than " +
                                              std::to_string(req.max_body) + " bytes");
      out.body.append(piece);
    }
  }
  keep = parser.keep_alive();
  co_return out;
}

// One request on one connection; `keep` says whether it may serve another.
asio::awaitable<Result<ClientResponse>> exchange(PooledConnection& c, PoolRequest& req, const Endpoint& ep,
                                                 const PoolOptions& o, bool& keep, bool& stale) {
  auto run = [&](auto& s) -> asio::awaitable<Result<ClientResponse>> {
    if (auto failed = co_await send_request(s, c, req, ep, o)) {
      stale = failed->stale;
      co_return failed->error;
    }
    co_return co_await read_response(s, c, req, ep, o, keep, stale);
  };
  if (c.tls) co_return co_await run(*c.tls);
  co_return co_await run(*c.plain);
}

}  // namespace

HttpPool::HttpPool(asio::any_io_executor executor, Endpoint endpoint, PoolOptions options)
    : endpoint_(std::move(endpoint)), state_(std::make_shared<State>(executor, std::move(options))) {
  if (endpoint_.kind != Endpoint::Kind::tcp) throw std::invalid_argument("HttpPool needs an http(s) endpoint");
}

HttpPool::~HttpPool() = default;

std::size_t HttpPool::connections_opened() const { return state_->opened.load(); }

asio::awaitable<Result<ClientResponse>> HttpPool::request(PoolRequest req) {
  auto st = state_;
  auto permit = co_await st->permits.acquire();
  // At most two tries: the second only when a reused connection turned out
  // to be closed by the server before it answered anything.
  for (int attempt = 0;; ++attempt) {
    ConnectionPtr c = attempt == 0 ? st->take_idle() : nullptr;
    if (!c) {
      auto fresh = co_await asio::co_spawn(
          asio::make_strand(st->executor),
          [&]() -> asio::awaitable<std::optional<Result<ConnectionPtr>>> {
            co_return std::optional<Result<ConnectionPtr>>(co_await connect(*st, endpoint_));
          },
          asio::use_awaitable);
      if (!*fresh) co_return fresh->error();
      c = std::move(fresh->value());
    }
    bool keep = false, stale = false;
    auto strand = c->strand;
    auto out = co_await asio::co_spawn(
        strand,
        [&]() -> asio::awaitable<std::optional<Result<ClientResponse>>> {
          co_return std::optional<Result<ClientResponse>>(co_await exchange(*c, req, endpoint_, st->options, keep, stale));
        },
        asio::use_awaitable);
    if (out->ok() && keep) {
      c->buffer.clear();
      st->give_back(std::move(c));
    }
    if (!out->ok() && stale && attempt == 0) {
      if (req.on_rewind) req.on_rewind();
      continue;
    }
    co_return std::move(*out);
  }
}

}  // namespace berth::net
