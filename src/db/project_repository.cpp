#include "db/project_repository.hpp"

#include "db/clock.hpp"

namespace berth::db {
namespace {

// Explicit aliases: SQLite leaves the name of an un-aliased `p.id` unspecified.
constexpr std::string_view kColumns =
    "p.id AS id, p.name AS name, p.description AS description, p.template_id AS template_id, "
    "p.owner_id AS owner_id, p.status AS status, p.node AS node, p.created_at AS created_at, "
    "p.updated_at AS updated_at";
constexpr std::string_view kReturning =
    "RETURNING id, name, description, template_id, owner_id, status, node, created_at, updated_at";

std::string select_projects(std::string_view rest, bool with_role = false) {
  return "SELECT " + std::string(kColumns) + (with_role ? ", m.role AS role" : "") + " FROM berth.projects p " +
         std::string(rest);
}

Project to_project(const Row& row) {
  return Project{
      row.text("id"),     row.text("name"), row.text("description"), row.text("template_id"), row.text("owner_id"),
      row.text("status"), row["node"],      row.int64("created_at"), row.int64("updated_at")};
}

Result<Role> role_of(const Row& row) {
  auto role = role_from_string(row.text("role"));
  if (!role) return make_error("internal", "unknown member role in the database: " + row.text("role"));
  return *role;
}

Status exists(SqlConnection& c, std::string_view table, std::string_view id, std::string_view what) {
  auto rows = c.exec("SELECT 1 AS found FROM berth." + std::string(table) + " WHERE id = $1", {std::string(id)});
  if (!rows) return rows.error();
  if (rows->empty()) return make_error("not_found", std::string(what) + " " + std::string(id) + " does not exist");
  return Ok{};
}

Status no_rows_is_not_found(Result<Rows> rows, std::string_view project_id) {
  if (!rows) return rows.error();
  if (rows->empty()) return make_error("not_found", "project " + std::string(project_id) + " does not exist");
  return Ok{};
}

}  // namespace

std::string_view to_string(Role role) {
  switch (role) {
    case Role::owner: return "owner";
    case Role::editor: return "editor";
    case Role::viewer: return "viewer";
  }
  return "viewer";
}

std::optional<Role> role_from_string(std::string_view text) {
  if (text == "owner") return Role::owner;
  if (text == "editor") return Role::editor;
  if (text == "viewer") return Role::viewer;
  return std::nullopt;
}

Status ProjectRepository::create(const Project& p, int max_owned) {
  return pool_.transaction([&](SqlConnection& c) -> Status {
    // Checked here so the caller learns which reference is missing.
    if (auto s = exists(c, "templates", p.template_id, "template"); !s) return s;
    // The owner's row is locked (PostgreSQL; SQLite writers take turns), so
    // concurrent creates cannot both take the last place under max_owned.
    std::string user_sql = "SELECT 1 AS found FROM berth.users WHERE id = $1";
    if (c.dialect() == Dialect::postgres) user_sql += " FOR UPDATE";
    auto user = c.exec(user_sql, {p.owner_id});
    if (!user) return user.error();
    if (user->empty()) return make_error("not_found", "user " + p.owner_id + " does not exist");
    if (max_owned > 0) {
      auto owned = c.exec("SELECT COUNT(*) AS n FROM berth.projects WHERE owner_id = $1 AND status <> 'deleting'",
                          {p.owner_id});
      if (!owned) return owned.error();
      if (owned->front().int64("n") >= max_owned)
        return make_error("limit_reached", "you own " + std::to_string(max_owned) +
                                               " projects, the most this server allows (BERTH_MAX_PROJECTS_PER_USER); "
                                               "delete one first");
    }
    auto inserted = c.exec(
        "INSERT INTO berth.projects (id, name, description, template_id, owner_id, status, node, created_at, "
        "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        {p.id, p.name, p.description, p.template_id, p.owner_id, p.status.empty() ? "stopped" : p.status,
         sql_value(p.node), p.created_at, p.updated_at});
    if (!inserted) return inserted.error();
    auto member =
        c.exec("INSERT INTO berth.project_members (project_id, user_id, role, created_at) VALUES ($1, $2, 'owner', $3)",
               {p.id, p.owner_id, p.created_at});
    if (!member) return member.error();
    return Ok{};
  });
}

