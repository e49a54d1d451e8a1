#pragma once
// Where things live in the bucket (DESIGN §6). The project layout is the
// original design's `<ownerId>/<projectId>/<path>`, so an existing bucket
// keeps working. Owner and project ids are UUIDs, so the `_`-prefixed
// top-level folders below can never be produced by a user's path.
#include <string>
#include <string_view>

namespace berth::storage {

// "<ownerId>/<projectId>/": every file of the project is below it.
std::string project_prefix(std::string_view owner_id, std::string_view project_id);
// "<ownerId>/<projectId>/<path>" for a project-relative path "src/main.py".
std::string project_key(std::string_view owner_id, std::string_view project_id, std::string_view path);
// "_templates/<templateId>/": a starter template's files.
std::string template_prefix(std::string_view template_id);
// What storage cannot express (empty directories, modes, symlinks) for the
// files under `prefix` (a project's or a template's), kept outside that
// prefix so no user path can produce its key: "a/b/" → "_manifests/a/b.json".
std::string manifest_key(std::string_view prefix);

}  // namespace berth::storage
