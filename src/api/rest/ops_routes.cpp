// Operations endpoints: liveness, readiness (the database and the Docker
// Engine answer), metrics
// in Prometheus text, and the OpenAPI document.
#include "api/error_status.hpp"
#include "api/rest/request_auth.hpp"
#include "api/rest/routes.hpp"
#include "storage/object_store.hpp"
#include "workspace/project_runtime.hpp"

#include <spdlog/spdlog.h>

namespace berth::api {
using net::HttpRequest;
using net::HttpResponse;
using Reply = boost::asio::awaitable<HttpResponse>;

void add_ops_routes(net::Router& router, ApiContext& ctx) {
  router.add("GET", "/healthz", [](HttpRequest&) -> Reply { co_return json_reply(200, R"({"status":"ok"})"); });
  // Ready when the database, the object store and (when Berth runs
  // containers) the Docker Engine answer: without any of them no project can
  // open, so a load balancer should send users elsewhere. Names each dependency and whether it answers; the reason stays in the
  // log (it may hold addresses or SQL), the client only learns which is down.
  router.add("GET", "/readyz", [&ctx](HttpRequest&) -> Reply {
    bool ready = true;
    std::string checks;
    auto add = [&](std::string_view name, const Status& s) {
      if (!s) spdlog::warn("readyz: {} is down: {}", name, s.error().message);
      ready = ready && s.ok();
      if (!checks.empty()) checks += ",";
      checks += "\"" + std::string(name) + "\":\"" + (s ? "ok" : "unavailable") + "\"";
    };
    add("database", co_await ctx.workers.run([&] { return ctx.db.ping(); }));
    if (ctx.runtime) add("runtime", co_await ctx.runtime->check_engine());
    if (ctx.storage) add("storage", co_await ctx.storage->check());
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
