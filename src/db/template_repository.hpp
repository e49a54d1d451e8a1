#pragma once
// Project templates: the starting point of a new project (seeded by
// migration 1: blank, node, python; static-web by 2). The files of a template live in object
// storage under _templates/<id>/; this is only the catalogue.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/sql.hpp"

namespace berth::db {

struct Template {
  std::string id;
  std::string name;
  std::string description;
  std::string image;  // container image a project of this template runs in
};

class TemplateRepository {
 public:
  explicit TemplateRepository(SqlPool& pool) : pool_(pool) {}

  Result<std::vector<Template>> list();
  Result<std::optional<Template>> find(std::string_view id);
  // Creates the template or replaces its name, description and image.
  Status upsert(const Template& t, std::int64_t now_ms);

 private:
  SqlPool& pool_;
};

}  // namespace berth::db
