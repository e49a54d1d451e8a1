#include "api/events/project_connection.hpp"

#include "api/access.hpp"
#include "api/representations.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include "api/events/port_events.hpp"
#include "api/exec_request.hpp"
#include "core/encoding.hpp"
#include "workspace/project_runtime.hpp"
#include "core/log.hpp"

namespace berth::api {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

socketio::ConnectError refusal(const Error& e) {
  // CONNECT_ERROR {message, data:{code}}: clients switch on data.code.
  return socketio::ConnectError{e.message, json::serialize(json::object{{"code", e.code}})};
}

// Reads {token, projectId} from the CONNECT payload.
Result<std::pair<std::string, std::string>> read_auth(const std::string& auth_json) {
  json::error_code ec;
  auto v = json::parse(auth_json, ec);
  if (ec || !v.is_object())
    return make_error("unauthorized", "connect with auth: {token, projectId}");
  auto& o = v.as_object();
  auto* token = o.if_contains("token");
  auto* project = o.if_contains("projectId");
  if (!token || !token->is_string() || token->as_string().empty())
    return make_error("unauthorized", "auth.token is missing: connect with auth: {token, projectId}");
  if (!project || !project->is_string())
    return make_error("bad_request", "auth.projectId is missing: connect with auth: {token, projectId}");
  return std::pair{std::string(token->as_string()), std::string(project->as_string())};
}

}  // namespace

ProjectConnections::ProjectConnections(asio::any_io_executor executor, socketio::Server& io, ApiContext& ctx)
    : executor_(std::move(executor)),
      files_(ctx.workspaces ? std::make_unique<FileEvents>(executor_, io, ctx, *ctx.workspaces) : nullptr),
      terminals_(ctx.runtime ? std::make_unique<TerminalEvents>(executor_, ctx, *ctx.runtime) : nullptr),
      io_(io),
      ctx_(ctx) {}

void ProjectConnections::bind() {
  if (files_) files_->bind();
  if (terminals_) terminals_->bind();
  bind_port_events(ctx_, io_);
  auto& nsp = io_.of("/");
  nsp.use([this](socketio::Handshake& hs, socketio::Next next) {
    // Token and membership checks may wait on the database: run them as a
    // coroutine and let the middleware chain continue when they are done.
    asio::co_spawn(
        executor_,
        [this, &hs, next]() -> asio::awaitable<void> {
          auto creds = read_auth(hs.auth);
          if (!creds) co_return next(refusal(creds.error()));
          auto who = co_await authenticate_token(ctx_, creds->first);
          if (!who) co_return next(refusal(who.error()));
          // The same check as every REST route: not a member is not_found.
          auto access = co_await project_access(ctx_, *who, creds->second, db::Role::viewer);
          if (!access) co_return next(refusal(access.error()));
          ProjectSession session{*who, access->project.id, access->project.owner_id, access->role};
          if (ctx_.runtime)
            session.status = ctx_.runtime->status(access->project.id);
          else
            session.status.state =
                workspace::runtime_state_from(access->project.status).value_or(workspace::RuntimeState::stopped);
          hs.data = std::move(session);
          next();
        },
        asio::detached);
  });

  nsp.on_connection([this](socketio::SocketPtr s) {
    auto* session = s->data<ProjectSession>();
    if (!session) return s->disconnect(true);
    s->join(project_room(session->project_id));
    s->emit("project:status", socketio::Json{json::serialize(status_json(session->status))});
    if (ctx_.runtime) ctx_.runtime->client_attached(session->project_id);
    s->on("exec:run", [this](socketio::SocketPtr s, socketio::Args args, socketio::Ack ack) {
      on_exec_run(s, args, std::move(ack));
    });
    if (files_) files_->attach(s);  // and starts the project's open from storage
    if (terminals_) terminals_->attach(s);

    // Cut the socket when its token expires: a reconnect brings a fresh one.
    // (At exp plus the clock leeway: the moment the verifier stops accepting it.)
    auto timer = std::make_shared<asio::steady_timer>(s->executor());
    auto left = std::chrono::seconds(session->who.accepted_until) -
                std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
    timer->expires_after(std::max(left, std::chrono::seconds(0)));
    std::weak_ptr<socketio::Socket> weak = s;
    timer->async_wait([weak](boost::system::error_code ec) {
      if (ec) return;
      if (auto sock = weak.lock()) {
        spdlog::info("socket {}: token expired, disconnecting", sock->id());
        sock->disconnect(true);
      }
    });
    s->on_disconnect([this, timer, project_id = session->project_id](socketio::SocketPtr s, socketio::DisconnectReason) {
      timer->cancel();
      // Nobody is left to read their answer: end the commands it started.
      if (auto* gone = s->data<ProjectSession>())
        for (auto& cancel : gone->execs) cancel->cancel();
      if (ctx_.runtime) ctx_.runtime->client_detached(project_id);
    });
  });
  if (ctx_.runtime) {
    ctx_.runtime->subscribe([this](const std::string& project_id, const workspace::ProjectStatus& status) {
      publish_status(project_id, status);
    });
  }
}

