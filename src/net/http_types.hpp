#pragma once
// Plain HTTP request/response types. Handlers use these, not Beast's, so
// Beast headers stay inside net/*.cpp (they cost ~25 s per translation unit).
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace berth::net {

class WebSocketUpgrade;

// Header names compare case-insensitively (RFC 9110).
struct CaseInsensitiveLess {
  bool operator()(const std::string& a, const std::string& b) const;
};
using HeaderMap = std::multimap<std::string, std::string, CaseInsensitiveLess>;

// The body of a request to a streaming route (Router::add_streaming), read
// as it arrives instead of whole: file uploads are bounded by the handler's
// own limit, not by BERTH_MAX_BODY.
class BodyReader {
 public:
  virtual ~BodyReader() = default;
  // Up to into.size() bytes; 0 at the end of the body. Errors: timeout,
  // bad_request (a malformed chunk), or the connection went away.
  virtual boost::asio::awaitable<Result<std::size_t>> read(std::span<char> into) = 0;
  virtual std::optional<std::uint64_t> length() const = 0;  // Content-Length, when sent
};

// A response body produced piece by piece (downloads, archives): the
// server writes each piece before asking for the next, so a slow reader
// holds Berth back instead of growing its memory.
class BodySource {
 public:
  virtual ~BodySource() = default;
  // Replaces `piece` with the next bytes; an empty piece ends the body. An
  // error after the first piece can only cut the connection.
  virtual boost::asio::awaitable<Status> next(std::string& piece) = 0;
};

struct HttpRequest {
  std::string method;  // upper case: GET, POST, ...
  std::string target;  // as sent: path plus query
  std::string path;    // percent-decoded path
  std::map<std::string, std::string> query;   // percent-decoded; last value wins
  std::map<std::string, std::string> params;  // path parameters filled by the Router
  HeaderMap headers;
  std::string body;
  std::string remote;  // peer address and port, for logs
  std::string client;  // the client's address: the peer's, or what a trusted proxy forwarded (net/client_address.hpp)
  std::string route;   // the matched route pattern, for metrics and logs
  WebSocketUpgrade* upgrade = nullptr;  // set when the client asks for a WebSocket
  BodyReader* body_reader = nullptr;     // streaming routes only; `body` stays empty

  std::string_view header(const std::string& name) const;  // "" when absent
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Instead of `body`: streamed, with Content-Length when `length` is set
  // and chunked otherwise.
  std::shared_ptr<BodySource> source;
  std::optional<std::uint64_t> length;

  HttpResponse& with_header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

// The JSON error shape of DESIGN §5: {"error":{"code":"...","message":"..."}}.
HttpResponse error_response(int status, std::string_view code, std::string_view message);

// Whether `origin` is in a CORS setting: "*" or a comma-separated origin list.
bool cors_origin_allowed(std::string_view list, std::string_view origin);

// The request line and header block of an outgoing HTTP/1.1 request, ending
// with the blank line. Content-Length is sent when a body is given or the
// method is POST/PUT (servers may refuse a bodiless POST without it).
struct RequestHead {
  std::string_view method, target, host;  // host as the Host header wants it
  std::string_view content_type;          // "" for none
  std::uint64_t content_length = 0;
  const std::vector<std::pair<std::string, std::string>>* headers = nullptr;
  std::string_view extra;  // preformatted "Name: value\r\n" lines
};
std::string serialize_request_head(const RequestHead& head);

// Percent-decoding for paths and query strings; nullopt-like empty pair on bad input.
bool percent_decode(std::string_view in, std::string& out, bool plus_is_space);
std::map<std::string, std::string> parse_query(std::string_view query);

}  // namespace berth::net
