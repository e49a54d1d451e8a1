#pragma once
// The HTTP/1.1 server: keep-alive, bounded headers and bodies, a header
// timeout for slow clients, CORS, request logs and metrics, WebSocket
// upgrades handed to the route's handler, and a graceful shutdown that lets
// in-flight requests finish. Sessions run on their own strands of the shared
// io_context, so N threads serve N cores (DESIGN §3).
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "net/client_address.hpp"
#include "net/metrics.hpp"
#include "net/router.hpp"

namespace berth::net {

// Another service on the same listener, chosen by the Host header (the
// previews, preview/preview_proxy.hpp). After a connection's first request
// header names one of its hosts, the connection is that service's: it gets
// the socket, the bytes to read as if they came first (that header, written
// out again from the parsed fields, then whatever followed it) and the
// peer's address.
struct HostHandoff {
  std::function<bool(std::string_view host)> claims;
  std::function<void(boost::asio::ip::tcp::socket, std::string received, std::string remote)> take;
};

class HttpServer {
 public:
  struct Options {
    std::string host = "0.0.0.0";
    std::uint16_t port = 3000;
    std::size_t max_body_bytes = 1'000'000;
    std::size_t max_header_bytes = 16 * 1024;
    std::chrono::seconds header_timeout{15};  // a client must send its headers within this
    std::chrono::seconds body_timeout{60};
    std::string cors_origin;  // "" off, "*" any, or a comma-separated list of origins
    std::size_t max_connections = 10'000;  // HTTP connections at once; more get 503 (WebSockets not counted)
    TrustedProxies trusted_proxies;        // whose X-Forwarded-For names the client
    HostHandoff handoff;                   // none when `claims` is empty
  };

  HttpServer(boost::asio::io_context& ioc, Options options, const Router& router, Metrics& metrics);
  ~HttpServer();

  // Binds and listens; the error names the address when it is taken.
  Status listen();
  std::uint16_t port() const;  // the bound port (useful with port 0)
  void start();                // begins accepting

  // Stops accepting and closes idle keep-alive connections; requests in
  // flight finish and their connections close after the response.
  // Connections the kernel had already accepted, and connections that have
  // not sent their first request yet, get a short grace to send it: a client
  // that connected before the signal is never refused.
  void shutdown();
  // True while a request is in flight or a fresh connection is in its grace.
  bool draining() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace berth::net
