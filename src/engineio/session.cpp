#include "engineio/session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/log.hpp"
#include "net/websocket.hpp"

namespace berth::engineio {

namespace asio = boost::asio;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

std::string_view to_string(CloseReason reason) {
  switch (reason) {
    case CloseReason::transport_close: return "transport close";
    case CloseReason::transport_error: return "transport error";
    case CloseReason::ping_timeout: return "ping timeout";
    case CloseReason::parse_error: return "parse error";
    case CloseReason::client_close: return "transport close";
    case CloseReason::server_close: return "forced close";
    case CloseReason::queue_full: return "send queue full";
    case CloseReason::duplicate_poll: return "transport error";
  }
  return "transport error";
}

Session::Session(std::string id, asio::any_io_executor strand, std::shared_ptr<const Options> options,
                 RequestInfo request, Transport transport, std::weak_ptr<SessionRegistry> registry,
                 std::shared_ptr<HeartbeatClock> clock)
    : id_(std::move(id)),
      strand_(std::move(strand)),
      options_(std::move(options)),
      request_(std::make_shared<const RequestInfo>(std::move(request))),
      transport_(transport),
      registry_(std::move(registry)),
      clock_(std::move(clock)) {}

Session::~Session() = default;

void Session::send(Frame frame) {
  asio::dispatch(strand_, [self = shared_from_this(), f = std::move(frame)] { self->enqueue(f); });
}

void Session::send(std::shared_ptr<const std::vector<Frame>> frames) {
  asio::dispatch(strand_, [self = shared_from_this(), fs = std::move(frames)] {
    for (const auto& f : *fs) {
      if (self->state_ != State::open) break;
      self->enqueue(f);
    }
  });
}

void Session::close(CloseReason reason) {
  asio::dispatch(strand_, [self = shared_from_this(), reason] { self->close_now(reason); });
}

void Session::start() { schedule_heartbeat(); }

void Session::clear_queue() {
  queue_.clear();
  if (queue_.capacity() > 64) queue_.shrink_to_fit();
  head_ = 0;
  queued_bytes_ = 0;
}

void Session::enqueue(const Frame& frame) {
  if (state_ != State::open) return;
  if (head_ > 32 && head_ * 2 > queue_.size()) {  // reclaim the consumed front
    queue_.erase(queue_.begin(), queue_.begin() + std::ptrdiff_t(head_));
    head_ = 0;
  }
  queue_.push_back(frame);
  queued_bytes_ += frame.size() + 16;  // a floor per frame, so empty frames count too
  if (queued_bytes_ > options_->max_queued_bytes) {
    spdlog::warn("engine.io session {}: send queue passed {} bytes, disconnecting", id_, options_->max_queued_bytes);
    close_now(CloseReason::queue_full);
    return;
  }
  wake();
}

Frame Session::pop_frame() {
  Frame f = std::move(queue_[head_++]);
  queued_bytes_ -= std::min(queued_bytes_.load(std::memory_order_relaxed), f.size() + 16);
  if (head_ == queue_.size()) {
    queue_.clear();
    if (queue_.capacity() > 64) queue_.shrink_to_fit();
    head_ = 0;
  }
  return f;
}

std::string Session::take_payload() {
  std::string body;
  while (has_frames()) append_to_payload(body, pop_frame());
  return body;
}

asio::awaitable<void> Session::wait_for_wake() {
  asio::steady_timer t(strand_, asio::steady_timer::time_point::max());
  waiter_ = &t;
  co_await t.async_wait(use_nothrow);
  if (waiter_ == &t) waiter_ = nullptr;
}

void Session::wake() {
  if (waiter_) {
    waiter_->cancel();
    waiter_ = nullptr;
  }
  if (auto w = writer_.lock()) w->on_wake();
}

void Session::deliver(std::string data, bool binary) {
  if (!listener_) return;
  try {
    listener_->on_message(std::move(data), binary);
  } catch (const std::exception& e) {
    spdlog::error("engine.io session {}: message handler threw: {}", id_, e.what());
  }
}

bool Session::on_packet(Packet packet) {
  if (state_ != State::open) return false;
  switch (packet.type) {
    case PacketType::pong:
      if (awaiting_pong_) {
        awaiting_pong_ = false;
        schedule_heartbeat();  // the next ping
      }
      return true;
    case PacketType::message:
      deliver(std::move(packet.data), packet.binary);
      return state_ == State::open;
    case PacketType::close:
      close_now(CloseReason::client_close);
      return false;
    case PacketType::ping:
      // v4 clients do not ping, but answering costs nothing and helps v3-style tools.
      enqueue(Frame::control(PacketType::pong, packet.data));
      return state_ == State::open;
    case PacketType::noop:
      return true;
    case PacketType::open:
    case PacketType::upgrade:
      break;
  }
  close_now(CloseReason::parse_error);
  return false;
}

void Session::finish_upgrade(std::shared_ptr<net::WebSocket> ws) {
  transport_ = Transport::websocket;
  websocket = std::move(ws);
  upgrading = false;
  probing = false;
  probe_socket.reset();
  wake();  // a GET still parked answers with a noop
}

void Session::close_now(CloseReason reason) {
  if (state_ == State::closed) return;
  bool graceful = reason == CloseReason::server_close;
  if (state_ == State::closing) {
    if (graceful) return;
    finish_close();
    return;
  }
  if (reason == CloseReason::client_close) final_get_packet = '6';
  auto listener = std::move(listener_);
  if ((graceful || reason == CloseReason::client_close) && transport_ == Transport::polling && !get_pending) {
    // A polling client learns of a server close from its next GET: keep the
    // session (and its queue) until then, or until pingTimeout passes. A
    // client that sent close may have its GET still in flight on another
    // connection; it gets the noop instead of an error.
    state_ = State::closing;
    drain_on_close_ = graceful;
    if (!graceful) clear_queue();
    awaiting_pong_ = false;
    schedule_heartbeat();  // the closing grace
  } else {
    state_ = State::closed;
    drain_on_close_ = graceful;
    if (!graceful) clear_queue();
    finish_close();
    if (probe_socket) probe_socket->abort();
    if (websocket && (reason == CloseReason::queue_full || reason == CloseReason::transport_error ||
                      reason == CloseReason::transport_close))
      websocket->abort();
  }
  if (listener) {
    try {
      listener->on_close(reason);
    } catch (const std::exception& e) {
      spdlog::error("engine.io session {}: close handler threw: {}", id_, e.what());
    }
  }
}

void Session::establish() {
  if (established_ || removed_) return;
  established_ = true;
  if (auto registry = registry_.lock()) registry->established(*this);
}

void Session::finish_close() {
  state_ = State::closed;
  ++heartbeat_ticket_;  // whatever the clock holds for this session is stale now
  wake();
  if (!removed_) {
    removed_ = true;
    if (auto registry = registry_.lock()) {
      auto self = shared_from_this();  // the registry may hold the last other reference
      registry->forget(*this);
    }
  }
}

void Session::schedule_heartbeat() {
  // Server-sent pings (Engine.IO v4): ping every pingInterval, and a client
  // that has not answered within pingTimeout is gone. The next ping is
  // scheduled from the pong, as the reference server does, so the client's
  // own pingInterval + pingTimeout watchdog never races ours. A closing
  // polling session waits at most max(pingTimeout, 1 s) for its last GET.
  // One entry counts at a time: scheduling again makes the older stale.
  if (state_ == State::closed) return;
  auto delay = state_ == State::closing ? std::max(options_->ping_timeout, std::chrono::milliseconds(1000))
               : awaiting_pong_         ? options_->ping_timeout
                                        : options_->ping_interval;
  clock_->schedule(HeartbeatClock::Clock::now() + delay, weak_from_this(), ++heartbeat_ticket_);
}

void Session::heartbeat(std::uint64_t ticket) {
  if (ticket != heartbeat_ticket_) return;  // superseded by a pong or a state change
  if (state_ == State::closing) return finish_close();
  if (state_ != State::open) return;
  if (awaiting_pong_) return close_now(CloseReason::ping_timeout);  // schedules the closing grace if any
  awaiting_pong_ = true;
  enqueue(Frame::control(PacketType::ping));
  schedule_heartbeat();
}

}  // namespace berth::engineio
