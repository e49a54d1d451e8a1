// Operations endpoints: liveness, readiness (the database and the Docker
// Engine answer), metrics
// in Prometheus text, and the OpenAPI document.
#include "api/error_status.hpp"
#include "api/rest/request_auth.hpp"
#include "api/rest/routes.hpp"
#include "workspace/project_runtime.hpp"

namespace berth::api {
using net::HttpRequest;
using net::HttpResponse;
using Reply = boost::asio::awaitable<HttpResponse>;

void add_ops_routes(net::Router& router, ApiContext& ctx) {
  router.add("GET", "/healthz", [](HttpRequest&) -> Reply { co_return json_reply(200, R"({"status":"ok"})"); });
  // Ready when the database answers and, when Berth runs containers, the
  // Docker Engine answers too: without it no project can open, so a load
  // balancer should send users elsewhere. Each failing check says why.
  router.add("GET", "/readyz", [&ctx](HttpRequest&) -> Reply {
    auto ping = co_await ctx.workers.run([&] { return ctx.db.ping(); });
    std::string checks = "\"database\":" + (ping ? std::string("\"ok\"") : error_reply(ping.error()).body);
    bool ready = bool(ping);
    if (ctx.runtime) {
      auto engine = co_await ctx.runtime->check_engine();
      checks += ",\"runtime\":" + (engine ? std::string("\"ok\"") : error_reply(engine.error()).body);
      ready = ready && bool(engine);
    }
    co_return json_reply(ready ? 200 : 503, std::string("{\"status\":\"") + (ready ? "ready" : "unavailable") +
                                                 "\",\"checks\":{" + checks + "}}");
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
