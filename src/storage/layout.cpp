#include "storage/layout.hpp"

namespace berth::storage {

std::string project_prefix(std::string_view owner_id, std::string_view project_id) {
  std::string out;
  out.append(owner_id).append("/").append(project_id).append("/");
  return out;
}

std::string project_key(std::string_view owner_id, std::string_view project_id, std::string_view path) {
  return project_prefix(owner_id, project_id).append(path);
}

std::string template_prefix(std::string_view template_id) {
  return std::string("_templates/").append(template_id).append("/");
}

std::string manifest_key(std::string_view prefix) {
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  return std::string("_manifests/").append(prefix).append(".json");
}

}  // namespace berth::storage
