#include "db/template_repository.hpp"

namespace berth::db {
namespace {

Template to_template(const Row& row) {
  return Template{row.text("id"), row.text("name"), row.text("description"), row.text("image")};
}

}  // namespace

Result<std::vector<Template>> TemplateRepository::list() {
  auto rows = pool_.with([](SqlConnection& c) {
    return c.exec("SELECT id, name, description, image FROM berth.templates ORDER BY created_at, id");
  });
  if (!rows) return rows.error();
  std::vector<Template> out;
  for (const auto& row : *rows) out.push_back(to_template(row));
  return out;
}

Status TemplateRepository::upsert(const Template& t, std::int64_t now_ms) {
  auto r = pool_.with([&](SqlConnection& c) {
    return c.exec("INSERT INTO berth.templates (id, name, description, image, created_at) VALUES ($1, $2, $3, $4, $5) "
                  "ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description, "
                  "image = excluded.image",
                  {t.id, t.name, t.description, t.image, now_ms});
  });
  if (!r) return r.error();
  return Ok{};
}

Result<std::optional<Template>> TemplateRepository::find(std::string_view id) {
  auto rows = pool_.with([&](SqlConnection& c) {
    return c.exec("SELECT id, name, description, image FROM berth.templates WHERE id = $1", {std::string(id)});
  });
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<Template>{};
  return std::optional<Template>{to_template(rows->front())};
}

}  // namespace berth::db
