#include "api/representations.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <ctime>

#include "preview/preview_host.hpp"

namespace berth::api {

std::string iso8601(std::int64_t ms) {
  std::time_t secs = std::time_t(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, int(ms % 1000));
}

boost::json::object user_json(const db::User& u) {
  return {{"id", u.id}, {"email", u.email}, {"name", u.name}};
}

boost::json::object project_json(const db::Project& p, db::Role role) {
  return {{"id", p.id},
          {"name", p.name},
          {"description", p.description},
          {"templateId", p.template_id},
          {"ownerId", p.owner_id},
          {"status", p.status},
          {"role", db::to_string(role)},
          {"createdAt", iso8601(p.created_at)},
          {"updatedAt", iso8601(p.updated_at)}};
}

boost::json::object template_json(const db::Template& t) {
  return {{"id", t.id}, {"name", t.name}, {"description", t.description}, {"image", t.image}};
}

boost::json::object member_json(const db::Member& m) {
  return {{"userId", m.user_id},
          {"email", m.email},
          {"name", m.name},
          {"role", db::to_string(m.role)},
          {"createdAt", iso8601(m.created_at)}};
}

boost::json::object sync_json(const workspace::SyncState& s) {
  boost::json::array failed;
  for (auto& f : s.failed) failed.push_back({{"path", f.path}, {"code", f.code}, {"message", f.message}});
  return {{"pending", s.pending}, {"failed", std::move(failed)}};
}

boost::json::object status_json(const workspace::ProjectStatus& s) {
  boost::json::object o{{"state", workspace::to_string(s.state)}};
  if (!s.message.empty()) o["message"] = s.message;
  if (!s.error_code.empty()) o["code"] = s.error_code;
  if (s.progress) o["progress"] = {{"done", s.progress->first}, {"total", s.progress->second}};
  return o;
}

boost::json::object entry_json(const workspace::FileEntry& e) {
  boost::json::object o{{"path", e.path}, {"name", e.name}, {"kind", e.kind}, {"size", e.size}, {"mtime", e.mtime_ms}};
  if (!e.version.empty()) o["version"] = e.version;
  return o;
}

}  // namespace berth::api

namespace berth::api {

std::string preview_origin(const Config& config, const std::string& project_id, int port) {
  std::string scheme = "http", port_suffix = ":" + std::to_string(config.port);
  if (!config.public_url.empty()) {
    auto sep = config.public_url.find("://");
    scheme = config.public_url.substr(0, sep);
    auto authority = config.public_url.substr(sep + 3);
    authority = authority.substr(0, authority.find('/'));
    auto colon = authority.rfind(':');
    port_suffix = colon == std::string::npos || authority.back() == ']' ? "" : authority.substr(colon);
  }
  return scheme + "://" + preview::preview_host_name(port, project_id, config.preview_domain) + port_suffix;
}

boost::json::object port_json(const Config& config, const std::string& project_id, int port, bool is_public) {
  return {{"port", port}, {"url", preview_origin(config, project_id, port) + "/"}, {"public", is_public}};
}

}  // namespace berth::api
