#pragma once
// An HTTP/1.1 client for Berth's own dependencies: the Docker Engine (over a
// unix socket or TCP) and, blocking, the JWKS URL of an identity provider
// (over HTTPS). Plain types in, plain types out: Beast stays inside
// http_client.cpp, so a caller such as docker/ compiles without it.
//
// Every request opens its own connection. On a unix socket that costs tens of
// microseconds, and it makes the client safe to share between coroutines on
// any thread with no pool to lock. Each request runs on a private strand, so
// its deadline timer and socket never race.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "net/http_types.hpp"

namespace berth::net {

// Where a server listens: `unix:///var/run/docker.sock`, `tcp://host:2375`,
// `http://host:port`, `https://host[:port]`.
struct Endpoint {
  enum class Kind { unix_socket, tcp };
  Kind kind = Kind::unix_socket;
  std::string path;  // unix socket path
  std::string host;  // tcp
  std::string port;  // tcp
  bool tls = false;  // https (blocking GET only)

  static Result<Endpoint> parse(std::string_view url);
  std::string describe() const;  // for error messages: "unix:///var/run/docker.sock"
};

struct ClientRequest {
  std::string method = "GET";
  std::string target = "/";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string body_file;  // when set, the body is streamed from this file instead
  std::string content_type;
};

struct ClientResponse {
  int status = 0;
  HeaderMap headers;
  std::string body;
};

// The byte stream left after an HTTP upgrade (Docker's hijacked exec and
// attach). Bytes that arrived with the 101 response are served first. One
// read and one write may be in flight at a time (one each, any thread).
class RawStream {
 public:
  struct Impl;
  explicit RawStream(std::unique_ptr<Impl> impl);
  ~RawStream();
  RawStream(const RawStream&) = delete;
  RawStream& operator=(const RawStream&) = delete;

  // Reads up to `size` bytes; 0 means the peer closed the stream.
  boost::asio::awaitable<Result<std::size_t>> read_some(char* data, std::size_t size);
  boost::asio::awaitable<Status> write(std::string_view data);
  void shutdown_write();  // half-close: the peer sees EOF on its stdin
  void close();

 private:
  std::unique_ptr<Impl> impl_;
};

class HttpClient {
 public:
  using Clock = std::chrono::steady_clock;
  // Called with each piece of a streamed response body; return false to stop.
  using OnData = std::function<bool(std::string_view)>;

  HttpClient(boost::asio::any_io_executor executor, Endpoint endpoint);

  // Sends the request and reads the whole response. Errors ("unavailable",
  // "timeout", "too_large") are only for transport failures; any HTTP
  // status is a value. timeout 0: none.
  boost::asio::awaitable<Result<ClientResponse>> request(ClientRequest req, std::chrono::milliseconds timeout = {},
                                                         std::size_t max_body = 64 << 20);

  // Like request, but hands the body to on_data as it arrives (chunked
  // streams such as Docker's events, build and import progress). The
  // returned response has an empty body.
  boost::asio::awaitable<Result<ClientResponse>> stream(ClientRequest req, OnData on_data,
                                                        std::chrono::milliseconds timeout = {});

  // Sends the request with `Connection: Upgrade`; on 101 (or 200, which
  // Docker answers for an exec start) returns the raw stream. Another status
  // comes back as the response with no stream.
  struct Upgraded {
    ClientResponse response;
    std::unique_ptr<RawStream> stream;  // null unless upgraded
  };
  boost::asio::awaitable<Result<Upgraded>> upgrade(ClientRequest req, std::string protocol = "tcp",
                                                   std::chrono::milliseconds timeout = std::chrono::seconds(30));

  const Endpoint& endpoint() const { return endpoint_; }

 private:
  boost::asio::any_io_executor executor_;
  Endpoint endpoint_;
};

// A GET of an http:// or https:// URL (certificates verified against the
// system store) that blocks the calling thread: for a worker thread only,
// e.g. the authenticator's JWKS fetch. Non-2xx statuses are errors.
Result<std::string> http_get_blocking(const std::string& url,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace berth::net
