#pragma once
// Starter templates (a new project's first files): the ones compiled in
// from templates/ are put into storage when `berth serve` finds them
// missing; `berth template add ID DIR` makes or replaces one from a folder;
// `berth template list` shows the catalogue.
#include <boost/asio/awaitable.hpp>
#include <string>

#include "core/config.hpp"
#include "core/worker_pool.hpp"
#include "db/database.hpp"
#include "storage/object_store.hpp"

namespace berth::app {

// Serve start-up: each built-in template gets its catalogue row and, when
// `_templates/<id>/` holds nothing, its files. Never overwrites what is there.
boost::asio::awaitable<Status> seed_builtin_templates(storage::ObjectStore& store, db::Database& db,
                                                      WorkerPool& workers, std::string image);

struct TemplateAddOptions {
  std::string id;
  std::string dir;
  std::string name;         // default: the id
  std::string description;  // default: "Files of <dir>"
};

int run_template_add(const Config& config, const TemplateAddOptions& options);
int run_template_list(const Config& config);

}  // namespace berth::app
