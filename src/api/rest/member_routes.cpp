// Project members with roles owner, editor, viewer (DESIGN §5). Every member
// may list; only owners change membership, except that anyone may leave. A
// project always keeps at least one owner.
#include <boost/json.hpp>

#include "api/error_status.hpp"
#include "api/json_input.hpp"
#include "api/representations.hpp"
#include "api/rest/request_auth.hpp"
#include "api/rest/routes.hpp"

namespace berth::api {
namespace json = boost::json;
using net::HttpRequest;
using net::HttpResponse;
using Reply = boost::asio::awaitable<HttpResponse>;

namespace {

Reply list_members(ApiContext& ctx, HttpRequest& req) {
  auto who = co_await authenticate_request(ctx, req);
  if (!who) co_return error_reply(who.error());
  auto access = co_await project_access(ctx, *who, req.params["id"], db::Role::viewer);
  if (!access) co_return error_reply(access.error());
  auto members = co_await ctx.workers.run([&] { return ctx.db.projects().members(access->project.id); });
  if (!members) co_return error_reply(members.error());
  json::array out;
  for (auto& m : *members) out.push_back(member_json(m));
  co_return json_reply(200, json::serialize(json::object{{"members", out}}));
}

// The role from a request body: owner, editor or viewer.
Result<db::Role> role_of(const json::object& body) {
  auto text = required_string(body, "role", {.min = 1, .max = 16});
  if (!text) return text.error();
  auto role = db::role_from_string(*text);
  if (!role) return make_error("bad_request", "'role' must be owner, editor or viewer");
  return *role;
}

// Adds the user or changes their role, and answers the member as it is now.
Reply set_member(ApiContext& ctx, const ProjectAccess& access, const std::string& user_id, db::Role role) {
  // The last-owner rule is checked inside the database transaction.
  auto put = co_await ctx.workers.run([&] { return ctx.db.projects().put_member(access.project.id, user_id, role); });
  if (!put) {
    if (put.error().code == "not_found")
      co_return error_reply(make_error("not_found", "no user " + user_id + "; they must sign in to Berth once first"));
    co_return error_reply(put.error());
  }
  if (ctx.revocations) ctx.revocations->member_role_changed(access.project.id, user_id, role);
  auto members = co_await ctx.workers.run([&] { return ctx.db.projects().members(access.project.id); });
  if (!members) co_return error_reply(members.error());
  for (auto& m : *members)
    if (m.user_id == user_id) co_return json_reply(200, json::serialize(member_json(m)));
  co_return error_reply(make_error("internal", "member vanished after being added"));
}

// What both ways of setting a member start with: an owner's request with a role.
struct OwnerRequest {
  ProjectAccess access;
  json::object body;
  db::Role role;
};
boost::asio::awaitable<Result<OwnerRequest>> owner_request(ApiContext& ctx, HttpRequest& req) {
  auto who = co_await authenticate_request(ctx, req);
  if (!who) co_return who.error();
  auto access = co_await project_access(ctx, *who, req.params["id"], db::Role::owner);
  if (!access) co_return access.error();
  auto body = parse_json_object(req.body);
  if (!body) co_return body.error();
  auto role = role_of(*body);
  if (!role) co_return role.error();
  co_return OwnerRequest{std::move(*access), std::move(*body), *role};
}

Reply put_member(ApiContext& ctx, HttpRequest& req) {
  auto asked = co_await owner_request(ctx, req);
  if (!asked) co_return error_reply(asked.error());
  const std::string& user_id = req.params["userId"];
  if (user_id.empty() || user_id.size() > 128)
    co_return error_reply(make_error("bad_request", "the user id in the path is not valid"));
  co_return co_await set_member(ctx, asked->access, user_id, asked->role);
}

// An owner invites by email, as people know each other: the user must have
// signed up (or signed in with Supabase) once.
Reply add_member_by_email(ApiContext& ctx, HttpRequest& req) {
  auto asked = co_await owner_request(ctx, req);
  if (!asked) co_return error_reply(asked.error());
  auto email = required_string(asked->body, "email", {.min = 3, .max = 254});
  if (!email) co_return error_reply(email.error());
  auto user = co_await ctx.workers.run([&] { return ctx.db.users().find_by_email(*email); });
  if (!user) co_return error_reply(user.error());
  if (!*user)
    co_return error_reply(make_error("not_found", "no Berth account uses " + *email +
                                                      "; ask them to sign up first, then add them again"));
  co_return co_await set_member(ctx, asked->access, (*user)->id, asked->role);
}

Reply delete_member(ApiContext& ctx, HttpRequest& req) {
  auto who = co_await authenticate_request(ctx, req);
  if (!who) co_return error_reply(who.error());
  const std::string& user_id = req.params["userId"];
  bool leaving = user_id == who->user_id;
  auto access = co_await project_access(ctx, *who, req.params["id"], leaving ? db::Role::viewer : db::Role::owner);
  if (!access) co_return error_reply(access.error());
  auto removed = co_await ctx.workers.run([&] { return ctx.db.projects().remove_member(access->project.id, user_id); });
  if (!removed) co_return error_reply(removed.error());
  if (!*removed) co_return error_reply(make_error("not_found", "user " + user_id + " is not a member of this project"));
  if (ctx.revocations) ctx.revocations->member_removed(access->project.id, user_id);
  co_return no_content();
}

}  // namespace

void add_member_routes(net::Router& router, ApiContext& ctx) {
  router.add("GET", "/api/v1/projects/{id}/members", [&ctx](HttpRequest& r) { return list_members(ctx, r); });
  router.add("POST", "/api/v1/projects/{id}/members", [&ctx](HttpRequest& r) { return add_member_by_email(ctx, r); });
  router.add("PUT", "/api/v1/projects/{id}/members/{userId}", [&ctx](HttpRequest& r) { return put_member(ctx, r); });
  router.add("DELETE", "/api/v1/projects/{id}/members/{userId}",
             [&ctx](HttpRequest& r) { return delete_member(ctx, r); });
}

}  // namespace berth::api
