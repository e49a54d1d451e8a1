#include "engineio/websocket_transport.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "net/websocket.hpp"

namespace berth::engineio {

namespace asio = boost::asio;

namespace {

// Aborts `ws` unless cancelled first: a peer that never answers a close
// frame, or never reads, cannot keep the connection.
std::shared_ptr<asio::steady_timer> abort_later(const SessionPtr& s, std::shared_ptr<net::WebSocket> ws,
                                                std::chrono::milliseconds after) {
  auto timer = std::make_shared<asio::steady_timer>(s->executor(), after);
  timer->async_wait([ws = std::move(ws)](boost::system::error_code ec) {
    if (!ec) ws->abort();
  });
  return timer;
}

asio::awaitable<void> close_gracefully(SessionPtr s, std::shared_ptr<net::WebSocket> ws) {
  auto watchdog = abort_later(s, ws, std::max(s->options().ping_timeout, std::chrono::milliseconds(1000)));
  co_await ws->close();
  watchdog->cancel();
}

// The hot path of a WebSocket session, as plain completion handlers on the
// session's strand: one read always pending, and one write in flight while
// the queue has frames. The session wakes the writer when it queues a frame
// or changes state (SessionWriter). Between messages an idle connection
// holds no coroutine frames and no read buffer — only the pending read.
class Transport final : public net::WebSocketHandler,
                        public SessionWriter,
                        public std::enable_shared_from_this<Transport> {
 public:
  Transport(SessionPtr s, std::shared_ptr<net::WebSocket> ws) : s_(std::move(s)), ws_(std::move(ws)) {}

  void start() {
    s_->set_writer(weak_from_this());
    ws_->start_read(shared_from_this());
    flush();
  }

  void on_wake() override { flush(); }

  void on_write(bool ok) override {
    writing_ = false;
    current_ = Frame{};
    if (!batch_.empty()) {  // give a batch's memory back: most connections are idle
      std::vector<Frame>().swap(batch_);
      std::vector<net::WebSocketOutFrame>().swap(views_);
    }
    if (!ok) {
      done_ = true;
      s_->close_now(CloseReason::transport_error);
      ws_->abort();
      return;
    }
    flush();
  }

  void on_read(Result<net::WebSocketMessage> m) override {
    if (!m) {
      s_->close_now(m.error().code == "too_large" ? CloseReason::transport_error : CloseReason::transport_close);
      return;  // no more reads; the writer finishes on its own
    }
    if (s_->state() == Session::State::open) {  // closing: just wait for the peer's close frame
      auto p = decode_frame_owned(std::move(m->data), m->binary);
      if (!p) {
        s_->close_now(CloseReason::parse_error);
      } else {
        s_->on_packet(std::move(p).value());
      }
    }
    ws_->start_read(shared_from_this());
  }

 private:
  void flush() {
    if (writing_ || done_) return;
    if (s_->has_frames() && (s_->state() == Session::State::open || s_->drain_on_close())) {
      writing_ = true;
      current_ = s_->pop_frame();
      if (!s_->has_frames()) return ws_->start_write(*current_.data, current_.binary, shared_from_this());
      // Frames queued while the last write was out (acks of pipelined calls,
      // broadcasts) leave together: one gather write, one syscall.
      std::size_t bytes = current_.size();
      batch_.push_back(std::move(current_));
      while (s_->has_frames() && batch_.size() < kMaxBatch && bytes < kMaxBatchBytes) {
        batch_.push_back(s_->pop_frame());
        bytes += batch_.back().size();
      }
      for (const auto& f : batch_) views_.push_back(net::WebSocketOutFrame{*f.data, f.binary});
      ws_->start_write(views_, shared_from_this());
      return;
    }
    if (s_->state() == Session::State::closed) {
      done_ = true;
      asio::co_spawn(s_->executor(), close_gracefully(s_, ws_), asio::detached);
    }
  }

  SessionPtr s_;
  std::shared_ptr<net::WebSocket> ws_;
  static constexpr std::size_t kMaxBatch = 64;
  static constexpr std::size_t kMaxBatchBytes = 256 * 1024;
  Frame current_;             // keeps the bytes of a single write in flight alive
  std::vector<Frame> batch_;  // ... or of a batch
  std::vector<net::WebSocketOutFrame> views_;
  bool writing_ = false;
  bool done_ = false;  // the close handshake started, or the connection failed
};

// The probe's "3probe" write, tracked without suspending the probe: the
// client's "5" usually arrives right behind its "2probe", and the upgrade
// should complete in the same turn, before a polling request on another
// connection can slip in between (the official suite checks that a GET
// after "5" gets 400).
class ProbeWrite final : public net::WebSocketHandler {
 public:
  explicit ProbeWrite(asio::any_io_executor ex) : done_(ex, asio::steady_timer::time_point::max()) {}
  void on_read(Result<net::WebSocketMessage>) override {}
  void on_write(bool ok) override {
    finished_ = true;
    ok_ = ok;
    done_.cancel();
  }
  asio::awaitable<bool> wait() {
    if (!finished_) co_await done_.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return ok_;
  }

 private:
  asio::steady_timer done_;
  bool finished_ = false, ok_ = false;
};

void start_transport(SessionPtr s, std::shared_ptr<net::WebSocket> ws) {
  s->websocket = ws;
  if (s->executor() != ws->executor()) ws->set_handler_executor(s->executor());
  std::make_shared<Transport>(std::move(s), std::move(ws))->start();
}

}  // namespace

void run_websocket(SessionPtr s, std::shared_ptr<net::WebSocket> ws) { start_transport(std::move(s), std::move(ws)); }

asio::awaitable<void> run_upgrade(SessionPtr s, std::shared_ptr<net::WebSocket> ws) {
  // The probe runs on the session's strand, not the connection's.
  if (s->executor() != ws->executor()) ws->set_handler_executor(s->executor());
  if (s->state() != Session::State::open || s->transport() != Session::Transport::polling || s->upgrading ||
      !s->options().allow_upgrades) {
    co_await ws->close();
    co_return;
  }
  s->upgrading = true;
  s->probe_socket = ws;
  auto watchdog = abort_later(s, ws, s->options().upgrade_timeout);
  auto abandon = [&] {
    watchdog->cancel();
    if (s->probe_socket == ws) {
      s->upgrading = false;
      s->probing = false;
      s->probe_socket.reset();
    }
  };
  std::shared_ptr<ProbeWrite> probe;  // "3probe" in flight or sent
  while (true) {
    auto m = co_await ws->read();
    if (!m) {
      abandon();
      co_return;
    }
    auto p = decode_frame(m->data, m->binary);
    if (s->state() != Session::State::open || !p) break;
    if (p->type == PacketType::ping && p->data == "probe") {
      if (probe) continue;  // one answer is enough (and one write at a time)
      probe = std::make_shared<ProbeWrite>(s->executor());
      ws->start_write("3probe", false, probe);
      s->probing = true;
      s->wake();  // a parked GET returns now (noop), so the client can send 5
      continue;
    }
    if (p->type == PacketType::upgrade) {  // accepted without a probe too, as the reference server does
      watchdog->cancel();
      s->finish_upgrade(ws);  // polling requests get 400 from now on
      if (probe && !co_await probe->wait()) {
        s->close_now(CloseReason::transport_error);
        co_return;
      }
      start_transport(s, ws);
      co_return;
    }
    break;
  }
  abandon();
  co_await ws->close();
}

}  // namespace berth::engineio
