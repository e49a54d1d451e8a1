#include "api/events/terminal_events.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json.hpp>
#include <map>

#include "api/access.hpp"
#include "api/events/project_connection.hpp"
#include "api/exec_request.hpp"
#include "api/representations.hpp"
#include "core/encoding.hpp"
#include "docker/image_recipes.hpp"

namespace berth::api {
namespace asio = boost::asio;
namespace json = boost::json;
using terminal::Terminal;
using terminal::TerminalSize;

namespace {

const char* kEvents[] = {"term:attach", "term:input", "term:resize", "term:ack", "term:close", "term:list"};

socketio::Args failure(const Error& e) {
  return socketio::Args::of(socketio::Json{
      json::serialize(json::object{{"ok", false}, {"error", {{"code", e.code}, {"message", e.message}}}})});
}

socketio::Args success(json::object out = {}) {
  out["ok"] = true;
  return socketio::Args::of(socketio::Json{json::serialize(out)});
}

Error no_terminal(std::string_view id) {
  return make_error("not_found", "no terminal '" + std::string(id) +
                                     "' in this project (it was closed, or the project stopped): term:list shows them");
}

// One client's end of a terminal: output as binary term:data on its socket.
class SocketSink final : public terminal::TerminalSink {
 public:
  SocketSink(std::weak_ptr<socketio::Socket> socket, std::string terminal_id)
      : socket_(std::move(socket)), quoted_id_(json_quote(terminal_id)) {}

  void on_data(std::string_view bytes, std::uint64_t offset) override {
    auto s = socket_.lock();
    if (!s) return;
    socketio::Args args;
    auto data = args.attach(std::string(bytes));
    args.add_json("{\"id\":" + quoted_id_ + ",\"offset\":" + std::to_string(offset) + ",\"data\":" + data + "}");
    s->emit("term:data", args);
  }
  void on_exit(int code) override {
    if (auto s = socket_.lock())
      s->emit("term:exit", socketio::Json{"{\"id\":" + quoted_id_ + ",\"code\":" + std::to_string(code) + "}"});
  }
  void on_detached(std::string_view reason) override {
    if (auto s = socket_.lock())
      s->emit("term:detached", socketio::Json{"{\"id\":" + quoted_id_ + ",\"reason\":" + json_quote(reason) + "}"});
  }
  std::size_t queued_bytes() const override {
    auto s = socket_.lock();
    return s ? s->queued_bytes() : 0;
  }

 private:
  std::weak_ptr<socketio::Socket> socket_;
  std::string quoted_id_;
};

// The fields of a request, checked one by one.
struct Request {
  json::object body;
  const socketio::Args* args = nullptr;

  Result<std::string> id() const {
    auto* v = body.if_contains("id");
    if (!v || !v->is_string() || v->as_string().empty()) return make_error("bad_request", "'id' must be a terminal id");
    return std::string(v->as_string());
  }
  std::optional<std::int64_t> integer(std::string_view field) const {
    auto* v = body.if_contains(field);
    if (v && v->is_int64()) return v->as_int64();
    if (v && v->is_uint64()) return std::int64_t(std::min<std::uint64_t>(v->as_uint64(), 1ULL << 62));
    if (v && v->is_double() && v->as_double() == double(std::int64_t(v->as_double())))
      return std::int64_t(v->as_double());
    return std::nullopt;
  }
  bool has(std::string_view field) const {
    auto* v = body.if_contains(field);
    return v && !v->is_null();
  }
  bool flag(std::string_view field) const {
    auto* v = body.if_contains(field);
    return v && v->is_bool() && v->as_bool();
  }
  // {cols, rows}; optional: absent is nullopt, present must be valid.
  Result<std::optional<TerminalSize>> size(bool required) const {
    if (!required && !has("cols") && !has("rows")) return std::optional<TerminalSize>();
    auto cols = integer("cols"), rows = integer("rows");
    if (!cols || !rows) return make_error("bad_request", "'cols' and 'rows' must be whole numbers");
    auto c = int(std::clamp<std::int64_t>(*cols, -1, 1 << 20)), r = int(std::clamp<std::int64_t>(*rows, -1, 1 << 20));
    if (auto ok = terminal::check_size(c, r); !ok) return ok.error();
    return std::optional<TerminalSize>(TerminalSize{c, r});
  }
  // Input: a string (its UTF-8 bytes) or binary (a Buffer or ArrayBuffer).
  Result<std::string> data() const {
    auto* v = body.if_contains("data");
    if (v && v->is_string()) return std::string(v->as_string());
    if (v && v->is_object()) {  // {"_placeholder":true,"num":n}
      auto* num = v->as_object().if_contains("num");
      if (num && num->is_int64() && num->as_int64() >= 0 && std::size_t(num->as_int64()) < args->attachments().size())
        return args->attachments()[std::size_t(num->as_int64())];
    }
    return make_error("bad_request", "'data' must be a string or binary (a Buffer or ArrayBuffer)");
  }
};

Result<Request> read_request(const std::string& event, const socketio::Args& args) {
  Request req;
  req.args = &args;
  json::error_code ec;
  auto body = args.size() > 0 && !args.is_binary(0) ? json::parse(args.json(0), ec) : json::value{};
  if (ec || !body.is_object()) return make_error("bad_request", event + " takes an object: see docs/API.md");
  req.body = std::move(body.as_object());
  return req;
}

json::object info_json(const terminal::TerminalInfo& t) {
  json::object o{{"id", t.id},
                 {"cols", t.size.cols},
                 {"rows", t.size.rows},
                 {"attached", t.attached},
                 {"startedAt", iso8601(t.started_at_ms)}};
  o["command"] = t.command.empty() ? json::value(nullptr) : json::value(t.command);
  o["exitCode"] = t.exit_code ? json::value(*t.exit_code) : json::value(nullptr);
  return o;
}

terminal::TerminalOptions options_from(const Config& config) {
  terminal::TerminalOptions o;
  o.scrollback = config.terminal_scrollback;
  return o;
}

}  // namespace

// This socket's attachments, by terminal id (the socket's strand only).
struct TerminalEvents::SocketTerminals {
  struct Entry {
    std::weak_ptr<Terminal> terminal;
    std::uint64_t attachment = 0;
  };
  std::map<std::string, Entry> attached;

