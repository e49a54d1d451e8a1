// Operations endpoints: liveness, readiness (the database answers), metrics
// in Prometheus text, and the OpenAPI document.
#include "api/error_status.hpp"
#include "api/rest/request_auth.hpp"
#include "api/rest/routes.hpp"

namespace berth::api {
using net::HttpRequest;
using net::HttpResponse;
using Reply = boost::asio::awaitable<HttpResponse>;

void add_ops_routes(net::Router& router, ApiContext& ctx) {
  router.add("GET", "/healthz", [](HttpRequest&) -> Reply { co_return json_reply(200, R"({"status":"ok"})"); });
  router.add("GET", "/readyz", [&ctx](HttpRequest&) -> Reply {
    auto ping = co_await ctx.workers.run([&] { return ctx.db.ping(); });
    if (!ping)
      co_return json_reply(503, R"({"status":"unavailable","checks":{"database":)" +
                                    error_reply(ping.error()).body + "}}");
    co_return json_reply(200, R"({"status":"ready","checks":{"database":"ok"}})");
  });
  router.add("GET", "/metrics", [&ctx](HttpRequest&) -> Reply {
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = ctx.metrics.render();
    co_return r;
  });
  router.add("GET", "/openapi.json", [](HttpRequest&) -> Reply { co_return json_reply(200, std::string(openapi_document())); });
}

}  // namespace berth::api
