// Previews (DESIGN §5): the ports a project's container listens on, the
// session links that open a private one, and making one public.
//   GET  /api/v1/projects/{id}/ports                      any member
//   POST /api/v1/projects/{id}/previews/{port}/session    any member: {url, expiresAt}
//   PUT  /api/v1/projects/{id}/previews/{port}  {public}  the owner: {port, url, public}
#include <boost/json.hpp>
#include <charconv>

#include "api/error_status.hpp"
#include "api/json_input.hpp"
#include "api/preview_access.hpp"
#include "api/representations.hpp"
#include "api/rest/request_auth.hpp"
#include "api/rest/routes.hpp"
#include "preview/port_watch.hpp"

namespace berth::api {
namespace json = boost::json;
using net::HttpRequest;
using net::HttpResponse;

namespace {

Result<int> port_param(const HttpRequest& req) {
  auto s = req.params.count("port") ? req.params.at("port") : std::string();
  int port = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), port);
  if (ec != std::errc{} || end != s.data() + s.size() || port < 1 || port > 65535)
    return make_error("bad_request", "the port must be a number from 1 to 65535, not '" + s + "'");
  return port;
}

bool is_public(ApiContext& ctx, const std::string& project_id, int port) {
  return ctx.previews && ctx.previews->is_public(project_id, port);
}

boost::asio::awaitable<HttpResponse> list_ports(ApiContext& ctx, HttpRequest& req) {
  auto who = co_await authenticate_request(ctx, req);
  if (!who) co_return error_reply(who.error());
  auto access = co_await project_access(ctx, *who, req.params["id"], db::Role::viewer);
  if (!access) co_return error_reply(access.error());
  json::array ports;
  const auto& id = access->project.id;
  if (ctx.ports)
    for (int port : ctx.ports->open_ports(id)) ports.push_back(port_json(ctx.config, id, port, is_public(ctx, id, port)));
  co_return json_reply(200, json::serialize(json::object{{"ports", std::move(ports)}}));
}

Error no_previews() {
  return make_error("runtime_unavailable", "previews are not served by this server (no container engine)");
}

boost::asio::awaitable<HttpResponse> session_link(ApiContext& ctx, HttpRequest& req) {
  auto who = co_await authenticate_request(ctx, req);
  if (!who) co_return error_reply(who.error());
  auto port = port_param(req);
  if (!port) co_return error_reply(port.error());
  auto access = co_await project_access(ctx, *who, req.params["id"], db::Role::viewer);
  if (!access) co_return error_reply(access.error());
  if (!ctx.previews) co_return error_reply(no_previews());
  auto link = ctx.previews->session_link(access->project.id, *port, who->user_id);
  co_return json_reply(200, json::serialize(json::object{{"url", link.url}, {"expiresAt", iso8601(link.expires_at * 1000)}}));
}

boost::asio::awaitable<HttpResponse> set_visibility(ApiContext& ctx, HttpRequest& req) {
  auto who = co_await authenticate_request(ctx, req);
  if (!who) co_return error_reply(who.error());
  auto port = port_param(req);
  if (!port) co_return error_reply(port.error());
  auto body = parse_json_object(req.body);
  if (!body) co_return error_reply(body.error());
  auto field = body->if_contains("public");
  if (!field || !field->is_bool())
    co_return error_reply(make_error("bad_request", "send {\"public\": true} or {\"public\": false}"));
  auto access = co_await project_access(ctx, *who, req.params["id"], db::Role::owner);
  if (!access) co_return error_reply(access.error());
  if (!ctx.previews) co_return error_reply(no_previews());
  const auto& id = access->project.id;
  ctx.previews->set_public(id, *port, field->as_bool());
  co_return json_reply(200, json::serialize(port_json(ctx.config, id, *port, field->as_bool())));
}

}  // namespace

void add_preview_routes(net::Router& router, ApiContext& ctx) {
  router.add("GET", "/api/v1/projects/{id}/ports", [&ctx](HttpRequest& r) { return list_ports(ctx, r); });
  router.add("POST", "/api/v1/projects/{id}/previews/{port}/session", [&ctx](HttpRequest& r) { return session_link(ctx, r); });
  router.add("PUT", "/api/v1/projects/{id}/previews/{port}", [&ctx](HttpRequest& r) { return set_visibility(ctx, r); });
}

}  // namespace berth::api
