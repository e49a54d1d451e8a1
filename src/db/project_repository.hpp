#pragma once
// Projects and who may use them. Membership is the access rule: every
// lookup made on behalf of a user goes through find_for_user/list_for_user,
// which return nothing for a project the user is not a member of.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "db/sql.hpp"

namespace berth::db {

enum class Role { owner, editor, viewer };

std::string_view to_string(Role role);
std::optional<Role> role_from_string(std::string_view text);

struct Project {
  std::string id;
  std::string name;
  std::string description;
  std::string template_id;
  std::string owner_id;
  std::string status = "stopped";   // stopped | starting | ready | stopping | error
  std::optional<std::string> node;  // the node the project is open on (v1: one at a time)
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

struct Member {
  std::string user_id;
  std::string email;
  std::string name;
  Role role = Role::viewer;
  std::int64_t created_at = 0;
};

class ProjectRepository {
 public:
  explicit ProjectRepository(SqlPool& pool) : pool_(pool) {}

  // Inserts the project and its owner's membership together. "not_found"
  // when the template or the owner does not exist, "conflict" on a taken id.
  // limit_reached when the owner owns max_owned projects already (0: no bound).
  Status create(const Project& project, int max_owned = 0);
  // The user's projects with the user's role, most recently updated first.
  Result<std::vector<std::pair<Project, Role>>> list_for_user(std::string_view user_id);
  // nullopt when the project does not exist or the user is not a member.
  Result<std::optional<std::pair<Project, Role>>> find_for_user(std::string_view project_id, std::string_view user_id);
  Result<std::optional<Project>> find(std::string_view project_id);
  // Changes the given fields and sets updated_at = now_ms; "not_found" when missing.
  Result<Project> update(std::string_view project_id, const std::optional<std::string>& name,
                         const std::optional<std::string>& description, std::int64_t now_ms);
  Status set_status(std::string_view project_id, std::string_view status);  // "not_found" when missing
  Status remove(std::string_view project_id);  // members go with it; "not_found" when missing
  // The first step of a deletion: from here on the project is gone for
  // every read above (and set_status leaves it alone) while its files and
  // container are removed; deleting() lists those a crash interrupted.
  Status mark_deleting(std::string_view project_id);
  Result<std::vector<Project>> deleting();

  // The project's lease (DESIGN §6): one node at a time has a project open.
  // Taken when nobody holds it, renewed by its holder, taken over once it
  // lapsed (lease_until <= now_ms). conflict names the holder while another
  // node's lease is live; not_found when the project is missing or deleting.
  Status claim(std::string_view project_id, std::string_view node, std::int64_t now_ms, std::int64_t until_ms);
  // Lets go of the lease if `node` holds it (another's is left alone).
  Status release(std::string_view project_id, std::string_view node);

  Result<std::vector<Member>> members(std::string_view project_id);  // oldest first
  // Adds the member or changes its role; "not_found" if the project or user does not exist.
  Status put_member(std::string_view project_id, std::string_view user_id, Role role);
  Result<bool> remove_member(std::string_view project_id, std::string_view user_id);  // false: was not a member

 private:
  SqlPool& pool_;
};

}  // namespace berth::db
