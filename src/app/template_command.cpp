#include "app/template_command.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "app/builtin_templates.hpp"
#include "core/parallel.hpp"
#include "db/clock.hpp"
#include "storage/layout.hpp"
#include "storage/make_store.hpp"
#include "storage/project_objects.hpp"
#include "workspace/ignore_rules.hpp"

namespace berth::app {
namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

const std::map<std::string, std::pair<std::string, std::string>> kBuiltinNames = {
    {"blank", {"Blank", "An empty project"}},
    {"node", {"Node.js", "A Node.js project with npm"}},
    {"python", {"Python", "A Python 3 project"}},
    {"static-web", {"Static web page", "HTML, CSS and JavaScript"}},
};

bool valid_template_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

// Runs one awaitable to completion on a private io_context (the commands
// that are not the server).
template <class T>
T run_blocking(asio::io_context& ioc, asio::awaitable<T> work) {
  std::optional<T> out;
  auto guard = asio::make_work_guard(ioc);
  asio::co_spawn(ioc, [&]() -> asio::awaitable<void> { out.emplace(co_await std::move(work)); }, asio::detached);
  while (!out) ioc.run_one();
  return std::move(*out);
}

struct LocalFile {
  std::string path;  // inside the template
  fs::path source;
  std::uintmax_t size = 0;
  unsigned mode = 0644;
};

Result<std::vector<LocalFile>> files_of(const fs::path& dir, storage::ProjectManifest& manifest) {
  std::string ignore_text;
  if (std::ifstream in(dir / ".berthignore"); in) ignore_text.assign(std::istreambuf_iterator<char>(in), {});
  auto ignore = workspace::IgnoreRules::with_file(ignore_text);
  std::vector<LocalFile> out;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec), end;
  if (ec) return make_error("not_found", "cannot read " + dir.string() + ": " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) return make_error("internal", "cannot read " + dir.string() + ": " + ec.message());
    auto rel = fs::relative(it->path(), dir).generic_string();
    auto st = it->symlink_status();
    bool is_dir = fs::is_directory(st);
    if (ignore.ignored(rel, is_dir) || rel == ".git" || rel.starts_with(".git/")) {
      if (is_dir) it.disable_recursion_pending();
      continue;
    }
    if (is_dir) {
      if (fs::is_empty(it->path())) manifest.empty_directories.push_back(rel);
    } else if (fs::is_regular_file(st)) {
      struct stat raw {};
      unsigned mode = ::stat(it->path().c_str(), &raw) == 0 ? unsigned(raw.st_mode & 0777) : 0644;
      if (mode != 0644) manifest.modes[rel] = mode;
      out.push_back({rel, it->path(), it->file_size(), mode});
    }  // symlinks and devices are not template material
  }
  std::sort(manifest.empty_directories.begin(), manifest.empty_directories.end());
  return out;
}

}  // namespace

asio::awaitable<Status> seed_builtin_templates(storage::ObjectStore& store, db::Database& db, WorkerPool& workers,
                                               std::string image) {
  std::map<std::string, std::vector<TemplateFile>> by_id;
  for (auto& f : builtin_template_files()) by_id[std::string(f.template_id)].push_back(f);
  for (auto& [id, files] : by_id) {
    auto names = kBuiltinNames.count(id) ? kBuiltinNames.at(id) : std::pair{id, std::string("A starter project")};
    auto row = co_await workers.run([&]() -> Status {
      auto found = db.templates().find(id);
      if (!found) return found.error();
      if (found->has_value()) return Ok{};  // an operator's edits stay
      return db.templates().upsert({id, names.first, names.second, image}, db::now_ms());
    });
    if (!row) co_return row.error();
    auto prefix = storage::template_prefix(id);
    auto present = co_await store.list(prefix);
    if (!present) co_return present.error();
    if (!present->empty()) continue;
    for (auto& f : files) {
      auto source = storage::PutSource::from_bytes(std::string(f.bytes));
      auto put = co_await store.put(prefix + std::string(f.path), std::move(source));
      if (!put) co_return put.error();
    }
    spdlog::info("template {}: its {} files put into storage under {}", id, files.size(), prefix);
  }
  co_return Ok{};
}

int run_template_add(const Config& config, const TemplateAddOptions& options) {
  if (!valid_template_id(options.id)) {
    std::cerr << "berth template add: the id must be 1 to 64 letters, digits, '-' or '_' (got '" << options.id
              << "')\n";
    return 2;
  }
  storage::ProjectManifest manifest;
  auto files = files_of(options.dir, manifest);
  if (!files) {
    std::cerr << "berth template add: " << files.error().message << "\n";
    return 2;
  }
  auto db = db::open_database(config);
  if (!db) {
    std::cerr << "berth template add: " << db.error().message << "\n";
    return 2;
  }
  asio::io_context ioc;
  WorkerPool workers(4);
  auto store = storage::make_object_store(config, ioc.get_executor(), workers);
  if (!store) {
    std::cerr << "berth template add: " << store.error().message << "\n";
    return 2;
  }
  auto prefix = storage::template_prefix(options.id);
  std::cout << "template " << options.id << ": " << files->size() << " files from " << options.dir << " into "
            << (*store)->describe() << "\n";
  auto uploaded = run_blocking(ioc, [&]() -> asio::awaitable<Status> {
    if (auto ready = co_await (*store)->prepare(); !ready) co_return ready;
    // Replaced whole: a file removed from DIR must not linger in the template.
    if (auto gone = co_await storage::delete_tree(**store, prefix); !gone) co_return gone.error();
    std::atomic<std::size_t> done{0};
    auto sent = co_await for_each_parallel(files->size(), 8, [&](std::size_t i) -> asio::awaitable<Status> {
      auto& f = (*files)[i];
      auto put = co_await (*store)->put(prefix + f.path, storage::PutSource::from_file(f.source.string()));
      if (!put) co_return make_error(put.error().code, f.path + ": " + put.error().message);
      auto n = ++done;
      if (n % 50 == 0 || n == files->size()) std::cout << "  " << n << "/" << files->size() << " files\n";
      co_return Ok{};
    });
    if (!sent) co_return sent;
    co_return co_await storage::save_manifest(**store, prefix, manifest);
  }());
  if (!uploaded) {
    std::cerr << "berth template add: " << uploaded.error().message << "\n";
    return 1;
  }
  db::Template row{options.id, options.name.empty() ? options.id : options.name,
                   options.description.empty() ? "Files of " + fs::path(options.dir).filename().string()
                                               : options.description,
                   config.image};
  if (auto saved = (*db)->templates().upsert(row, db::now_ms()); !saved) {
    std::cerr << "berth template add: " << saved.error().message << "\n";
    return 1;
  }
  std::cout << "template " << options.id << " is ready: POST /api/v1/projects {\"name\": …, \"templateId\": \""
            << options.id << "\"}\n";
  return 0;
}

int run_template_list(const Config& config) {
  auto db = db::open_database(config);
  if (!db) {
    std::cerr << "berth template list: " << db.error().message << "\n";
    return 2;
  }
  auto list = (*db)->templates().list();
  if (!list) {
    std::cerr << "berth template list: " << list.error().message << "\n";
    return 1;
  }
  for (auto& t : *list) std::cout << t.id << "\t" << t.name << "\t" << t.description << "\t" << t.image << "\n";
  return 0;
}

}  // namespace berth::app
