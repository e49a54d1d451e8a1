// The ports a project's container listens on (DESIGN §5, previews):
// GET /api/v1/projects/{id}/ports, for any member, as PortWatch last saw them.
#include <boost/json.hpp>

#include "api/error_status.hpp"
#include "api/representations.hpp"
#include "api/rest/request_auth.hpp"
#include "api/rest/routes.hpp"
#include "preview/port_watch.hpp"

namespace berth::api {
namespace json = boost::json;
using net::HttpRequest;
using net::HttpResponse;

namespace {

boost::asio::awaitable<HttpResponse> list_ports(ApiContext& ctx, HttpRequest& req) {
  auto who = co_await authenticate_request(ctx, req);
  if (!who) co_return error_reply(who.error());
  auto access = co_await project_access(ctx, *who, req.params["id"], db::Role::viewer);
  if (!access) co_return error_reply(access.error());
  json::array ports;
  if (ctx.ports)
    for (int port : ctx.ports->open_ports(access->project.id)) ports.push_back(port_json(ctx.config, access->project.id, port));
  co_return json_reply(200, json::serialize(json::object{{"ports", std::move(ports)}}));
}

}  // namespace

void add_preview_routes(net::Router& router, ApiContext& ctx) {
  router.add("GET", "/api/v1/projects/{id}/ports", [&ctx](HttpRequest& r) { return list_ports(ctx, r); });
}

}  // namespace berth::api
