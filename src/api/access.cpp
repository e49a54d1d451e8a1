#include "api/access.hpp"

#include <mutex>
#include <unordered_set>

#include "core/encoding.hpp"

namespace berth::api {

namespace {
int rank(db::Role r) { return r == db::Role::owner ? 3 : r == db::Role::editor ? 2 : 1; }

// Users who arrive with a Supabase token get a users row on first sight; the
// set saves a database round trip on every later request. It is a cache:
// past kMaxSeen users it starts over (costing one `ensure` per user again)
// rather than growing with every user the server has ever seen.
constexpr std::size_t kMaxSeen = 100'000;
std::mutex seen_mu;
std::unordered_set<std::string> seen_users;
}  // namespace

boost::asio::awaitable<Result<auth::Principal>> authenticate_token(ApiContext& ctx, std::string_view token) {
  auto who = co_await ctx.authenticator.authenticate(token);
  if (!who) co_return who.error();
  {
    std::lock_guard lock(seen_mu);
    if (seen_users.count(who->user_id)) co_return who;
  }
  auto ensured = co_await ctx.workers.run([&] { return ctx.db.users().ensure(who->user_id, who->email); });
  if (!ensured) co_return ensured.error();
  std::lock_guard lock(seen_mu);
  if (seen_users.size() >= kMaxSeen) seen_users.clear();
  seen_users.insert(who->user_id);
  co_return who;
}

boost::asio::awaitable<Result<ProjectAccess>> project_access(ApiContext& ctx, const auth::Principal& who,
                                                             const std::string& project_id, db::Role minimum) {
  auto not_found = make_error("not_found", "no project " + project_id + " (or you are not a member of it)");
  if (!is_uuid(project_id)) co_return not_found;
  auto found = co_await ctx.workers.run([&] { return ctx.db.projects().find_for_user(project_id, who.user_id); });
  if (!found) co_return found.error();
  if (!found->has_value()) co_return not_found;
  auto& [project, role] = **found;
  if (!role_allows(role, minimum))
    co_return make_error("forbidden", "your role on this project is " + std::string(db::to_string(role)) +
                                          "; this needs " + std::string(db::to_string(minimum)));
  co_return ProjectAccess{project, role};
}

bool role_allows(db::Role role, db::Role minimum) { return rank(role) >= rank(minimum); }

}  // namespace berth::api
