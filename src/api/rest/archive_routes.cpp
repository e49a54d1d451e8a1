// A project folder as a zip and back (DESIGN §5): GET …/archive streams a
// zip of a folder (what .berthignore keeps local left out), made piece by
// piece on the worker pool while it is sent; POST …/archive unpacks an
// uploaded zip into a folder, every entry a change like an fs:write;
// POST …/archive/link gives a browser a signed GET link to the download.
#include <fcntl.h>
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
#include "core/encoding.hpp"
#include "workspace/project_archive.hpp"
#include "workspace/workspace.hpp"

namespace berth::api {
namespace json = boost::json;
using net::HttpRequest;
using net::HttpResponse;
using workspace::ProjectPath;
using Reply = boost::asio::awaitable<HttpResponse>;

namespace {

constexpr std::size_t kArchivePiece = 256 << 10;
constexpr std::size_t kMaxUnpackEntries = 10'000;

// The archive as it is made: each piece read and deflated on a worker.
class ZipSource final : public net::BodySource {
 public:
  ZipSource(WorkerPool& workers, std::shared_ptr<workspace::Workspace> ws, std::unique_ptr<workspace::ProjectZip> zip)
      : workers_(workers), ws_(std::move(ws)), zip_(std::move(zip)) {}
  boost::asio::awaitable<Status> next(std::string& piece) override {
    auto made = co_await workers_.run([this] { return zip_->next(kArchivePiece); });
    if (!made) co_return made.error();
    piece = std::move(*made);
    co_return Ok{};
  }

 private:
  WorkerPool& workers_;
  std::shared_ptr<workspace::Workspace> ws_;  // keeps the files the zip reads
  std::unique_ptr<workspace::ProjectZip> zip_;
};

// The archive's link scope names the folder, so the path comes first.
Result<ProjectPath> folder_of(const HttpRequest& req) {
  auto p = req.query.find("path");
  return workspace::parse_project_path(p == req.query.end() ? std::string() : p->second);
}

Reply download(ApiContext& ctx, FileOperations& files, HttpRequest& req) {
  auto folder = folder_of(req);
  if (!folder) co_return error_reply(folder.error());
  auto access = co_await file_access(ctx, req, db::Role::viewer, FileAccess::link_allowed, archive_scope(*folder));
  if (!access) co_return error_reply(access.error());
  auto ws = co_await files.workspace(access->caller);
  if (!ws) co_return error_reply(ws.error());
  // ?zip64=1 writes zip64 records even where nothing needs them: for tools
  // (and tests) that want to see them without a 4 GiB project.
  auto zip = std::make_unique<workspace::ProjectZip>((*ws)->files(), *folder, req.query["zip64"] == "1");
  auto started = co_await ctx.workers.run([&] { return zip->start(); });
  if (!started) co_return error_reply(started.error());
  HttpResponse res;
  res.content_type = "application/zip";
  res.with_header("Cache-Control", "private, no-store");
  auto name = folder->is_root() ? access->project_name : folder->components().back();
  res.with_header("Content-Disposition", "attachment; filename*=UTF-8''" + percent_encode(name + ".zip"));
  res.source = std::make_shared<ZipSource>(ctx.workers, std::move(*ws), std::move(zip));
  co_return res;  // chunked: the size is known only at the end
}

// The project's disk bounds what an archive may unpack to (its quota as the
// workspaces parsed it; 0: none, then a bound of its own).
std::uint64_t unpack_budget(const ApiContext& ctx) {
  auto quota = ctx.workspaces->options().project_quota;
  return quota > 0 ? std::uint64_t(quota) : 16ull << 30;
}

struct Unpacking {
  UniqueFd fd;
  std::optional<archive::ZipReader> reader;
  workspace::UnpackPlan plan;  // points into *reader
};

Reply unpack(ApiContext& ctx, FileOperations& files, HttpRequest& req) {
  auto access = co_await file_access(ctx, req, db::Role::editor);
  if (!access) co_return error_reply(access.error());
  if (!req.body_reader) co_return error_reply(make_error("internal", "the unpack route is not streaming"));
  auto ws = co_await files.workspace(access->caller);
  if (!ws) co_return error_reply(ws.error());
  auto staging = files.staging_dir(access->caller.project_id);
  auto budget = unpack_budget(ctx);
  auto staged = co_await receive_to_staging(ctx, *req.body_reader, staging, budget, "BERTH_PROJECT_QUOTA");
  if (!staged) co_return error_reply((*ws)->explain_full_disk(staged.error()));
  auto job = std::make_shared<Unpacking>();
  archive::ZipLimits limits{kMaxUnpackEntries, files.max_file_size(), budget};
  auto planned = co_await ctx.workers.run([&]() -> Status {
    job->fd = UniqueFd(::open(staged->path().c_str(), O_RDONLY | O_CLOEXEC));
    if (!job->fd) return make_error("internal", "cannot open the uploaded archive");
    auto reader = archive::ZipReader::open(job->fd.get(), limits);
    if (!reader) return reader.error();
    job->reader.emplace(std::move(*reader));
    auto plan = workspace::plan_unpack(*job->reader, access->path);
    if (!plan) return plan.error();
    job->plan = std::move(*plan);
    return Ok{};
  });
  if (!planned) co_return error_reply(planned.error());

  std::uint64_t seq = (*ws)->seq();
  std::size_t unpacked = 0, folders = 0;
  for (const auto& item : job->plan.items) {
    auto failed = [&](const Error& e) {
      return error_reply(make_error(e.code, item.path.str() + ": " + e.message + " (" + std::to_string(unpacked + folders) +
                                                " entries were unpacked before it)"));
    };
    if (item.entry->kind == archive::ZipEntry::Kind::directory) {
      auto made = co_await files.create(access->caller, item.path, true, true);
      if (made) {
        seq = made->seq;
        ++folders;
      } else if (made.error().code != "conflict") {  // a folder already there is what was asked for
        co_return failed(made.error());
      }
      continue;
    }
    StagedFile part(staging + "/unzip-" + random_token(9) + ".part");
    auto extracted = co_await ctx.workers.run([&]() -> Status {
      UniqueFd out(::open(part.path().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
      if (!out) return make_error("internal", "cannot create a file in the staging folder");
      return job->reader->extract(*item.entry, out.get());
    });
    if (!extracted) co_return failed((*ws)->explain_full_disk(extracted.error()));
    auto written = co_await files.write_staged(access->caller, item.path, part.path(), std::nullopt);
    if (!written) co_return failed(written.error());
    seq = written->seq;
    ++unpacked;
  }
  json::array skipped;
  for (auto& [name, why] : job->plan.skipped) skipped.push_back(json::object{{"name", name}, {"reason", why}});
  co_return json_reply(200, json::serialize(json::object{
                                {"files", unpacked}, {"folders", folders}, {"skipped", std::move(skipped)}, {"seq", seq}}));
}

Reply link(ApiContext& ctx, HttpRequest& req) { return signed_link_reply(ctx, req, "/archive", &archive_scope); }

}  // namespace

void add_archive_routes(net::Router& router, ApiContext& ctx) {
  auto files = std::make_shared<FileOperations>(ctx);
  router.add("GET", "/api/v1/projects/{id}/archive", [&ctx, files](HttpRequest& r) { return download(ctx, *files, r); });
  router.add_streaming("POST", "/api/v1/projects/{id}/archive",
                       [&ctx, files](HttpRequest& r) { return unpack(ctx, *files, r); });
  router.add("POST", "/api/v1/projects/{id}/archive/link", [&ctx](HttpRequest& r) { return link(ctx, r); });
}

}  // namespace berth::api
