#pragma once
// One interactive terminal (DESIGN §5 term:*): a Docker exec with a TTY in a
// project's container, running the login shell (bash when the image has
// it, else sh) or a given command. Its output is kept in a ScrollbackRing
// and fanned out to the attached clients' sinks; input, resizes and the
// close come from them. The terminal knows nothing of sockets: api/ gives
// each client a TerminalSink.
//
// Flow control: reading stops while any client's queue is past high_water
// (or, for a client that acks, its unacked bytes could pass flow_window)
// and resumes once all are under low_water, so the process blocks on its
// TTY instead of our memory growing. A client that holds reading up for
// stall_timeout is detached, so one slow client never stalls the others.
//
// The process tree ends with the terminal: Docker cannot kill an exec
// (DESIGN §11), so close() signals every process of the exec's session from
// a second exec. Thread-safe: any method may be called from any thread;
// the stream is used on the terminal's own strand only.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.hpp"
#include "docker/docker_client.hpp"
#include "terminal/scrollback_ring.hpp"
#include "terminal/terminal_size.hpp"

namespace berth::terminal {

// Where one client's output goes (implemented by api/ over its socket).
// Called on the terminal's strand, one call at a time; must not block.
class TerminalSink {
 public:
  virtual ~TerminalSink() = default;
  virtual void on_data(std::string_view bytes, std::uint64_t offset) = 0;  // offset: of bytes[0]
  virtual void on_exit(int code) = 0;                                      // -1: the engine could not tell
  // The terminal let go of this client: it stayed behind too long ("slow").
  virtual void on_detached(std::string_view reason) = 0;
  // Output handed over and still waiting in the client's transport.
  virtual std::size_t queued_bytes() const = 0;
};

struct TerminalSpec {
  std::string container;
  std::string command;           // empty: the login shell; else run by sh -c
  std::string cwd;               // empty: /workspace; relative: under /workspace
  std::vector<std::string> env;  // "KEY=value", over TERM=xterm-256color
  std::string user;              // the container's user (uid)
  TerminalSize size;
};

struct TerminalOptions {
  std::size_t scrollback = 256 << 10;  // BERTH_TERMINAL_SCROLLBACK
  std::size_t high_water = 1 << 20;
  std::size_t low_water = 256 << 10;
  std::size_t flow_window = 512 << 10;  // most unacked bytes for a client with flow
  std::chrono::milliseconds stall_timeout{10'000};
  std::chrono::milliseconds kill_grace{2'000};  // SIGTERM to SIGKILL on close
  std::size_t max_pending_input = 1 << 20;      // input not yet written to the TTY
};

struct AttachRequest {
  std::shared_ptr<TerminalSink> sink;
  bool may_resize = false;           // viewers look, they do not size
  bool flow = false;                 // the client acks what it processed (term:ack)
  std::optional<TerminalSize> size;  // what this client would like
};

struct Attached {
  std::uint64_t attachment = 0;  // 0 when the terminal has ended: nothing more will come
  ScrollbackRing::Snapshot scrollback;
  TerminalSize size;
  std::optional<int> exit_code;  // once the process has ended
};

struct TerminalInfo {
  std::string id;
  std::string command;  // "" for the login shell
  TerminalSize size;
  std::size_t attached = 0;
  std::int64_t started_at_ms = 0;  // since the epoch
  std::optional<int> exit_code;
};

class Terminal : public std::enable_shared_from_this<Terminal> {
 public:
  struct Started {
    std::shared_ptr<Terminal> terminal;
    std::uint64_t attachment = 0;  // the opener's
  };
  // Creates and starts the exec, attaches `opener` before the first byte is
  // read (so it misses nothing), then reads. Errors are the engine's
  // (conflict: the container is not running, runtime_unavailable, …).
  static boost::asio::awaitable<Result<Started>> start(boost::asio::any_io_executor executor,
                                                       docker::DockerClient& docker, std::string id, TerminalSpec spec,
                                                       TerminalOptions options, AttachRequest opener);

  // For start() only (make_shared needs it public).
  Terminal(boost::asio::any_io_executor executor, docker::DockerClient& docker, std::string id, TerminalSpec spec,
           TerminalOptions options);

  const std::string& id() const { return id_; }

  // The scrollback and, from its end on, live output to the sink. Nudges
  // the size (rows-1, then back) so full-screen programs repaint.
  Attached attach(AttachRequest request);
  void detach(std::uint64_t attachment);
  // not_found: no such attachment; forbidden: it may not resize.
  Status resize(std::uint64_t attachment, TerminalSize size);
  // The client's role changed: a viewer's size no longer counts.
  void set_may_resize(std::uint64_t attachment, bool may_resize);
  // Cumulative bytes of term:data the client has processed.
  void ack(std::uint64_t attachment, std::uint64_t bytes);
  // conflict once the process ended; too_large past max_pending_input.
  Status input(std::string bytes);
  // Ends the whole process tree; the sinks get on_exit when it is gone.
  void close();

  TerminalInfo info() const;
  bool ended() const;

 private:
  struct Attachment {
    std::uint64_t id = 0;
    std::shared_ptr<TerminalSink> sink;
    bool may_resize = false;
    bool flow = false;
    std::optional<TerminalSize> size;
    std::uint64_t sent = 0, acked = 0;                                   // term:data bytes, for flow
    std::optional<std::chrono::steady_clock::time_point> holding_since;  // holding reading up
  };
  using Strand = boost::asio::strand<boost::asio::any_io_executor>;
  // What goes to the TTY, in the order it came: input bytes, and "bring the
  // size to wanted_" steps, so what a client types after a resize runs at
  // the new size.
  struct ResizeStep {};
  using ControlStep = std::variant<std::string, ResizeStep>;

  boost::asio::awaitable<Status> begin();  // exec create, start, first size, session id
  std::uint64_t add_attachment_locked(AttachRequest request);
  bool size_change_locked(bool nudge);  // true: the control loop must be started
  bool start_control_locked();          // true: the caller starts it, unlocked
  void start_control_loop();
  void publish(std::string_view bytes);
  boost::asio::awaitable<void> wait_for_room();
  boost::asio::awaitable<void> finish();
  static boost::asio::awaitable<void> read_loop(std::shared_ptr<Terminal> self);
  static boost::asio::awaitable<void> control_loop(std::shared_ptr<Terminal> self);
  static boost::asio::awaitable<void> end_process(std::shared_ptr<Terminal> self);

  Strand strand_;
  docker::DockerClient& docker_;
  const std::string id_;
  const TerminalSpec spec_;
  const TerminalOptions options_;
  std::string exec_id_;
  int session_ = 0;  // the exec's pid inside the container: its session id
  std::int64_t started_at_ms_ = 0;
  std::unique_ptr<docker::ExecStream> stream_;  // strand only

  mutable std::mutex mu_;
  ScrollbackRing ring_;
  std::vector<Attachment> attachments_;
  std::uint64_t next_attachment_ = 1;
  TerminalSize wanted_, applied_;
  std::deque<ControlStep> controls_;
  std::size_t pending_input_ = 0;  // bytes of input in controls_
  bool controlling_ = false, nudge_ = false;
  bool paused_ = false;
  bool closing_ = false, ended_ = false;
  std::optional<int> exit_code_;
};

// The argv of a terminal: the login shell, bash if the image has it.
std::vector<std::string> terminal_argv(const std::string& command);

}  // namespace berth::terminal
