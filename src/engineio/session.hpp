#pragma once
// One Engine.IO connection, whatever its transport. A Session owns the
// outgoing queue, the heartbeat and the protocol state; the transports
// (polling.cpp, websocket_transport.cpp) move frames between the queue and
// the network. Every member below the "strand only" line runs on the
// session's strand, so the state needs no lock; send() and close() may be
// called from any thread and hop onto the strand themselves.
//
// The queue is bounded by Options::max_queued_bytes: a client that does not
// read (no GET, or a WebSocket whose TCP window stays shut) is disconnected
// instead of growing the server's memory.
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engineio/options.hpp"
#include "engineio/heartbeat_clock.hpp"
#include "engineio/packet.hpp"
#include "engineio/request_info.hpp"
#include "net/http_types.hpp"

namespace berth::net {
class WebSocket;
}

namespace berth::engineio {

enum class CloseReason {
  transport_close,  // the connection dropped or the client closed the WebSocket
  transport_error,  // a write failed or a message was too large
  ping_timeout,     // no pong within pingTimeout
  parse_error,      // the client sent something that is not Engine.IO
  client_close,     // the client sent a close packet
  server_close,     // close() by the server (queued packets are still delivered)
  queue_full,       // the client does not read: its send queue passed the bound
  duplicate_poll,   // a second GET or POST while one is pending
};
std::string_view to_string(CloseReason reason);

// Receives a session's messages. Both calls run on the session's strand; no
// message follows on_close.
class SessionListener {
 public:
  virtual ~SessionListener() = default;
  virtual void on_message(std::string data, bool binary) = 0;
  virtual void on_close(CloseReason reason) = 0;
};

// The WebSocket transport's writer: told when frames are queued or the
// state changes, instead of parking a coroutine on a timer.
class SessionWriter {
 public:
  virtual ~SessionWriter() = default;
  virtual void on_wake() = 0;  // strand only
};

class Session;

// Where sessions are found by id (the Engine.IO server); told once when a
// session is gone.
class SessionRegistry {
 public:
  virtual ~SessionRegistry() = default;
  virtual void forget(const Session& session) = 0;
  virtual void established(const Session& session) = 0;  // once, before forget
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  enum class Transport { polling, websocket };
  enum class State { open, closing, closed };  // closing: a polling session waits for its last GET

  Session(std::string id, boost::asio::any_io_executor strand, std::shared_ptr<const Options> options,
          RequestInfo request, Transport transport, std::weak_ptr<SessionRegistry> registry,
          std::shared_ptr<HeartbeatClock> clock);
  ~Session();

  const std::string& id() const { return id_; }
  // The client's first request; shared, not copied, by whoever keeps it
  // longer (a Socket.IO handshake).
  const std::shared_ptr<const RequestInfo>& shared_request() const { return request_; }
  const boost::asio::any_io_executor& executor() const { return strand_; }
  const Options& options() const { return *options_; }

  // Thread-safe. Frames keep their order; a batch (a packet and its binary
  // attachments) is queued as one unit.
  void send(Frame frame);
  void send(std::shared_ptr<const std::vector<Frame>> frames);
  void close(CloseReason reason = CloseReason::server_close);
  // Strand only: the upper layer knows who this is now (a Socket.IO
  // namespace accepted it); it stops counting toward max_unestablished.
  void establish();
  bool is_established() const { return established_; }
  // Bytes waiting to reach the client, from any thread: a producer that can
  // wait (terminal output) reads it to slow down before the bound cuts the
  // client off.
  std::size_t queued_bytes() const { return queued_bytes_.load(std::memory_order_relaxed); }

  // ---- strand only ----
  void set_listener(std::shared_ptr<SessionListener> listener) { listener_ = std::move(listener); }
  void start();  // begins the heartbeat
  void heartbeat(std::uint64_t ticket);  // from the HeartbeatClock: a ping, pong or closing deadline is due
  State state() const { return state_; }
  Transport transport() const { return transport_; }
  void close_now(CloseReason reason);
  void finish_close();  // closing -> closed: the last GET has its close packet

  // Handles one packet from the client. False when the session closed.
  bool on_packet(Packet packet);

  // The queue, for the transports.
  void enqueue(const Frame& frame);
  bool has_frames() const { return head_ < queue_.size(); }
  Frame pop_frame();
  std::string take_payload();  // the whole queue as a polling body
  bool drain_on_close() const { return drain_on_close_; }

  // A transport parks here until frames arrive or the state changes.
  boost::asio::awaitable<void> wait_for_wake();
  void wake();
  void set_writer(std::weak_ptr<SessionWriter> writer) { writer_ = std::move(writer); }

  // Polling bookkeeping.
  bool get_pending = false;
  bool post_pending = false;
  bool probing = false;                          // 2probe answered, waiting for 5: GETs return at once
  bool upgrading = false;                        // a WebSocket is being probed
  std::shared_ptr<net::WebSocket> websocket;     // set once the transport is websocket
  std::shared_ptr<net::WebSocket> probe_socket;  // the WebSocket being probed, aborted if the session closes
  char final_get_packet = '1';                   // what a GET pending at close receives: close, or noop

  void finish_upgrade(std::shared_ptr<net::WebSocket> ws);

 private:
  void schedule_heartbeat();
  void deliver(std::string data, bool binary);
  void clear_queue();

  std::string id_;
  boost::asio::any_io_executor strand_;
  std::shared_ptr<const Options> options_;
  std::shared_ptr<const RequestInfo> request_;
  Transport transport_;
  std::weak_ptr<SessionRegistry> registry_;
  std::shared_ptr<SessionListener> listener_;

  State state_ = State::open;
  bool drain_on_close_ = false;
  // A vector used as a FIFO (head_ is the front): one allocation that is
  // reused, where a std::deque allocates 576 bytes per session up front.
  std::vector<Frame> queue_;
  std::size_t head_ = 0;
  std::atomic<std::size_t> queued_bytes_{0};  // written on the strand only
  boost::asio::steady_timer* waiter_ = nullptr;
  std::weak_ptr<SessionWriter> writer_;
  std::shared_ptr<HeartbeatClock> clock_;
  std::uint64_t heartbeat_ticket_ = 0;  // the clock entry that counts; older ones are stale
  bool awaiting_pong_ = false;
  bool removed_ = false;
  bool established_ = false;
};

using SessionPtr = std::shared_ptr<Session>;

}  // namespace berth::engineio
