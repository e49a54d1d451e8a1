#include "storage/project_manifest.hpp"

#include <algorithm>
#include <boost/json.hpp>

namespace berth::storage {

namespace json = boost::json;

namespace {
// Splits on '/', keeping empty components so callers can refuse them.
std::vector<std::string_view> components(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    auto slash = path.find('/', start);
    out.push_back(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) return out;
    start = slash + 1;
  }
}
}  // namespace

bool is_clean_relative_path(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.find('\0') != std::string_view::npos) return false;
  for (auto c : components(path))
    if (c.empty() || c == "." || c == "..") return false;
  return true;
}

bool symlink_stays_inside(std::string_view path, std::string_view target) {
  if (!is_clean_relative_path(path) || target.empty() || target.front() == '/' ||
      target.find('\0') != std::string_view::npos)
    return false;
  // Resolve from the link's own directory, never climbing above the root.
  auto parts = components(path);
  parts.pop_back();
  std::size_t depth = parts.size();
  for (auto c : components(target)) {
    if (c.empty() || c == ".") continue;
    if (c == "..") {
      if (depth == 0) return false;
      --depth;
    } else {
      ++depth;
    }
  }
  return true;
}

std::string ProjectManifest::encode() const {
  json::array dirs;
  for (auto& d : empty_directories) dirs.emplace_back(d);
  json::object modes_json;
  for (auto& [p, m] : modes) modes_json[p] = m & 0777u;
  json::object links;
  for (auto& [p, t] : symlinks) links[p] = t;
  return json::serialize(json::object{
      {"version", 1}, {"emptyDirectories", std::move(dirs)}, {"modes", std::move(modes_json)}, {"symlinks", std::move(links)}});
}

Result<ProjectManifest> ProjectManifest::decode(std::string_view text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return make_error("storage_unavailable", "the project manifest is not JSON");
  auto& o = v.as_object();
  ProjectManifest m;
  if (auto* d = o.if_contains("emptyDirectories"); d && d->is_array())
    for (auto& e : d->as_array())
      if (e.is_string() && is_clean_relative_path(e.as_string())) m.empty_directories.emplace_back(e.as_string());
  if (auto* d = o.if_contains("modes"); d && d->is_object())
    for (auto& [k, val] : d->as_object())
      if (val.is_int64() && is_clean_relative_path(k)) m.modes[std::string(k)] = unsigned(val.as_int64()) & 0777u;
  if (auto* d = o.if_contains("symlinks"); d && d->is_object())
    for (auto& [k, val] : d->as_object())
      if (val.is_string() && symlink_stays_inside(k, val.as_string()))
        m.symlinks[std::string(k)] = std::string(val.as_string());
  std::sort(m.empty_directories.begin(), m.empty_directories.end());
  return m;
}

}  // namespace berth::storage
