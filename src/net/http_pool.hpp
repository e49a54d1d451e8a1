#pragma once
// An HTTP/1.1 client for a remote service over TCP or TLS (Supabase Storage),
// with a bounded pool of keep-alive connections to one host.
//
// Why a second client beside HttpClient: that one opens a connection per
// request, which is right on Docker's unix socket but costs a TCP and TLS
// handshake (one or two round trips) per call to a remote server. Here a
// connection is reused while the server keeps it alive, at most
// `max_connections` are open at once (callers beyond wait their turn, never a
// thread), and an idle connection is closed before the server would drop it.
//
// TLS always verifies the certificate chain (the system store, plus
// `ca_file` when set) and the host name; there is no switch to turn that off.
// Timeouts: `connect_timeout` for TCP connect and the TLS handshake, and
// `io_timeout` for every read or write to make progress — a slow but moving
// transfer lives, a server that hangs does not.
//
// Bodies stream: a request body can come from a file (read in 256 KiB
// pieces, each shown to `on_sent` so the caller can hash what was really
// sent), and a 2xx response body can go to `on_body` piece by piece. The
// file pieces are read on the I/O thread: they come from the page cache in
// tens of microseconds, and the caller's fsyncs run on the worker pool.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "net/http_client.hpp"

namespace berth::net {

struct PoolOptions {
  std::size_t max_connections = 16;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds io_timeout{30'000};
  // Below the usual server keep-alive (Node 5 s, nginx 75 s), so we close first.
  std::chrono::milliseconds idle_timeout{4'000};
  std::size_t max_header_bytes = 64 << 10;
  std::string ca_file;  // an extra trusted CA (PEM), e.g. a private server's
};

struct PoolRequest {
  std::string method = "GET";
  std::string target = "/";  // path and query, already percent-encoded
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string body_file;  // when set, the body streams from this file
  std::string content_type;
  // Sees every piece of the body as it is sent; on_rewind is called before a
  // body is sent again on a fresh connection (a stale keep-alive one).
  std::function<void(std::string_view)> on_sent;
  std::function<void()> on_rewind;
  // When set, a 2xx response body goes here piece by piece (return false to
  // stop) and ClientResponse::body stays empty; other statuses keep their
  // (bounded) body for the error message.
  std::function<bool(std::string_view)> on_body;
  std::size_t max_body = 8 << 20;  // a larger buffered body is the error too_large
};

// Errors: "unavailable" (cannot connect, connection lost, TLS failure,
// garbage instead of HTTP), "timeout", "too_large"; any HTTP status is a value.
class HttpPool {
 public:
  // `endpoint` must be tcp (http:// or https://). Throws std::runtime_error
  // when the CA file cannot be loaded (a start-up error).
  HttpPool(boost::asio::any_io_executor executor, Endpoint endpoint, PoolOptions options = {});
  ~HttpPool();
  HttpPool(const HttpPool&) = delete;
  HttpPool& operator=(const HttpPool&) = delete;

  boost::asio::awaitable<Result<ClientResponse>> request(PoolRequest req);

  const Endpoint& endpoint() const { return endpoint_; }
  // Connections opened so far (for tests of reuse) and open now.
  std::size_t connections_opened() const;

  struct State;  // defined in http_pool.cpp

 private:
  Endpoint endpoint_;
  std::shared_ptr<State> state_;
};

}  // namespace berth::net
