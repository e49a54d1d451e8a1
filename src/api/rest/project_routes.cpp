// Projects and templates (DESIGN §5). A user sees only projects they are a
// member of; anything else is 404, so ids of other people's projects leak
// nothing. Editors may rename; only owners delete.
#include <boost/json.hpp>

#include "api/error_status.hpp"
#include "api/project_deletion.hpp"
#include "api/json_input.hpp"
#include "api/representations.hpp"
#include "api/rest/request_auth.hpp"
#include "api/rest/routes.hpp"
#include "core/encoding.hpp"
#include "db/clock.hpp"
#include "storage/layout.hpp"
#include "storage/project_objects.hpp"
#include "workspace/file_sync.hpp"
#include "workspace/project_runtime.hpp"

namespace berth::api {
namespace json = boost::json;
using net::HttpRequest;
using net::HttpResponse;
using Reply = boost::asio::awaitable<HttpResponse>;

namespace {

constexpr StringRule kNameRule{.min = 1, .max = 100};
constexpr StringRule kDescriptionRule{.min = 0, .max = 2000, .trim = true, .single_line = false};

Reply list_templates(ApiContext& ctx, HttpRequest& req) {
  auto who = co_await authenticate_request(ctx, req);
  if (!who) co_return error_reply(who.error());
  auto templates = co_await ctx.workers.run([&] { return ctx.db.templates().list(); });
  if (!templates) co_return error_reply(templates.error());
  json::array out;
  for (auto& t : *templates) out.push_back(template_json(t));
  co_return json_reply(200, json::serialize(json::object{{"templates", out}}));
}

Reply list_projects(ApiContext& ctx, HttpRequest& req) {
  auto who = co_await authenticate_request(ctx, req);
  if (!who) co_return error_reply(who.error());
  auto projects = co_await ctx.workers.run([&] { return ctx.db.projects().list_for_user(who->user_id); });
  if (!projects) co_return error_reply(projects.error());
  json::array out;
  for (auto& [p, role] : *projects) out.push_back(project_json(p, role));
  co_return json_reply(200, json::serialize(json::object{{"projects", out}}));
}

Reply create_project(ApiContext& ctx, HttpRequest& req) {
  auto who = co_await authenticate_request(ctx, req);
  if (!who) co_return error_reply(who.error());
  auto body = parse_json_object(req.body);
  if (!body) co_return error_reply(body.error());
  auto name = required_string(*body, "name", kNameRule);
  if (!name) co_return error_reply(name.error());
  auto description = optional_string(*body, "description", kDescriptionRule);
  if (!description) co_return error_reply(description.error());
  auto template_id = optional_string(*body, "templateId", {.min = 1, .max = 64});
  if (!template_id) co_return error_reply(template_id.error());

  db::Project p;
  p.id = new_uuid();
  p.name = *name;
  p.description = description->value_or("");
  p.template_id = template_id->value_or("blank");
  p.owner_id = who->user_id;
  p.status = "stopped";
  p.created_at = p.updated_at = db::now_ms();
  auto tmpl = co_await ctx.workers.run([&] { return ctx.db.templates().find(p.template_id); });
  if (!tmpl) co_return error_reply(tmpl.error());
  if (!tmpl->has_value())
    co_return error_reply(make_error("bad_request", "unknown templateId '" + p.template_id + "'; GET /api/v1/templates lists them"));
  // The template's files are copied before the row exists: nobody can open
  // a project whose files are half there.
  auto prefix = storage::project_prefix(p.owner_id, p.id);
  if (ctx.storage) {
    auto copied = co_await storage::copy_tree(*ctx.storage, storage::template_prefix(p.template_id), prefix);
    if (!copied)
      co_return error_reply(make_error(copied.error().code, "cannot copy the template's files: " + copied.error().message));
  }
  auto created =
      co_await ctx.workers.run([&] { return ctx.db.projects().create(p, ctx.config.max_projects_per_user); });
  if (!created) {
    if (ctx.storage) (void)co_await storage::delete_tree(*ctx.storage, prefix);
    co_return error_reply(created.error());
  }
  co_return json_reply(201, json::serialize(project_json(p, db::Role::owner)));
}

Reply get_project(ApiContext& ctx, HttpRequest& req) {
  auto who = co_await authenticate_request(ctx, req);
  if (!who) co_return error_reply(who.error());
  auto access = co_await project_access(ctx, *who, req.params["id"], db::Role::viewer);
  if (!access) co_return error_reply(access.error());
  auto out = project_json(access->project, access->role);
  if (ctx.sync) {
    auto sync = co_await ctx.workers.run([&] { return ctx.sync->state(access->project.id); });
    if (sync) out["sync"] = sync_json(*sync);
  }
  co_return json_reply(200, json::serialize(out));
}

Reply patch_project(ApiContext& ctx, HttpRequest& req) {
  auto who = co_await authenticate_request(ctx, req);
  if (!who) co_return error_reply(who.error());
  auto access = co_await project_access(ctx, *who, req.params["id"], db::Role::editor);
  if (!access) co_return error_reply(access.error());
  auto body = parse_json_object(req.body);
  if (!body) co_return error_reply(body.error());
  auto name = optional_string(*body, "name", kNameRule);
  if (!name) co_return error_reply(name.error());
  auto description = optional_string(*body, "description", kDescriptionRule);
  if (!description) co_return error_reply(description.error());
  if (!name->has_value() && !description->has_value())
    co_return error_reply(make_error("bad_request", "nothing to change: send 'name' and/or 'description'"));
  auto updated = co_await ctx.workers.run(
      [&] { return ctx.db.projects().update(access->project.id, *name, *description, db::now_ms()); });
  if (!updated) co_return error_reply(updated.error());
  co_return json_reply(200, json::serialize(project_json(*updated, access->role)));
}

Reply delete_project(ApiContext& ctx, HttpRequest& req) {
  auto who = co_await authenticate_request(ctx, req);
  if (!who) co_return error_reply(who.error());
  auto access = co_await project_access(ctx, *who, req.params["id"], db::Role::owner);
  if (!access) co_return error_reply(access.error());
  // Marked first: from here on the project is gone for every read, and a
  // step that fails now is finished by the sweeper (project_deletion.hpp).
  const auto& id = access->project.id;
  if (auto marked = co_await ctx.workers.run([&] { return ctx.db.projects().mark_deleting(id); }); !marked)
    co_return error_reply(marked.error());
  if (auto done = co_await delete_everywhere(ctx, access->project); !done) {
    json::object body{{"deleting", true},
                      {"message", done.error().message + "; the deletion finishes by itself once that works again"}};
    co_return json_reply(202, json::serialize(body));
  }
  co_return no_content();
}

}  // namespace

void add_project_routes(net::Router& router, ApiContext& ctx) {
  router.add("GET", "/api/v1/templates", [&ctx](HttpRequest& r) { return list_templates(ctx, r); });
  router.add("GET", "/api/v1/projects", [&ctx](HttpRequest& r) { return list_projects(ctx, r); });
  router.add("POST", "/api/v1/projects", [&ctx](HttpRequest& r) { return create_project(ctx, r); });
  router.add("GET", "/api/v1/projects/{id}", [&ctx](HttpRequest& r) { return get_project(ctx, r); });
  router.add("PATCH", "/api/v1/projects/{id}", [&ctx](HttpRequest& r) { return patch_project(ctx, r); });
  router.add("DELETE", "/api/v1/projects/{id}", [&ctx](HttpRequest& r) { return delete_project(ctx, r); });
}

}  // namespace berth::api