Result<std::vector<std::pair<Project, Role>>> ProjectRepository::list_for_user(std::string_view user_id) {
  auto rows = pool_.with([&](SqlConnection& c) {
    return c.exec(select_projects("JOIN berth.project_members m ON m.project_id = p.id WHERE m.user_id = $1 "
                                  "AND p.status <> 'deleting' ORDER BY p.updated_at DESC, p.id",
                                  true),
                  {std::string(user_id)});
  });
  if (!rows) return rows.error();
  std::vector<std::pair<Project, Role>> out;
  for (const auto& row : *rows) {
    auto role = role_of(row);
    if (!role) return role.error();
    out.emplace_back(to_project(row), *role);
  }
  return out;
}

Result<std::optional<std::pair<Project, Role>>> ProjectRepository::find_for_user(std::string_view project_id,
                                                                                 std::string_view user_id) {
  auto rows = pool_.with([&](SqlConnection& c) {
    return c.exec(select_projects("JOIN berth.project_members m ON m.project_id = p.id "
                                  "WHERE p.id = $1 AND m.user_id = $2 AND p.status <> 'deleting'",
                                  true),
                  {std::string(project_id), std::string(user_id)});
  });
  using Found = std::optional<std::pair<Project, Role>>;
  if (!rows) return rows.error();
  if (rows->empty()) return Found{};
  auto role = role_of(rows->front());
  if (!role) return role.error();
  return Found{std::pair{to_project(rows->front()), *role}};
}

Result<std::optional<Project>> ProjectRepository::find(std::string_view project_id) {
  auto rows = pool_.with(
      [&](SqlConnection& c) {
        return c.exec(select_projects("WHERE p.id = $1 AND p.status <> 'deleting'"), {std::string(project_id)});
      });
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<Project>{};
  return std::optional<Project>{to_project(rows->front())};
}

Status ProjectRepository::mark_deleting(std::string_view project_id) {
  auto rows = pool_.with([&](SqlConnection& c) {
    return c.exec("UPDATE berth.projects SET status = 'deleting' WHERE id = $1 RETURNING id",
                  {std::string(project_id)});
  });
  return no_rows_is_not_found(std::move(rows), project_id);
}

Result<std::vector<Project>> ProjectRepository::deleting() {
  auto rows = pool_.with(
      [&](SqlConnection& c) { return c.exec(select_projects("WHERE p.status = 'deleting' ORDER BY p.id")); });
  if (!rows) return rows.error();
  std::vector<Project> out;
  for (const auto& row : *rows) out.push_back(to_project(row));
  return out;
}

Result<Project> ProjectRepository::update(std::string_view project_id, const std::optional<std::string>& name,
                                          const std::optional<std::string>& description, std::int64_t now) {
  auto rows = pool_.with([&](SqlConnection& c) {
    return c.exec(
        "UPDATE berth.projects SET name = COALESCE($2, name), description = COALESCE($3, description), "
        "updated_at = $4 WHERE id = $1 " +
            std::string(kReturning),
        {std::string(project_id), sql_value(name), sql_value(description), now});
  });
  if (!rows) return rows.error();
  if (rows->empty()) return make_error("not_found", "project " + std::string(project_id) + " does not exist");
  return to_project(rows->front());
}

Status ProjectRepository::set_status(std::string_view project_id, std::string_view status) {
  auto rows = pool_.with([&](SqlConnection& c) {
    // A project being deleted stays so: a container stopping on the way out
    // must not bring it back.
    return c.exec("UPDATE berth.projects SET status = $2 WHERE id = $1 AND status <> 'deleting' RETURNING id",
                  {std::string(project_id), std::string(status)});
  });
  return no_rows_is_not_found(std::move(rows), project_id);
}

Status ProjectRepository::claim(std::string_view project_id, std::string_view node, std::int64_t now_ms,
                                std::int64_t until_ms) {
  // Empty: claimed. Otherwise the row of whoever holds it (or none).
  auto holder = pool_.with([&](SqlConnection& c) -> Result<std::optional<Rows>> {
    auto rows = c.exec(
        "UPDATE berth.projects SET node = $2, lease_until = $3 WHERE id = $1 AND status <> 'deleting' "
        "AND (node IS NULL OR node = $2 OR lease_until <= $4) RETURNING id",
        {std::string(project_id), std::string(node), until_ms, now_ms});
    if (!rows) return rows.error();
    if (!rows->empty()) return std::optional<Rows>();
    auto held = c.exec("SELECT node, lease_until, status FROM berth.projects WHERE id = $1", {std::string(project_id)});
    if (!held) return held.error();
    return std::optional<Rows>(std::move(*held));
  });
  if (!holder) return holder.error();
  if (!*holder) return Ok{};
  const auto& rows = **holder;
  if (rows.empty() || rows.front().text("status") == "deleting")
    return make_error("not_found", "project " + std::string(project_id) + " does not exist");
  auto left_s = (rows.front().int64("lease_until") - now_ms + 999) / 1000;
  return make_error("conflict", "project " + std::string(project_id) + " is open on another Berth node (" +
                                    rows.front().text("node") + ") for " + std::to_string(left_s) +
                                    " s more unless that node renews it; use that node, or try again once it has "
                                    "closed the project");
}

