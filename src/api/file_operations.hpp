#pragma once
// The file operations of DESIGN §5, once, for both transports: the fs:*
// events (events/file_events) and the REST file routes (rest/file_routes)
// call these, so a write over REST and one over Socket.IO take the same
// checks, the same seq order and the same journal.
//
// Every operation first opens the project's files (the mirror reconciled
// with storage, once per process), then runs on the worker pool. Changes
// go through Workspace::change, which publishes them as fs:changed to
// everyone but `actor`. Access (viewer or editor) is the caller's to check.
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/context.hpp"
#include "workspace/workspace.hpp"

namespace berth::api {

struct FileCaller {
  std::string project_id;
  std::string owner_id;  // where the project's objects live in storage
  std::string user_id;   // `by` in fs:changed
  std::string actor;     // who is left out of fs:changed: a socket id, or a REST request's
};

struct FileListing {
  std::uint64_t seq = 0;  // taken before listing: a later change has a later seq
  std::vector<workspace::FileEntry> entries;
};

struct FileChanged {
  workspace::FileEntry entry;  // for deletes: what was there
  std::uint64_t seq = 0;
};

class FileOperations {
 public:
  explicit FileOperations(ApiContext& ctx) : ctx_(ctx) {}

  // Reconciles the mirror with storage once (FileSync::open): every
  // operation waits for it, so nobody reads a mirror storage has not filled.
  boost::asio::awaitable<Status> open_files(const std::string& project_id, const std::string& owner_id);
  boost::asio::awaitable<Result<std::shared_ptr<workspace::Workspace>>> workspace(const FileCaller& caller);

  boost::asio::awaitable<Result<FileListing>> list(const FileCaller& caller, const workspace::ProjectPath& dir,
                                                   bool recursive);
  boost::asio::awaitable<Result<workspace::FileEntry>> stat(const FileCaller& caller,
                                                            const workspace::ProjectPath& path);
  boost::asio::awaitable<Result<workspace::FileContent>> read(const FileCaller& caller,
                                                              const workspace::ProjectPath& path,
                                                              std::uint64_t max_bytes);
  // too_large past BERTH_MAX_FILE_SIZE; invalid_path when storage could never hold the name.
  boost::asio::awaitable<Result<FileChanged>> write(const FileCaller& caller, const workspace::ProjectPath& path,
                                                    std::string bytes, std::optional<std::string> base_version);
  // write() of a file already complete in the project's staging folder
  // (staging_dir()): the REST upload streams there first. Missing folders
  // on the way are made.
  boost::asio::awaitable<Result<FileChanged>> write_staged(const FileCaller& caller,
                                                           const workspace::ProjectPath& path, std::string staged,
                                                           std::optional<std::string> base_version);
  // make_parents: the folders on the way are made first (an archive's).
  boost::asio::awaitable<Result<FileChanged>> create(const FileCaller& caller, const workspace::ProjectPath& path,
                                                     bool directory, bool make_parents = false);
  boost::asio::awaitable<Result<FileChanged>> remove(const FileCaller& caller, const workspace::ProjectPath& path);
  boost::asio::awaitable<Result<FileChanged>> rename(const FileCaller& caller, const workspace::ProjectPath& from,
                                                     const workspace::ProjectPath& to, bool overwrite);

  // Where uploads are staged: on the project's own disk, beside its mirror.
  std::string staging_dir(const std::string& project_id) const;
  std::uint64_t max_file_size() const { return ctx_.config.max_file_size; }

  struct Done {
    workspace::FileEntry entry;
    workspace::FileChange change;
  };

 private:
  using Op = std::function<Result<Done>(workspace::ProjectFiles&)>;
  // Runs a change in seq order; the answer holds the seq it was given.
  boost::asio::awaitable<Result<FileChanged>> apply(const FileCaller& caller, Op op);
  // A whole file written by `writer`: created or modified, as it was there before.
  using Writer = std::function<Result<workspace::FileEntry>(workspace::ProjectFiles&)>;
  boost::asio::awaitable<Result<FileChanged>> put(const FileCaller& caller, const workspace::ProjectPath& path,
                                                  Writer writer);
  // A name storage could never hold is refused now, not parked later.
  Status storable(const FileCaller& caller, const workspace::ProjectPath& path) const;

  ApiContext& ctx_;
};

}  // namespace berth::api
