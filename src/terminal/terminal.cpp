#include "terminal/terminal.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/log.hpp"

namespace berth::terminal {
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {
// ExecStream reads at most this much at once: the most one read can add to
// a client's unacked bytes.
constexpr std::size_t kReadChunk = 64 << 10;
// Under a flood the engine hands the TTY's output over in pieces of a few
// KiB, and each piece read as it lands costs a wakeup, a read and a send.
// After a piece this large the next read waits kFloodWait, so the pieces
// pile up in the socket (~20 KiB at TTY speed) and go out together: a
// third of the work per MB. Small pieces (typing, prompts) are never held.
constexpr std::size_t kFloodPiece = 2048;
constexpr auto kFloodWait = std::chrono::microseconds(500);
constexpr auto kPausePoll = std::chrono::milliseconds(20);
// After the kill, how long the output may take to end before the stream is
// dropped (a process that left the session, setsid, still holds the TTY).
constexpr auto kCloseWait = std::chrono::seconds(3);

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

asio::awaitable<void> pause_for(std::chrono::milliseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}
}  // namespace

std::vector<std::string> terminal_argv(const std::string& command) {
  if (!command.empty()) return {"/bin/sh", "-c", command};
  return {"/bin/sh", "-c", "if command -v bash >/dev/null 2>&1; then exec bash -l; else exec sh -l; fi"};
}

Terminal::Terminal(asio::any_io_executor executor, docker::DockerClient& docker, std::string id, TerminalSpec spec,
                   TerminalOptions options)
    : strand_(asio::make_strand(executor)),
      docker_(docker),
      id_(std::move(id)),
      spec_(std::move(spec)),
      options_(options),
      ring_(options.scrollback),
      wanted_(spec_.size),
      applied_(spec_.size) {}

asio::awaitable<Result<Terminal::Started>> Terminal::start(asio::any_io_executor executor, docker::DockerClient& docker,
                                                           std::string id, TerminalSpec spec, TerminalOptions options,
                                                           AttachRequest opener) {
  auto self = std::make_shared<Terminal>(executor, docker, std::move(id), std::move(spec), options);
  // On the terminal's strand from the start: the stream is created there.
  // (Wrapped: a co_spawn result must be default-constructible. Named: GCC 12
  // destroys a lambda temporary in a co_await expression twice, DESIGN §11.)
  auto begin_on_strand = [self]() -> asio::awaitable<std::optional<Status>> {
    co_return std::optional<Status>(co_await self->begin());
  };
  auto begun = co_await asio::co_spawn(self->strand_, std::move(begin_on_strand), asio::use_awaitable);
  if (!*begun) co_return begun->error();
  Started out;
  out.terminal = self;
  {
    std::lock_guard lock(self->mu_);
    out.attachment = self->add_attachment_locked(std::move(opener));
    self->size_change_locked(false);  // the opener's size is the one begin() applied
  }
  asio::co_spawn(self->strand_, read_loop(self), asio::detached);
  co_return out;
}

asio::awaitable<Status> Terminal::begin() {
  docker::ExecSpec exec;
  exec.cmd = terminal_argv(spec_.command);
  exec.env = {"TERM=xterm-256color"};
  exec.env.insert(exec.env.end(), spec_.env.begin(), spec_.env.end());
  exec.working_dir = spec_.cwd.empty()          ? std::string("/workspace")
                     : spec_.cwd.front() == '/' ? spec_.cwd
                                                : "/workspace/" + spec_.cwd;
  exec.user = spec_.user;
  exec.tty = true;
  exec.attach_stdin = true;
  auto created = co_await docker_.create_exec(spec_.container, exec);
  if (!created) co_return created.error();
  exec_id_ = *created;
  auto stream = co_await docker_.start_exec(exec_id_, true);
  if (!stream) co_return stream.error();
  stream_ = std::move(*stream);
  started_at_ms_ = now_ms();
  // API 1.41 has no ConsoleSize at create: size the TTY right after start
  // (the shell reads it again on the SIGWINCH this sends).
  if (auto sized = co_await docker_.resize_exec(exec_id_, spec_.size.cols, spec_.size.rows); !sized)
    spdlog::debug("terminal {}: first resize failed (it may have ended already): {}", id_, sized.error().message);
  auto pid = co_await docker_.exec_container_pid(exec_id_);
  if (!pid) {
    stream_->close();
    co_return pid.error();
  }
  // 0: the command ended at once; its output is still in the stream.
  session_ = *pid;
  co_return Ok{};
}

std::uint64_t Terminal::add_attachment_locked(AttachRequest request) {
  Attachment a;
  a.id = next_attachment_++;
  a.sink = std::move(request.sink);
  a.may_resize = request.may_resize;
  a.flow = request.flow;
  a.size = request.size;
  attachments_.push_back(std::move(a));
  return attachments_.back().id;
}

// ---- clients ------------------------------------------------------------------

Attached Terminal::attach(AttachRequest request) {
  Attached out;
  bool resize = false;
  {
    std::lock_guard lock(mu_);
    out.scrollback = ring_.snapshot();
    out.exit_code = exit_code_;
    if (!ended_) {
      out.attachment = add_attachment_locked(std::move(request));
      resize = size_change_locked(true);
    }
    out.size = wanted_;
  }
  if (resize) start_control_loop();
  return out;
}

void Terminal::detach(std::uint64_t attachment) {
  bool resize = false;
  {
    std::lock_guard lock(mu_);
    std::erase_if(attachments_, [&](const Attachment& a) { return a.id == attachment; });
    resize = size_change_locked(false);
  }
  if (resize) start_control_loop();
}

Status Terminal::resize(std::uint64_t attachment, TerminalSize size) {
  if (auto ok = check_size(size.cols, size.rows); !ok) return ok;
  bool resize = false;
  {
    std::lock_guard lock(mu_);
    auto it =
        std::find_if(attachments_.begin(), attachments_.end(), [&](const Attachment& a) { return a.id == attachment; });
    if (it == attachments_.end()) return make_error("not_found", "attach to the terminal before resizing it");
    if (!it->may_resize) return make_error("forbidden", "viewers cannot resize a terminal");
    it->size = size;
    resize = size_change_locked(false);
  }
  if (resize) start_control_loop();
  return Ok{};
}

void Terminal::set_may_resize(std::uint64_t attachment, bool may_resize) {
  bool resize = false;
  {
    std::lock_guard lock(mu_);
    for (auto& a : attachments_)
      if (a.id == attachment) a.may_resize = may_resize;
    resize = size_change_locked(false);
  }
  if (resize) start_control_loop();
}

void Terminal::ack(std::uint64_t attachment, std::uint64_t bytes) {
  std::lock_guard lock(mu_);
  for (auto& a : attachments_)
    if (a.id == attachment && a.flow) a.acked = std::clamp(bytes, a.acked, a.sent);
}

Status Terminal::input(std::string bytes) {
  bool start = false;
  {
    std::lock_guard lock(mu_);
    if (ended_ || closing_) return make_error("conflict", "the terminal's process has ended");
    if (pending_input_ + bytes.size() > options_.max_pending_input)
      return make_error("too_large", "the terminal is not reading its input fast enough; send less at once");
    pending_input_ += bytes.size();
    if (auto* last = controls_.empty() ? nullptr : std::get_if<std::string>(&controls_.back()))
      last->append(bytes);
    else
      controls_.emplace_back(std::move(bytes));
    start = start_control_locked();
  }
  if (start) start_control_loop();
  return Ok{};
}

void Terminal::close() {
  {
    std::lock_guard lock(mu_);
    if (closing_ || ended_) return;
    closing_ = true;
  }
  asio::co_spawn(strand_, end_process(shared_from_this()), asio::detached);
}

TerminalInfo Terminal::info() const {
  std::lock_guard lock(mu_);
  return TerminalInfo{id_, spec_.command, applied_, attachments_.size(), started_at_ms_, exit_code_};
}

bool Terminal::ended() const {
  std::lock_guard lock(mu_);
  return ended_;
}

// ---- the TTY: size and input -----------------------------------------------------

bool Terminal::size_change_locked(bool nudge) {
  std::vector<TerminalSize> sizes;
  for (const auto& a : attachments_)
    if (a.may_resize && a.size) sizes.push_back(*a.size);
  wanted_ = effective_size(sizes, wanted_);
  nudge_ = nudge_ || nudge;
  if (ended_ || (wanted_ == applied_ && !nudge_)) return false;
  if (controls_.empty() || !std::holds_alternative<ResizeStep>(controls_.back())) controls_.emplace_back(ResizeStep{});
  return start_control_locked();
}

bool Terminal::start_control_locked() {
  if (controlling_) return false;
  controlling_ = true;
  return true;
}

void Terminal::start_control_loop() { asio::co_spawn(strand_, control_loop(shared_from_this()), asio::detached); }

// One step at a time: a write, or one resize towards the latest wanted size.
asio::awaitable<void> Terminal::control_loop(std::shared_ptr<Terminal> self) {
  for (;;) {
    ControlStep step;
    TerminalSize target;
    bool nudge = false;
    {
      std::lock_guard lock(self->mu_);
      if (self->controls_.empty() || self->ended_) {
        self->controls_.clear();
        self->pending_input_ = 0;
        self->controlling_ = false;
        co_return;
      }
      step = std::move(self->controls_.front());
      self->controls_.pop_front();
      if (auto* bytes = std::get_if<std::string>(&step)) {
        self->pending_input_ -= bytes->size();
      } else {
        target = self->wanted_;
        nudge = std::exchange(self->nudge_, false);
        if (target == self->applied_ && !nudge) continue;
      }
    }
    if (auto* bytes = std::get_if<std::string>(&step)) {
      auto written = co_await self->stream_->write(*bytes);
      if (!written) spdlog::debug("terminal {}: input lost: {}", self->id_, written.error().message);
      continue;
    }
    // The same size again sends no SIGWINCH: step a row aside and back, so
    // a full-screen program repaints for the client that just attached.
    if (nudge) {
      int aside = target.rows > 1 ? target.rows - 1 : target.rows + 1;
      (void)co_await self->docker_.resize_exec(self->exec_id_, target.cols, aside);
    }
    auto done = co_await self->docker_.resize_exec(self->exec_id_, target.cols, target.rows);
    if (!done) spdlog::warn("terminal {}: resize failed: {}", self->id_, done.error().message);
    std::lock_guard lock(self->mu_);
    self->applied_ = target;  // also on failure: the next change tries again, no loop
  }
}

// ---- output ---------------------------------------------------------------------------

asio::awaitable<void> Terminal::read_loop(std::shared_ptr<Terminal> self) {
  asio::steady_timer pile_up(co_await asio::this_coro::executor);
  for (;;) {
    co_await self->wait_for_room();
    auto chunk = co_await self->stream_->read();
    if (!chunk || chunk->eof) break;
    self->publish(chunk->data);
    if (chunk->data.size() >= kFloodPiece) {
      pile_up.expires_after(kFloodWait);
      co_await pile_up.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }
  co_await self->finish();
}

void Terminal::publish(std::string_view bytes) {
  std::vector<std::shared_ptr<TerminalSink>> sinks;
  std::uint64_t offset;
  {
    // Appending and choosing the receivers in one step is what makes an
    // attach's snapshot and its live output meet exactly.
    std::lock_guard lock(mu_);
    offset = ring_.end_offset();
    ring_.append(bytes);
    for (auto& a : attachments_) {
      a.sent += bytes.size();
      sinks.push_back(a.sink);
    }
  }
  for (auto& s : sinks) s->on_data(bytes, offset);
}

// Holds reading while a client is behind; lets go of one that stays behind.
asio::awaitable<void> Terminal::wait_for_room() {
  for (;;) {
    std::vector<std::shared_ptr<TerminalSink>> dropped;
    bool hold = false;
    bool resize = false;
    {
      std::lock_guard lock(mu_);
      if (closing_) co_return;  // drain what is left; the end is near
      auto now = Clock::now();
      for (auto it = attachments_.begin(); it != attachments_.end();) {
        auto queued = it->sink->queued_bytes();
        auto unacked = it->flow ? it->sent - it->acked : 0;
        bool over = queued >= options_.high_water || unacked + kReadChunk > options_.flow_window;
        bool drained = queued < options_.low_water && unacked <= options_.flow_window / 2;
        if (paused_ ? drained : !over) {
          it->holding_since.reset();
          ++it;
          continue;
        }
        if (!it->holding_since) it->holding_since = now;
        if (now - *it->holding_since >= options_.stall_timeout) {
          dropped.push_back(it->sink);
          it = attachments_.erase(it);
          continue;
        }
        hold = true;
        ++it;
      }
      paused_ = hold;
      if (!dropped.empty()) resize = size_change_locked(false);
    }
    for (auto& s : dropped) s->on_detached("slow");
    if (resize) start_control_loop();
    if (!hold) co_return;
    co_await pause_for(kPausePoll);
  }
}

// The output ended: the process (and whatever held its TTY) is gone.
asio::awaitable<void> Terminal::finish() {
  stream_->close();
  // Whatever of the session is left (background jobs) ends with the
  // terminal; nobody could reach it any more.
  bool closing;
  {
    std::lock_guard lock(mu_);
    closing = closing_;
  }
  if (!closing && session_ > 1)
    (void)co_await docker_.end_exec_session(spec_.container, session_, spec_.user, options_.kill_grace);
  // The stream ends a moment before the engine records the exit code.
  int code = -1;
  for (int attempt = 0; attempt < 50; ++attempt) {
    auto info = co_await docker_.inspect_exec(exec_id_);
    if (!info) break;
    if (info->exit_code) {
      code = *info->exit_code;
      break;
    }
    co_await pause_for(std::chrono::milliseconds(attempt < 10 ? 5 : 50));
  }
  std::vector<std::shared_ptr<TerminalSink>> sinks;
  {
    std::lock_guard lock(mu_);
    ended_ = true;
    exit_code_ = code;
    for (auto& a : attachments_) sinks.push_back(a.sink);
    attachments_.clear();
    controls_.clear();
    pending_input_ = 0;
  }
  for (auto& s : sinks) s->on_exit(code);
}

asio::awaitable<void> Terminal::end_process(std::shared_ptr<Terminal> self) {
  if (self->session_ > 1) {
    auto killed = co_await self->docker_.end_exec_session(self->spec_.container, self->session_, self->spec_.user,
                                                          self->options_.kill_grace);
    if (!killed) spdlog::warn("terminal {}: cannot end its processes: {}", self->id_, killed.error().message);
  }
  for (auto waited = Clock::duration::zero(); waited < kCloseWait; waited += kPausePoll) {
    if (self->ended()) co_return;
    co_await pause_for(kPausePoll);
  }
  if (!self->ended()) self->stream_->close();  // the read loop ends, and finish() reports
}

}  // namespace berth::terminal