Status ProjectRepository::release(std::string_view project_id, std::string_view node) {
  auto rows = pool_.with([&](SqlConnection& c) {
    return c.exec("UPDATE berth.projects SET node = NULL, lease_until = 0 WHERE id = $1 AND node = $2 RETURNING id",
                  {std::string(project_id), std::string(node)});
  });
  if (!rows) return rows.error();
  return Ok{};
}

Status ProjectRepository::remove(std::string_view project_id) {
  auto rows = pool_.with([&](SqlConnection& c) {
    return c.exec("DELETE FROM berth.projects WHERE id = $1 RETURNING id", {std::string(project_id)});
  });
  return no_rows_is_not_found(std::move(rows), project_id);
}

Result<std::vector<Member>> ProjectRepository::members(std::string_view project_id) {
  auto rows = pool_.with([&](SqlConnection& c) {
    return c.exec(
        "SELECT m.user_id, u.email, u.name, m.role, m.created_at FROM berth.project_members m "
        "JOIN berth.users u ON u.id = m.user_id WHERE m.project_id = $1 ORDER BY m.created_at, m.user_id",
        {std::string(project_id)});
  });
  if (!rows) return rows.error();
  std::vector<Member> out;
  for (const auto& row : *rows) {
    auto role = role_of(row);
    if (!role) return role.error();
    out.push_back(Member{row.text("user_id"), row.text("email"), row.text("name"), *role, row.int64("created_at")});
  }
  return out;
}

namespace {
// Serialises membership changes of one project: on PostgreSQL a row lock on
// the project (two owners demoting each other wait for one another); on
// SQLite BEGIN IMMEDIATE already makes writers take turns.
Status lock_project(SqlConnection& c, std::string_view project_id) {
  std::string sql = "SELECT 1 AS found FROM berth.projects WHERE id = $1";
  if (c.dialect() == Dialect::postgres) sql += " FOR UPDATE";
  auto rows = c.exec(sql, {std::string(project_id)});
  if (!rows) return rows.error();
  if (rows->empty()) return make_error("not_found", "project " + std::string(project_id) + " does not exist");
  return Ok{};
}

// The last-owner rule, checked after the change inside the same
// transaction, so no interleaving of two changes can leave no owner.
Status still_has_an_owner(SqlConnection& c, std::string_view project_id) {
  auto rows = c.exec("SELECT user_id FROM berth.project_members WHERE project_id = $1 AND role = 'owner' LIMIT 1",
                     {std::string(project_id)});
  if (!rows) return rows.error();
  if (rows->empty()) return make_error("conflict", "a project needs an owner: make someone else owner first");
  return Ok{};
}
}  // namespace

Status ProjectRepository::put_member(std::string_view project_id, std::string_view user_id, Role role) {
  return pool_.transaction([&](SqlConnection& c) -> Status {
    if (auto s = lock_project(c, project_id); !s) return s;
    if (auto s = exists(c, "users", user_id, "user"); !s) return s;
    auto r = c.exec(
        "INSERT INTO berth.project_members (project_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (project_id, user_id) DO UPDATE SET role = excluded.role",
        {std::string(project_id), std::string(user_id), std::string(to_string(role)), now_ms()});
    if (!r) return r.error();
    return still_has_an_owner(c, project_id);
  });
}

Result<bool> ProjectRepository::remove_member(std::string_view project_id, std::string_view user_id) {
  return pool_.transaction([&](SqlConnection& c) -> Result<bool> {
    if (auto s = lock_project(c, project_id); !s) return s.error();
    auto rows = c.exec("DELETE FROM berth.project_members WHERE project_id = $1 AND user_id = $2 RETURNING user_id",
                       {std::string(project_id), std::string(user_id)});
    if (!rows) return rows.error();
    if (auto s = still_has_an_owner(c, project_id); !s) return s.error();
    return !rows->empty();
  });
}

}  // namespace berth::db
