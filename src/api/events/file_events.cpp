#include "api/events/file_events.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json.hpp>

#include "api/access.hpp"
#include "api/events/project_connection.hpp"
#include "api/representations.hpp"
#include "core/encoding.hpp"
#include "storage/layout.hpp"
#include "storage/object_store.hpp"
#include "workspace/file_sync.hpp"
#include <spdlog/spdlog.h>

namespace berth::api {
namespace asio = boost::asio;
namespace json = boost::json;
using workspace::FileChange;
using workspace::FileEntry;
using workspace::ProjectPath;

namespace {

const char* kEvents[] = {"fs:list", "fs:stat", "fs:read", "fs:write", "fs:create", "fs:delete", "fs:rename"};

bool changes_files(std::string_view event) { return event != "fs:list" && event != "fs:stat" && event != "fs:read"; }

socketio::Args failure(const Error& e) {
  return socketio::Args::of(
      socketio::Json{json::serialize(json::object{{"ok", false}, {"error", {{"code", e.code}, {"message", e.message}}}})});
}

// A request's fields, with binary content resolved from its attachment.
struct Request {
  json::object body;
  const socketio::Args* args = nullptr;

  Result<ProjectPath> path(std::string_view field) const {
    auto* v = body.if_contains(field);
    if (!v || !v->is_string()) return make_error("bad_request", "'" + std::string(field) + "' must be a path string");
    return workspace::parse_project_path(v->as_string());
  }
  bool flag(std::string_view field) const {
    auto* v = body.if_contains(field);
    return v && v->is_bool() && v->as_bool();
  }
  Result<std::string> content() const {
    auto* v = body.if_contains("content");
    if (v && v->is_string()) return std::string(v->as_string());
    if (v && v->is_object()) {  // a Buffer: {"_placeholder":true,"num":n}
      auto* num = v->as_object().if_contains("num");
      if (num && num->is_int64() && num->as_int64() >= 0 && std::size_t(num->as_int64()) < args->attachments().size())
        return args->attachments()[std::size_t(num->as_int64())];
    }
    return make_error("bad_request", "'content' must be a string or binary (a Buffer or ArrayBuffer)");
  }
};

}  // namespace

FileEvents::FileEvents(boost::asio::any_io_executor executor, socketio::Server& io, ApiContext& ctx,
                       workspace::Workspaces& workspaces)
    : io_(io), ctx_(ctx), workspaces_(workspaces), files_(ctx), changes_(std::move(executor), io) {}

void FileEvents::bind() {
  if (ctx_.sync)
    ctx_.sync->on_state([this](const std::string& project_id, const workspace::SyncState& state) {
      io_.to(project_room(project_id)).emit("sync:status", socketio::Args::of(socketio::Json{json::serialize(sync_json(state))}));
    });
  workspaces_.subscribe([this](const std::string& project_id, const std::vector<FileChange>& batch) {
    changes_.add(project_id, batch);
  });
}

void FileEvents::attach(const socketio::SocketPtr& socket) {
  // The first client's connection opens the project's files from storage,
  // so the first fs:list does not wait for a download that could have begun.
  if (auto* session = socket->data<ProjectSession>(); session && ctx_.sync)
    asio::co_spawn(
        socket->executor(),
        [this, id = session->project_id, owner = session->owner_id]() -> asio::awaitable<void> {
          (void)co_await files_.open_files(id, owner);
        },
        asio::detached);
  for (const char* event : kEvents)
    socket->on(event, [this, event](socketio::SocketPtr s, socketio::Args args, socketio::Ack ack) {
      on_request(s, event, args, std::move(ack));
    });
}

void FileEvents::on_request(const socketio::SocketPtr& s, const std::string& event, const socketio::Args& args,
                            socketio::Ack ack) {
  auto* session = s->data<ProjectSession>();
  if (!session) return;
  if (changes_files(event) && !role_allows(session->role, db::Role::editor))
    return ack(failure(make_error("forbidden", "viewers may read files but not change them; ask an owner for editor")));
  Request req;
  req.args = &args;
  json::error_code ec;
  auto body = args.size() > 0 && !args.is_binary(0) ? json::parse(args.json(0), ec) : json::value{};
  if (ec || !body.is_object()) return ack(failure(make_error("bad_request", event + " takes an object: see docs/API.md")));
  req.body = std::move(body.as_object());
  asio::co_spawn(
      s->executor(),
      [this, s, event, req = std::move(req), args, ack, project_id = session->project_id,
       owner_id = session->owner_id, user_id = session->who.user_id]() mutable -> asio::awaitable<void> {
        req.args = &args;
        FileCaller caller{project_id, owner_id, user_id, s->id()};
        socketio::Args reply;
        json::object out{{"ok", true}};
        Status status = Ok{};
        // The answer of an operation that changed a file: the seq it was given.
        auto changed = [&](Result<FileChanged>& done, const char* entry_field) {
          if (!done) {
            status = done.error();
            return;
          }
          out["seq"] = done->seq;
          if (entry_field) out[entry_field] = entry_json(done->entry);
        };
        if (event == "fs:list") {
          auto path = req.path("path");
          if (!path) co_return ack(failure(path.error()));
          auto listing = co_await files_.list(caller, *path, req.flag("recursive"));
          if (!listing) co_return ack(failure(listing.error()));
          json::array list;
          for (auto& e : listing->entries) list.push_back(entry_json(e));
          out["seq"] = listing->seq;
          out["entries"] = std::move(list);
        } else if (event == "fs:stat") {
          auto path = req.path("path");
          if (!path) co_return ack(failure(path.error()));
          auto e = co_await files_.stat(caller, *path);
          if (!e) co_return ack(failure(e.error()));
          out["entry"] = entry_json(*e);
        } else if (event == "fs:read") {
          auto path = req.path("path");
          if (!path) co_return ack(failure(path.error()));
          auto limit = std::min<std::uint64_t>(ctx_.config.max_file_size, ctx_.config.max_body_bytes);
          auto c = co_await files_.read(caller, *path, limit);
          if (!c) co_return ack(failure(c.error()));
          bool text = is_valid_utf8(c->bytes) && c->bytes.find('\0') == std::string::npos;
          out["size"] = c->bytes.size();
          out["version"] = c->version;
          out["encoding"] = text ? "utf8" : "binary";
          if (text)
            out["content"] = c->bytes;
          else
            out["content"] = json::parse(reply.attach(std::move(c->bytes)));
        } else if (event == "fs:write") {
          auto path = req.path("path");
          auto content = req.content();
          if (!path || !content) co_return ack(failure(!path ? path.error() : content.error()));
          std::optional<std::string> base;
          if (auto* b = req.body.if_contains("baseVersion"); b && b->is_string()) base = std::string(b->as_string());
          auto done = co_await files_.write(caller, *path, std::move(*content), std::move(base));
          changed(done, nullptr);
          if (done) out["version"] = done->entry.version;
        } else if (event == "fs:create") {
          auto path = req.path("path");
          if (!path) co_return ack(failure(path.error()));
          auto* kind = req.body.if_contains("kind");
          if (!kind || !kind->is_string() || (kind->as_string() != "file" && kind->as_string() != "dir"))
            co_return ack(failure(make_error("bad_request", "'kind' must be \"file\" or \"dir\"")));
          auto done = co_await files_.create(caller, *path, kind->as_string() == "dir");
          changed(done, "entry");
        } else if (event == "fs:delete") {
          auto path = req.path("path");
          if (!path) co_return ack(failure(path.error()));
          auto done = co_await files_.remove(caller, *path);
          changed(done, nullptr);
        } else if (event == "fs:rename") {
          auto from = req.path("from");
          auto to = req.path("to");
          if (!from || !to) co_return ack(failure(!from ? from.error() : to.error()));
          auto done = co_await files_.rename(caller, *from, *to, req.flag("overwrite"));
          changed(done, "entry");
        }
        if (!status) co_return ack(failure(status.error()));
        reply.add_json(json::serialize(out));
        ack(reply);
      },
      asio::detached);
}

}  // namespace berth::api