  void forget(const std::string& id) {
    auto it = attached.find(id);
    if (it == attached.end()) return;
    if (auto t = it->second.terminal.lock()) t->detach(it->second.attachment);
    attached.erase(it);
  }
};

TerminalEvents::TerminalEvents(asio::any_io_executor executor, ApiContext& ctx, workspace::ProjectRuntime& runtime)
    : runtime_(runtime),
      registries_(std::move(executor), runtime.docker(), options_from(ctx.config),
                  std::size_t(ctx.config.max_terminals_per_project)) {}

void TerminalEvents::bind() {
  runtime_.subscribe([this](const std::string& project_id, const workspace::ProjectStatus& status) {
    using workspace::RuntimeState;
    if (status.state == RuntimeState::stopping || status.state == RuntimeState::stopped ||
        status.state == RuntimeState::error)
      registries_.end_project(project_id);
  });
}

void TerminalEvents::attach(const socketio::SocketPtr& socket) {
  auto mine = std::make_shared<SocketTerminals>();
  socket->on("term:open", [this, mine](socketio::SocketPtr s, socketio::Args args, socketio::Ack ack) {
    on_open(s, mine, args, std::move(ack));
  });
  for (const char* event : kEvents)
    socket->on(event, [this, mine, event](socketio::SocketPtr s, socketio::Args args, socketio::Ack ack) {
      on_event(s, mine, event, args, std::move(ack));
    });
  // A member made viewer (or editor) while attached: its size stops (or
  // starts) counting at once, not at its next attach.
  if (auto* session = socket->data<ProjectSession>())
    session->role_changed = [mine](db::Role role) {
      bool editor = role_allows(role, db::Role::editor);
      for (auto& [id, entry] : mine->attached)
        if (auto t = entry.terminal.lock()) t->set_may_resize(entry.attachment, editor);
    };
  // The terminals keep running for the next attach; only this client goes.
  socket->on_disconnect([mine](socketio::SocketPtr, socketio::DisconnectReason) {
    while (!mine->attached.empty()) mine->forget(mine->attached.begin()->first);
  });
}

// term:open {cols, rows, command?, cwd?, env?, flow?} → {id, cols, rows}; the opener is attached.
void TerminalEvents::on_open(const socketio::SocketPtr& s, const std::shared_ptr<SocketTerminals>& mine,
                             const socketio::Args& args, socketio::Ack ack) {
  auto* session = s->data<ProjectSession>();
  if (!session) return;
  if (!role_allows(session->role, db::Role::editor))
    return ack(
        failure(make_error("forbidden", "viewers may watch terminals but not open them; ask an owner for editor")));
  auto req = read_request("term:open", args);
  if (!req) return ack(failure(req.error()));
  auto size = req->size(true);
  if (!size) return ack(failure(size.error()));
  std::string command;
  if (req->has("command")) {
    auto* c = req->body.if_contains("command");
    if (!c->is_string() || c->as_string().empty() || c->as_string().size() > 65536 ||
        c->as_string().find('\0') != json::string::npos)
      return ack(
          failure(make_error("bad_request", "'command' must be a string of 1 to 65536 characters (run by sh -c)")));
    command = std::string(c->as_string());
  }
  // cwd and env follow exec's rules; the command there is a stand-in.
  json::object probe{{"command", "true"}};
  for (const char* field : {"cwd", "env"})
    if (auto* v = req->body.if_contains(field)) probe[field] = *v;
  auto rules = parse_exec_request(probe);
  if (!rules) return ack(failure(rules.error()));

  terminal::TerminalSpec spec;
  spec.command = std::move(command);
  spec.cwd = std::move(rules->cwd);
  spec.env = std::move(rules->env);
  spec.user = std::to_string(docker::kContainerUid);
  spec.size = **size;
  bool flow = req->flag("flow");
  asio::co_spawn(
      s->executor(),
      [this, s, mine, ack, flow, spec = std::move(spec),
       project_id = session->project_id]() mutable -> asio::awaitable<void> {
        // A terminal starts the project's container when needed, as exec:run does.
        spec.container = runtime_.container_of(project_id);
        if (spec.container.empty()) {
          auto started = co_await runtime_.start(project_id);
          if (!started) co_return ack(failure(started.error()));
          spec.container = runtime_.container_of(project_id);
          if (spec.container.empty())
            co_return ack(failure(make_error("conflict", "the project stopped while the terminal was starting")));
        }
        auto registry = registries_.of(project_id);
        terminal::TerminalRegistry::Opener opener = [&s, flow, size = spec.size](const std::string& id) {
          terminal::AttachRequest request;
          request.sink = std::make_shared<SocketSink>(s, id);
          request.may_resize = true;
          request.flow = flow;
          request.size = size;
          return request;
        };
        auto opened = co_await registry->open(std::move(spec), std::move(opener));
        if (!opened) co_return ack(failure(opened.error()));
        auto& t = opened->terminal;
        if (!s->connected()) {  // gone meanwhile: its disconnect handler could not see this one
          t->detach(opened->attachment);
          co_return;
        }
        mine->attached[t->id()] = SocketTerminals::Entry{t, opened->attachment};
        auto info = t->info();
        ack(success(json::object{{"id", t->id()}, {"cols", info.size.cols}, {"rows", info.size.rows}}));
      },
      asio::detached);
}

void TerminalEvents::on_event(const socketio::SocketPtr& s, const std::shared_ptr<SocketTerminals>& mine,
                              const std::string& event, const socketio::Args& args, socketio::Ack ack) {
  auto* session = s->data<ProjectSession>();
  if (!session) return;
  auto req = read_request(event, args);
  if (!req) return ack(failure(req.error()));
  auto registry = registries_.find(session->project_id);  // null: none opened since the last stop
  bool editor = role_allows(session->role, db::Role::editor);

  if (event == "term:list") {
    json::array list;
    if (registry)
      for (auto& info : registry->list()) list.push_back(info_json(info));
    return ack(success(json::object{{"terminals", std::move(list)}}));
  }
  auto id = req->id();
  if (!id) return ack(failure(id.error()));
  if (!editor && event != "term:attach" && event != "term:ack")
    return ack(failure(make_error("forbidden",
                                  "viewers may watch terminals but not type, resize or close them; "
                                  "ask an owner for editor")));
  auto terminal = registry ? registry->find(*id) : nullptr;
  if (!terminal) {
    mine->attached.erase(*id);
    return ack(failure(no_terminal(*id)));
  }
  auto entry = mine->attached.find(*id);

  if (event == "term:attach") {
    auto size = req->size(false);
    if (!size) return ack(failure(size.error()));
    mine->forget(*id);  // a second attach from this socket starts over
    terminal::AttachRequest request;
    request.sink = std::make_shared<SocketSink>(s, *id);
    request.may_resize = editor;
    request.flow = req->flag("flow");
    request.size = *size;
    auto attached = terminal->attach(std::move(request));
    if (attached.attachment) mine->attached[*id] = SocketTerminals::Entry{terminal, attached.attachment};
    socketio::Args reply;
    json::object out{{"ok", true},
                     {"cols", attached.size.cols},
                     {"rows", attached.size.rows},
                     {"offset", attached.scrollback.offset}};
    out["scrollback"] = json::parse(reply.attach(std::move(attached.scrollback.bytes)));
    out["exitCode"] = attached.exit_code ? json::value(*attached.exit_code) : json::value(nullptr);
    reply.add_json(json::serialize(out));
    ack(reply);
    // An ended terminal still shows its last output, then says it is over.
    if (attached.exit_code)
      s->emit("term:exit", socketio::Json{json::serialize(json::object{{"id", *id}, {"code", *attached.exit_code}})});
    return;
  }
  if (event == "term:input") {
    auto data = req->data();
    if (!data) return ack(failure(data.error()));
    auto sent = terminal->input(std::move(*data));
    return ack(sent ? success() : failure(sent.error()));
  }
  if (event == "term:resize") {
    auto size = req->size(true);
    if (!size) return ack(failure(size.error()));
    if (entry == mine->attached.end())
      return ack(failure(make_error("bad_request", "attach to terminal '" + *id + "' before resizing it")));
    auto resized = terminal->resize(entry->second.attachment, **size);
    return ack(resized ? success() : failure(resized.error()));
  }
  if (event == "term:ack") {
    auto bytes = req->integer("bytes");
    if (!bytes || *bytes < 0) return ack(failure(make_error("bad_request", "'bytes' must be a whole number ≥ 0")));
    if (entry != mine->attached.end()) terminal->ack(entry->second.attachment, std::uint64_t(*bytes));
    return ack(success());
  }
  if (event == "term:close") {
    mine->attached.erase(*id);  // its term:exit still comes: the sink stays until the process is gone
    if (!registry->close(*id)) return ack(failure(no_terminal(*id)));
    return ack(success());
  }
}

}  // namespace berth::api
