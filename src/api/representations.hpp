#pragma once
// How domain rows look on the wire (DESIGN §5): camelCase fields, ISO 8601
// timestamps. One function per resource so every route answers alike.
#include <boost/json/object.hpp>
#include <cstdint>
#include <string>

#include "core/config.hpp"
#include "db/project_repository.hpp"
#include "db/template_repository.hpp"
#include "db/user_repository.hpp"
#include "workspace/project_files.hpp"
#include "workspace/project_status.hpp"
#include "workspace/sync_state.hpp"

namespace berth::api {

std::string iso8601(std::int64_t epoch_ms);
boost::json::object user_json(const db::User& u);
boost::json::object project_json(const db::Project& p, db::Role caller_role);
boost::json::object template_json(const db::Template& t);
boost::json::object member_json(const db::Member& m);
// {state, message?, code?}: REST start/stop answers and `project:status`.
boost::json::object status_json(const workspace::ProjectStatus& s);
// Where a port of a project's container is previewed: the preview host of
// `<port>-<projectId>.<BERTH_PREVIEW_DOMAIN>` on Berth's own listener, with
// the scheme (and port) of BERTH_PUBLIC_URL when set. {port, url, public}.
boost::json::object port_json(const Config& config, const std::string& project_id, int port, bool is_public);
// "http://<port>-<projectId>.<domain>:<port>", no trailing slash.
std::string preview_origin(const Config& config, const std::string& project_id, int port);
// {pending, failed:[{path, code, message}]}: `sync:status` and GET /projects/{id}.
boost::json::object sync_json(const workspace::SyncState& s);
// {path, name, kind, size, mtime, version?}: fs:* acks and the REST file routes.
boost::json::object entry_json(const workspace::FileEntry& e);

}  // namespace berth::api
