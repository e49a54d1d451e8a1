#include "docker/command_run.hpp"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace berth::docker {
namespace asio = boost::asio;

namespace {
// Shared with the deadline's handler, which may outlive the reading loop.
struct Run {
  std::shared_ptr<ExecStream> stream;
  std::atomic<bool> finished{false};
  std::atomic<bool> timed_out{false};
};

asio::awaitable<void> kill_run(DockerClient& docker, std::string container, std::shared_ptr<Run> run, bool deadline) {
  if (run->finished) co_return;
  if (deadline) run->timed_out = true;
  auto killed = co_await docker.kill_exec_process(container, run->stream->exec_id());
  // When the kill could not be delivered, drop the connection so the caller
  // at least gets its answer; the process is then left to the container's limits.
  if (!killed) run->stream->close();
  asio::steady_timer grace(co_await asio::this_coro::executor, std::chrono::seconds(5));
  co_await grace.async_wait(asio::as_tuple(asio::use_awaitable));
  if (!run->finished) run->stream->close();  // a child that escaped the group still holds the pipe
}
}  // namespace

void CommandCancel::cancel() {
  std::function<void()> kill;
  {
    std::lock_guard lock(mu_);
    if (cancelled_) return;
    cancelled_ = true;
    kill = kill_;
  }
  if (kill) kill();
}

bool CommandCancel::cancelled() const {
  std::lock_guard lock(mu_);
  return cancelled_;
}

void CommandCancel::arm(std::function<void()> kill) {
  bool now;
  {
    std::lock_guard lock(mu_);
    kill_ = kill;
    now = cancelled_;
  }
  if (now) kill();
}

void CommandCancel::disarm() {
  std::lock_guard lock(mu_);
  kill_ = nullptr;
}

asio::awaitable<Result<CommandResult>> run_command(DockerClient& docker, const std::string& container,
                                                   CommandSpec spec) {
  if (spec.argv.empty()) co_return make_error("bad_request", "empty command");
  ExecSpec exec;
  exec.cmd = spec.argv;
  exec.env = spec.env;
  exec.working_dir = spec.cwd;
  exec.user = spec.user;
  auto id = co_await docker.create_exec(container, exec);
  if (!id) co_return id.error();
  auto started = co_await docker.start_exec(*id, false);
  if (!started) co_return started.error();

  auto run = std::make_shared<Run>();
  run->stream = std::shared_ptr<ExecStream>(std::move(*started));
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer deadline(ex);
  if (spec.timeout.count() > 0) {
    deadline.expires_after(spec.timeout);
    deadline.async_wait([&docker, container, run, ex](boost::system::error_code ec) {
      if (!ec) asio::co_spawn(ex, kill_run(docker, container, run, true), asio::detached);
    });
  }
  if (spec.cancel)
    spec.cancel->arm([&docker, container, run, ex] { asio::co_spawn(ex, kill_run(docker, container, run, false), asio::detached); });

  CommandResult out;
  for (;;) {
    auto chunk = co_await run->stream->read();
    if (!chunk || chunk->eof) break;
    auto& sink = chunk->stream == StreamId::stderr_ ? out.stderr_text : out.stdout_text;
    std::size_t room = spec.max_output - std::min(spec.max_output, sink.size());
    if (chunk->data.size() > room) out.truncated = true;
    sink.append(chunk->data, 0, std::min(room, chunk->data.size()));
  }
  run->finished = true;
  deadline.cancel();
  if (spec.cancel) spec.cancel->disarm();
  run->stream->close();
  out.timed_out = run->timed_out;

  // The stream ends a moment before the engine records the exit code.
  asio::steady_timer pause(ex);
  for (int attempt = 0; attempt < 50; ++attempt) {
    auto info = co_await docker.inspect_exec(*id);
    if (!info) co_return info.error();
    if (info->exit_code) {
      out.exit_code = *info->exit_code;
      break;
    }
    pause.expires_after(std::chrono::milliseconds(attempt < 10 ? 5 : 50));
    co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_return out;
}

}  // namespace berth::docker
