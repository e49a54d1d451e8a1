// A project's files over REST (DESIGN §5), for scripts and for files above
// the Socket.IO message limit: list, and one file's content streamed both
// ways (its own limit, BERTH_MAX_FILE_SIZE, not BERTH_MAX_BODY), delete,
// and signed download links for browsers. The operations are the fs:*
// events' own (api/file_operations.hpp): the same checks, seq and
// fs:changed to every socket of the project.
#include <unistd.h>

#include <boost/json.hpp>

#include "api/error_status.hpp"
#include "api/file_operations.hpp"
#include "api/representations.hpp"
#include "api/rest/file_access.hpp"
#include "api/rest/request_auth.hpp"
#include "api/rest/routes.hpp"
#include "api/rest/staged_upload.hpp"
#include "api/signed_links.hpp"
#include "workspace/project_files.hpp"
#include "core/encoding.hpp"
#include "core/unique_fd.hpp"

namespace berth::api {
namespace json = boost::json;
using net::HttpRequest;
using net::HttpResponse;
using workspace::ProjectPath;
using Reply = boost::asio::awaitable<HttpResponse>;

namespace {

constexpr std::size_t kDownloadPiece = 256 << 10;

// A file's bytes, read piece by piece on the worker pool, at most the size
// it had when the download began (its Content-Length).
class FileSource final : public net::BodySource {
 public:
  FileSource(WorkerPool& workers, UniqueFd fd, std::uint64_t size)
      : workers_(workers), fd_(std::move(fd)), left_(size) {}
  boost::asio::awaitable<Status> next(std::string& piece) override {
    piece.clear();
    if (left_ == 0) co_return Ok{};
    piece.resize(std::min<std::uint64_t>(left_, kDownloadPiece));
    auto n = co_await workers_.run([&]() -> ssize_t { return ::read(fd_.get(), piece.data(), piece.size()); });
    if (n <= 0) co_return make_error("internal", "the file shrank while it was sent");
    piece.resize(std::size_t(n));
    left_ -= std::uint64_t(n);
    co_return Ok{};
  }

 private:
  WorkerPool& workers_;
  UniqueFd fd_;
  std::uint64_t left_;
};

// The version a writer says it started from: `If-Match: "<version>"`, else
// the `baseVersion` query parameter; none: write whatever is there.
// `If-Match: *` asks only that the file exist, `If-None-Match: *` that it not.
std::optional<std::string> base_version(const HttpRequest& req) {
  if (req.header("If-None-Match") == "*") return std::string();
  std::string_view m = req.header("If-Match");
  if (m == "*") return std::string(workspace::ProjectFiles::kAnyVersion);
  if (m.substr(0, 2) == "W/") m.remove_prefix(2);
  if (m.size() >= 2 && m.front() == '"' && m.back() == '"') m = m.substr(1, m.size() - 2);
  if (!m.empty()) return std::string(m);
  if (auto it = req.query.find("baseVersion"); it != req.query.end()) return it->second;
  return std::nullopt;
}

Reply list(ApiContext& ctx, FileOperations& files, HttpRequest& req) {
  auto access = co_await file_access(ctx, req, db::Role::viewer);
  if (!access) co_return error_reply(access.error());
  auto listing = co_await files.list(access->caller, access->path, req.query["recursive"] == "true");
  if (!listing) co_return error_reply(listing.error());
  json::array entries;
  for (auto& e : listing->entries) entries.push_back(entry_json(e));
  co_return json_reply(200, json::serialize(json::object{{"seq", listing->seq}, {"entries", std::move(entries)}}));
}

Reply download(ApiContext& ctx, FileOperations& files, HttpRequest& req) {
  auto access = co_await file_access(ctx, req, db::Role::viewer, FileAccess::link_allowed);
  if (!access) co_return error_reply(access.error());
  auto ws = co_await files.workspace(access->caller);
  if (!ws) co_return error_reply(ws.error());
  struct Opened {
    workspace::FileEntry entry;
    UniqueFd fd;
    std::uint64_t size = 0;
  };
  auto opened = co_await ctx.workers.run([&]() -> Result<Opened> {
    auto entry = (*ws)->files().stat(access->path);
    if (!entry) return entry.error();
    if (entry->kind != "file") return make_error("bad_request", access->path.str() + " is not a file");
    struct stat st {};
    auto fd = (*ws)->files().open_file(access->path, &st);
    if (!fd) return fd.error();
    return Opened{std::move(*entry), std::move(*fd), std::uint64_t(st.st_size)};
  });
  if (!opened) co_return error_reply(opened.error());
  HttpResponse res;
  res.content_type = "application/octet-stream";
  res.with_header("ETag", "\"" + opened->entry.version + "\"");
  res.with_header("Cache-Control", "private, no-store");
  if (has_link_signature(req) || req.query["download"] == "1")  // a browser saves it under its own name
    res.with_header("Content-Disposition", "attachment; filename*=UTF-8''" + percent_encode(opened->entry.name));
  res.length = opened->size;
  res.source = std::make_shared<FileSource>(ctx.workers, std::move(opened->fd), opened->size);
  co_return res;
}

Reply upload(ApiContext& ctx, FileOperations& files, HttpRequest& req) {
  auto access = co_await file_access(ctx, req, db::Role::editor);
  if (!access) co_return error_reply(access.error());
  if (!req.body_reader) co_return error_reply(make_error("internal", "the upload route is not streaming"));
  auto ws = co_await files.workspace(access->caller);  // the project's disk is mounted: staging is there
  if (!ws) co_return error_reply(ws.error());
  auto staged = co_await receive_to_staging(ctx, *req.body_reader, files.staging_dir(access->caller.project_id),
                                            files.max_file_size(), "BERTH_MAX_FILE_SIZE");
  if (!staged) co_return error_reply((*ws)->explain_full_disk(staged.error()));
  auto done = co_await files.write_staged(access->caller, access->path, staged->path(), base_version(req));
  if (!done) co_return error_reply(done.error());
  co_return json_reply(200, json::serialize(json::object{
                                {"entry", entry_json(done->entry)}, {"version", done->entry.version}, {"seq", done->seq}}));
}

Reply remove(ApiContext& ctx, FileOperations& files, HttpRequest& req) {
  auto access = co_await file_access(ctx, req, db::Role::editor);
  if (!access) co_return error_reply(access.error());
  auto done = co_await files.remove(access->caller, access->path);
  if (!done) co_return error_reply(done.error());
  co_return json_reply(200, json::serialize(json::object{{"seq", done->seq}}));
}

Reply link(ApiContext& ctx, HttpRequest& req) { return signed_link_reply(ctx, req, "/files/content", &file_scope); }

}  // namespace

void add_file_routes(net::Router& router, ApiContext& ctx) {
  auto files = std::make_shared<FileOperations>(ctx);
  router.add("GET", "/api/v1/projects/{id}/files", [&ctx, files](HttpRequest& r) { return list(ctx, *files, r); });
  router.add("GET", "/api/v1/projects/{id}/files/content",
             [&ctx, files](HttpRequest& r) { return download(ctx, *files, r); });
  router.add_streaming("PUT", "/api/v1/projects/{id}/files/content",
                       [&ctx, files](HttpRequest& r) { return upload(ctx, *files, r); });
  router.add("DELETE", "/api/v1/projects/{id}/files/content",
             [&ctx, files](HttpRequest& r) { return remove(ctx, *files, r); });
  router.add("POST", "/api/v1/projects/{id}/files/link", [&ctx](HttpRequest& r) { return link(ctx, r); });
}

}  // namespace berth::api