namespace {
std::string failure(const Error& e) {
  return json::serialize(json::object{{"ok", false}, {"error", {{"code", e.code}, {"message", e.message}}}});
}
}  // namespace

// exec:run {command, cwd?, env?, timeoutMs?} → {ok, exitCode, stdout, stderr, truncated, timedOut}
void ProjectConnections::on_exec_run(const socketio::SocketPtr& s, const socketio::Args& args, socketio::Ack ack) {
  auto* session = s->data<ProjectSession>();
  if (!session) return;
  if (!role_allows(session->role, db::Role::editor))
    return ack(socketio::Json{failure(make_error("forbidden", "viewers cannot run commands; ask an owner for editor"))});
  if (!ctx_.runtime)
    return ack(socketio::Json{failure(make_error("runtime_unavailable", "this Berth runs without a container runtime"))});
  json::error_code ec;
  auto body = args.size() > 0 && !args.is_binary(0) ? json::parse(args.json(0), ec) : json::value{};
  if (ec || !body.is_object())
    return ack(socketio::Json{failure(make_error("bad_request", "exec:run takes {command, cwd?, env?, timeoutMs?}"))});
  auto request = parse_exec_request(body.as_object());
  if (!request) return ack(socketio::Json{failure(request.error())});
  auto cancel = std::make_shared<docker::CommandCancel>();
  request->cancel = cancel;
  session->execs.push_back(cancel);
  asio::co_spawn(
      s->executor(),
      [this, s, cancel, project_id = session->project_id, request = std::move(*request), ack]() mutable -> asio::awaitable<void> {
        auto result = co_await ctx_.runtime->exec(project_id, std::move(request));
        if (auto* session = s->data<ProjectSession>()) std::erase(session->execs, cancel);
        if (!result) co_return ack(socketio::Json{failure(result.error())});
        // Output that is not UTF-8 travels as binary attachments.
        socketio::Args reply;
        auto out = exec_result_json(*result, [&](std::string bytes) { return reply.attach(std::move(bytes)); });
        out["ok"] = true;
        reply.add_json(json::serialize(out));
        ack(reply);
      },
      asio::detached);
}

void ProjectConnections::for_each_session(const std::string& project_id, const std::string& user_id,
                                          std::function<void(socketio::Socket&, ProjectSession&)> fn) {
  auto shared = std::make_shared<decltype(fn)>(std::move(fn));
  for (auto& s : io_.of("/").sockets()) {
    // data() belongs to the socket's strand: read it there. A strand runs
    // in order, so an event that arrives after this call sees its effect.
    asio::post(s->executor(), [s, project_id, user_id, shared] {
      auto* session = s->data<ProjectSession>();
      if (session && session->project_id == project_id && (user_id.empty() || session->who.user_id == user_id))
        (*shared)(*s, *session);
    });
  }
}

void ProjectConnections::member_removed(const std::string& project_id, const std::string& user_id) {
  for_each_session(project_id, user_id, [](socketio::Socket& s, ProjectSession&) { s.disconnect(true); });
}

void ProjectConnections::member_role_changed(const std::string& project_id, const std::string& user_id,
                                             db::Role role) {
  for_each_session(project_id, user_id, [role](socketio::Socket&, ProjectSession& session) {
    session.role = role;
    if (session.role_changed) session.role_changed(role);
  });
}

void ProjectConnections::project_deleted(const std::string& project_id) {
  for_each_session(project_id, "", [](socketio::Socket& s, ProjectSession&) { s.disconnect(true); });
}

void ProjectConnections::publish_status(const std::string& project_id, const workspace::ProjectStatus& status) {
  io_.to(project_room(project_id)).emit("project:status", socketio::Args::of(socketio::Json{json::serialize(status_json(status))}));
}

}  // namespace berth::api
