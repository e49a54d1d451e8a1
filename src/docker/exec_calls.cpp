// Exec and events calls of DockerClient. An exec's connection is hijacked
// (HTTP upgrade) so input and output flow both ways on one socket.
#include <algorithm>
#include <fstream>
#include <sstream>

#include "docker/docker_client.hpp"
#include "docker/json_codec.hpp"

namespace berth::docker {
namespace asio = boost::asio;

asio::awaitable<Result<std::string>> DockerClient::create_exec(const std::string& container, const ExecSpec& spec) {
  Call request{.method = "POST", .path = "/containers/" + container + "/exec", .body = encode_exec_spec(spec)};
  auto res = co_await call(std::move(request));
  if (!res) co_return res.error();
  if (res->status == 404) co_return make_error("not_found", "no container " + container);
  if (res->status == 409) co_return make_error("conflict", "the container " + container + " is not running");
  if (res->status != 201) co_return engine_error(res->status, res->body, "create exec");
  co_return decode_id(res->body);
}

asio::awaitable<Result<std::unique_ptr<ExecStream>>> DockerClient::start_exec(const std::string& exec_id, bool tty) {
  auto p = co_await prefix();
  if (!p) co_return p.error();
  net::ClientRequest req;
  req.method = "POST";
  req.target = *p + "/exec/" + exec_id + "/start";
  req.content_type = "application/json";
  req.body = std::string(R"({"Detach":false,"Tty":)") + (tty ? "true" : "false") + "}";
  auto up = co_await http_.upgrade(std::move(req));
  if (!up)
    co_return make_error("runtime_unavailable", "the Docker Engine does not answer on " + http_.endpoint().describe() +
                                                    ": " + up.error().message);
  if (!up->stream) {
    if (up->response.status == 404) co_return make_error("not_found", "no exec " + exec_id);
    if (up->response.status == 409) co_return make_error("conflict", "the exec's container is not running");
    co_return engine_error(up->response.status, up->response.body, "start exec");
  }
  co_return std::make_unique<ExecStream>(exec_id, tty, std::move(up->stream));
}

asio::awaitable<Status> DockerClient::resize_exec(const std::string& exec_id, int cols, int rows) {
  Call request{.method = "POST",
               .path = "/exec/" + exec_id + "/resize?h=" + std::to_string(rows) + "&w=" + std::to_string(cols)};
  auto res = co_await call(std::move(request));
  if (!res) co_return res.error();
  if (res->status == 404) co_return make_error("not_found", "no exec " + exec_id);
  if (res->status != 200 && res->status != 201) co_return engine_error(res->status, res->body, "resize exec");
  co_return Ok{};
}

asio::awaitable<Result<ExecInfo>> DockerClient::inspect_exec(const std::string& exec_id) {
  Call request{.path = "/exec/" + exec_id + "/json"};
  auto res = co_await call(std::move(request));
  if (!res) co_return res.error();
  if (res->status == 404) co_return make_error("not_found", "no exec " + exec_id);
  if (res->status != 200) co_return engine_error(res->status, res->body, "inspect exec");
  co_return decode_exec(res->body);
}

namespace {
// The pid in the innermost pid namespace: the last field of NSpid.
int container_pid_of(int host_pid) {
  std::ifstream in("/proc/" + std::to_string(host_pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("NSpid:", 0) != 0) continue;
    std::istringstream fields(line.substr(6));
    int pid = 0, last = 0;
    while (fields >> pid) last = pid;
    return last;
  }
  return 0;
}
}  // namespace

asio::awaitable<Status> DockerClient::kill_exec_process(const std::string& container, const std::string& exec_id,
                                                        const std::string& signal) {
  auto info = co_await inspect_exec(exec_id);
  if (!info) co_return info.error();
  if (!info->running || info->pid <= 0) co_return Ok{};  // already over
  int pid = container_pid_of(info->pid);
  if (pid <= 1)
    co_return make_error("internal", "cannot find the exec's process (host pid " + std::to_string(info->pid) +
                                         "); killing an exec needs the Docker Engine on this host");
  // runc starts every exec in its own session, so its pid is also its process
  // group: killing the group takes its children along. The killer runs as the
  // exec's user because the container has no CAP_KILL.
  ExecSpec killer;
  auto p = std::to_string(pid);
  killer.cmd = {"sh", "-c",
                "kill -" + signal + " -" + p + " 2>/dev/null; kill -" + signal + " " + p + " 2>/dev/null; true"};
  killer.user = info->user;
  co_return co_await run_to_end(container, killer);
}

asio::awaitable<Result<int>> DockerClient::exec_container_pid(const std::string& exec_id) {
  auto info = co_await inspect_exec(exec_id);
  if (!info) co_return info.error();
  if (!info->running || info->pid <= 0) co_return 0;
  int pid = container_pid_of(info->pid);
  if (pid <= 1)
    co_return make_error("internal", "cannot find the exec's process (host pid " + std::to_string(info->pid) +
                                         "); terminals need the Docker Engine on this host");
  co_return pid;
}

namespace {
// Signals every live process whose session (field 6 of /proc/<pid>/stat,
// read after the parenthesised name, which may hold spaces) is $1, then
// waits up to $2 tenths of a second for them to go before SIGKILL. Zombies
// are skipped: they are gone already and only wait for the init to reap them.
constexpr const char* kEndSessionScript = R"sh(S=$1; T=$2
each() {
  n=0
  for f in /proc/[0-9]*/stat; do
    read -r line < "$f" 2>/dev/null || continue
    set -- ${line##*) }
    [ "$4" = "$S" ] && [ "$1" != Z ] || continue
    p=${f#/proc/}
    kill -$SIG "${p%/stat}" 2>/dev/null && n=$((n+1))
  done
  [ "$n" -gt 0 ]
}
SIG=HUP; each || exit 0
SIG=CONT; each
SIG=TERM; each || exit 0
i=0
while [ "$i" -lt "$T" ]; do
  sleep 0.1 2>/dev/null || sleep 1
  SIG=0; each || exit 0
  i=$((i+1))
done
SIG=KILL; each
exit 0
)sh";
}  // namespace

asio::awaitable<Status> DockerClient::end_exec_session(const std::string& container, int session_id,
                                                       const std::string& user, std::chrono::milliseconds grace) {
  if (session_id <= 1) co_return make_error("bad_request", "no session to end");
  ExecSpec killer;
  killer.cmd = {"sh", "-c", kEndSessionScript, "end-session", std::to_string(session_id),
                std::to_string(std::max<long>(1, long(grace.count() / 100)))};
  killer.user = user;
  co_return co_await run_to_end(container, killer);
}

asio::awaitable<Status> DockerClient::run_to_end(const std::string& container, const ExecSpec& spec) {
  auto id = co_await create_exec(container, spec);
  if (!id) co_return id.error();
  auto stream = co_await start_exec(*id, false);
  if (!stream) co_return stream.error();
  for (;;) {  // wait for it to finish
    auto chunk = co_await (*stream)->read();
    if (!chunk || chunk->eof) break;
  }
  co_return Ok{};
}

asio::awaitable<Status> DockerClient::events(const std::vector<std::string>& labels, EventSink sink) {
  auto p = co_await prefix();
  if (!p) co_return p.error();
  net::ClientRequest req;
  req.target = *p + "/events";
  if (!labels.empty()) req.target += "?filters=" + label_filter(labels);
  std::string pending;
  auto res = co_await http_.stream(std::move(req), [&](std::string_view piece) {
    pending.append(piece);
    std::size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      auto event = decode_event(std::string_view(pending).substr(0, nl));
      pending.erase(0, nl + 1);
      if (event && !sink(*event)) return false;
    }
    return true;
  });
  if (!res) co_return make_error("runtime_unavailable", "Docker events: " + res.error().message);
  if (res->status != 200) co_return engine_error(res->status, res->body, "events");
  co_return Ok{};
}

}  // namespace berth::docker
