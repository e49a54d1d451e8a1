// The project runtime over REST (DESIGN §5): start, stop, and run a command
// in the project's container. Editors and owners only: a viewer may look at
// a project but not run code in it.
#include <boost/json.hpp>

#include "api/error_status.hpp"
#include "api/representations.hpp"
#include "api/exec_request.hpp"
#include "api/json_input.hpp"
#include "api/rest/request_auth.hpp"
#include "api/rest/routes.hpp"
#include "core/encoding.hpp"
#include "workspace/project_runtime.hpp"

namespace berth::api {
namespace json = boost::json;
using net::HttpRequest;
using net::HttpResponse;
using Reply = boost::asio::awaitable<HttpResponse>;

namespace {

Error no_runtime() { return make_error("runtime_unavailable", "this Berth runs without a container runtime"); }

using Action =
    boost::asio::awaitable<Result<workspace::ProjectStatus>> (workspace::ProjectRuntime::*)(const std::string&);

Reply lifecycle(ApiContext& ctx, HttpRequest& req, Action action) {
  auto who = co_await authenticate_request(ctx, req);
  if (!who) co_return error_reply(who.error());
  auto access = co_await project_access(ctx, *who, req.params["id"], db::Role::editor);
  if (!access) co_return error_reply(access.error());
  if (!ctx.runtime) co_return error_reply(no_runtime());
  auto status = co_await (ctx.runtime->*action)(access->project.id);
  if (!status) co_return error_reply(status.error());
  co_return json_reply(200, json::serialize(status_json(*status)));
}

Reply exec(ApiContext& ctx, HttpRequest& req) {
  auto who = co_await authenticate_request(ctx, req);
  if (!who) co_return error_reply(who.error());
  auto access = co_await project_access(ctx, *who, req.params["id"], db::Role::editor);
  if (!access) co_return error_reply(access.error());
  auto body = parse_json_object(req.body);
  if (!body) co_return error_reply(body.error());
  auto request = parse_exec_request(*body);
  if (!request) co_return error_reply(request.error());
  if (!ctx.runtime) co_return error_reply(no_runtime());
  auto result = co_await ctx.runtime->exec(access->project.id, std::move(*request));
  if (!result) co_return error_reply(result.error());
  co_return json_reply(200, json::serialize(exec_result_json(*result)));
}

}  // namespace

void add_runtime_routes(net::Router& router, ApiContext& ctx) {
  router.add("POST", "/api/v1/projects/{id}/start",
             [&ctx](HttpRequest& r) { return lifecycle(ctx, r, &workspace::ProjectRuntime::start); });
  router.add("POST", "/api/v1/projects/{id}/stop",
             [&ctx](HttpRequest& r) { return lifecycle(ctx, r, &workspace::ProjectRuntime::stop); });
  router.add("POST", "/api/v1/projects/{id}/exec", [&ctx](HttpRequest& r) { return exec(ctx, r); });
}

}  // namespace berth::api
