#pragma once
// Maps (method, path) to a handler. Patterns are `/`-separated segments where
// `{name}` captures one segment into HttpRequest::params. The route table is
// also what the OpenAPI test compares against, so `routes()` lists it.
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "net/http_types.hpp"

namespace berth::net {

using Handler = std::function<boost::asio::awaitable<HttpResponse>(HttpRequest&)>;

struct Route {
  std::string method;
  std::string pattern;
  Handler handler;
  bool streams_body = false;  // the handler reads the body itself (HttpRequest::body_reader)
};

class Router {
 public:
  void add(std::string method, std::string pattern, Handler handler);
  // A route whose handler reads its request body as it arrives: the server
  // neither buffers it nor applies BERTH_MAX_BODY.
  void add_streaming(std::string method, std::string pattern, Handler handler);
  bool streams_body(const std::string& method, const std::string& path) const;
  // What answers a GET or HEAD that no route takes (the web IDE's files);
  // its route name in metrics and logs is "/*".
  void set_fallback(Handler handler);

  struct Match {
    const Route* route = nullptr;  // null: see status
    int status = 404;              // 404 no such path, 405 path exists with other methods
    std::string allow;             // for 405 and OPTIONS
  };
  // Fills req.params and req.route on success.
  Match match(HttpRequest& req) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
  bool has_streaming_ = false;
  std::optional<Route> fallback_;
};

// Splits a pattern or path into segments; exposed for tests.
std::vector<std::string> split_path(std::string_view path);

}  // namespace berth::net
