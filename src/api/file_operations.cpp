#include "api/file_operations.hpp"

#include <spdlog/spdlog.h>

#include "storage/layout.hpp"
#include "storage/object_store.hpp"
#include "workspace/container_plan.hpp"
#include "workspace/file_sync.hpp"

namespace berth::api {
namespace asio = boost::asio;
using workspace::FileChange;
using workspace::FileEntry;
using workspace::ProjectFiles;
using workspace::ProjectPath;

namespace {

// An operation that succeeded: what is there now, and the change to publish.
FileOperations::Done done_as(std::string op, const FileEntry& e, std::string from = {}) {
  FileChange c;
  c.op = std::move(op);
  c.path = e.path;
  c.from = std::move(from);
  c.kind = e.kind;
  c.version = e.version;
  return {e, std::move(c)};
}

Error too_large(std::uint64_t limit) {
  return make_error("too_large", "the file is over BERTH_MAX_FILE_SIZE (" + std::to_string(limit) +
                                     " bytes): split it, or raise the limit");
}

}  // namespace

asio::awaitable<Status> FileOperations::open_files(const std::string& project_id, const std::string& owner_id) {
  if (!ctx_.sync || ctx_.sync->is_open(project_id)) co_return Ok{};
  auto opened = co_await ctx_.sync->open(project_id, owner_id);
  if (!opened) spdlog::warn("project {}: cannot open its files from storage: {}", project_id, opened.error().message);
  co_return opened;
}

asio::awaitable<Result<std::shared_ptr<workspace::Workspace>>> FileOperations::workspace(const FileCaller& caller) {
  if (!ctx_.workspaces) co_return make_error("runtime_unavailable", "this Berth serves no project files");
  if (auto opened = co_await open_files(caller.project_id, caller.owner_id); !opened) co_return opened.error();
  co_return co_await ctx_.workers.run([&] { return ctx_.workspaces->open(caller.project_id); });
}

std::string FileOperations::staging_dir(const std::string& project_id) const {
  return workspace::staging_dir(ctx_.workspaces->options(), project_id);
}

Status FileOperations::storable(const FileCaller& caller, const ProjectPath& path) const {
  if (!ctx_.storage || path.is_root()) return Ok{};
  return ctx_.storage->validate_key(storage::project_key(caller.owner_id, caller.project_id, path.str()));
}

asio::awaitable<Result<FileListing>> FileOperations::list(const FileCaller& caller, const ProjectPath& dir,
                                                          bool recursive) {
  auto ws = co_await workspace(caller);
  if (!ws) co_return ws.error();
  FileListing listing;
  listing.seq = (*ws)->seq();
  auto entries = co_await ctx_.workers.run([&] { return (*ws)->files().list(dir, recursive); });
  if (!entries) co_return entries.error();
  listing.entries = std::move(*entries);
  co_return listing;
}

asio::awaitable<Result<FileEntry>> FileOperations::stat(const FileCaller& caller, const ProjectPath& path) {
  auto ws = co_await workspace(caller);
  if (!ws) co_return ws.error();
  co_return co_await ctx_.workers.run([&] { return (*ws)->files().stat(path); });
}

asio::awaitable<Result<workspace::FileContent>> FileOperations::read(const FileCaller& caller,
                                                                     const ProjectPath& path,
                                                                     std::uint64_t max_bytes) {
  auto ws = co_await workspace(caller);
  if (!ws) co_return ws.error();
  co_return co_await ctx_.workers.run([&] { return (*ws)->files().read(path, max_bytes); });
}

asio::awaitable<Result<FileChanged>> FileOperations::apply(const FileCaller& caller, Op op) {
  auto ws = co_await workspace(caller);
  if (!ws) co_return ws.error();
  FileEntry entry;
  auto done = co_await ctx_.workers.run([&] {
    return (*ws)->change([&](ProjectFiles& files) -> Result<FileChange> {
      auto e = op(files);
      if (!e) return e.error();
      entry = std::move(e->entry);
      e->change.by = caller.user_id, e->change.actor = caller.actor;
      return std::move(e->change);
    });
  });
  if (!done) co_return done.error();
  co_return FileChanged{std::move(entry), done->seq};
}

asio::awaitable<Result<FileChanged>> FileOperations::put(const FileCaller& caller, const ProjectPath& path,
                                                         Writer writer) {
  if (auto ok = storable(caller, path); !ok) co_return ok.error();
  Op op = [&](ProjectFiles& f) -> Result<Done> {
    bool existed = f.stat(path, false).ok();
    auto e = writer(f);
    if (!e) return e.error();
    return done_as(existed ? "modified" : "created", *e);
  };
  co_return co_await apply(caller, std::move(op));
}

asio::awaitable<Result<FileChanged>> FileOperations::write(const FileCaller& caller, const ProjectPath& path,
                                                           std::string bytes, std::optional<std::string> base) {
  if (bytes.size() > max_file_size()) co_return too_large(max_file_size());
  Writer writer = [&](ProjectFiles& f) { return f.write(path, bytes, base); };
  co_return co_await put(caller, path, std::move(writer));
}

asio::awaitable<Result<FileChanged>> FileOperations::write_staged(const FileCaller& caller, const ProjectPath& path,
                                                                  std::string staged,
                                                                  std::optional<std::string> base) {
  // An upload names where the file goes: the folders on the way are made
  // (a dragged folder arrives as files in paths that do not exist yet).
  // (Not for a write that needs the file there already: it fails anyway.)
  Writer writer = [&](ProjectFiles& f) -> Result<FileEntry> {
    bool must_exist = base && !base->empty();
    if (auto made = must_exist ? Status(Ok{}) : f.make_parent_dirs(path); !made) return made.error();
    return f.replace(path, staged, base);
  };
  co_return co_await put(caller, path, std::move(writer));
}

asio::awaitable<Result<FileChanged>> FileOperations::create(const FileCaller& caller, const ProjectPath& path,
                                                            bool directory, bool make_parents) {
  if (auto ok = storable(caller, path); !ok) co_return ok.error();
  Op op = [&](ProjectFiles& f) -> Result<Done> {
    if (make_parents)
      if (auto made = f.make_parent_dirs(path); !made) return made.error();
    auto e = f.create(path, directory);
    if (!e) return e.error();
    return done_as("created", *e);
  };
  co_return co_await apply(caller, std::move(op));
}

asio::awaitable<Result<FileChanged>> FileOperations::remove(const FileCaller& caller, const ProjectPath& path) {
  Op op = [&](ProjectFiles& f) -> Result<Done> {
    auto before = f.stat(path, false);
    if (!before) return before.error();
    if (auto r = f.remove(path); !r) return r.error();
    return done_as("deleted", *before);
  };
  co_return co_await apply(caller, std::move(op));
}

asio::awaitable<Result<FileChanged>> FileOperations::rename(const FileCaller& caller, const ProjectPath& from,
                                                            const ProjectPath& to, bool overwrite) {
  if (auto ok = storable(caller, to); !ok) co_return ok.error();
  Op op = [&](ProjectFiles& f) -> Result<Done> {
    auto e = f.rename(from, to, overwrite);
    if (!e) return e.error();
    return done_as("renamed", *e, from.str());
  };
  co_return co_await apply(caller, std::move(op));
}

}  // namespace berth::api
