#pragma once
// One client's connection to one namespace. Handlers registered with on()
// run on the socket's strand (the Engine.IO session's), one at a time, so a
// handler may touch the socket's data() without a lock. emit, join, leave,
// disconnect and Ack may be called from any thread.
#include <any>
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "socketio/args.hpp"
#include "socketio/broadcast.hpp"
#include "socketio/handshake.hpp"
#include "socketio/packet.hpp"

namespace berth::socketio {

class Client;
class Namespace;
class Socket;
using SocketPtr = std::shared_ptr<Socket>;

// The acknowledgement callback of an incoming event. Copyable; the first
// call sends the ACK, later calls do nothing; callable from any thread.
class Ack {
 public:
  Ack() = default;
  Ack(std::weak_ptr<Socket> socket, std::uint64_t id);
  bool wanted() const { return state_ != nullptr; }  // the client passed a callback
  void operator()(const Args& args = {}) const;
  template <class A0, class... A>
    requires(!std::is_same_v<std::decay_t<A0>, Args>)
  void operator()(A0&& a0, A&&... a) const {
    (*this)(Args::of(std::forward<A0>(a0), std::forward<A>(a)...));
  }

 private:
  struct State {
    std::weak_ptr<Socket> socket;
    std::uint64_t id = 0;
    std::atomic<bool> sent{false};
  };
  std::shared_ptr<State> state_;
};

using EventHandler = std::function<void(SocketPtr, Args, Ack)>;
using AnyEventHandler = std::function<void(SocketPtr, std::string event, Args, Ack)>;
using DisconnectHandler = std::function<void(SocketPtr, DisconnectReason)>;
using AckCallback = std::function<void(Result<Args>)>;  // error code "timeout" or "disconnected"

class Socket : public std::enable_shared_from_this<Socket> {
 public:
  Socket(std::string id, Namespace& nsp, std::shared_ptr<Client> client, std::shared_ptr<Handshake> handshake);
  ~Socket();

  const std::string& id() const { return id_; }
  const std::string& nsp() const;
  const Handshake& handshake() const { return *handshake_; }
  bool connected() const { return connected_; }
  boost::asio::any_io_executor executor() const;  // the strand handlers run on

  // ---- strand only (usually inside the namespace's connection handler) ----
  void on(std::string event, EventHandler handler);
  void on_any(AnyEventHandler handler);  // events with no handler of their own
  void on_disconnect(DisconnectHandler handler);
  std::any& data() { return data_; }
  template <class T>
  T* data() {
    return std::any_cast<T>(&data_);
  }

  // ---- any thread ----
  bool emit(std::string_view event, const Args& args = {});
  template <class A0, class... A>
    requires(!std::is_same_v<std::decay_t<A0>, Args>)
  bool emit(std::string_view event, A0&& a0, A&&... a) {
    return emit(event, Args::of(std::forward<A0>(a0), std::forward<A>(a)...));
  }
  // The callback runs on the socket's strand with the client's answer, or an
  // error after `timeout` or when the socket disconnects first.
  void emit_with_ack(std::string_view event, Args args, std::chrono::milliseconds timeout, AckCallback callback);
  void join(std::string room);
  void leave(const std::string& room);
  std::vector<std::string> rooms() const;
  Broadcast to(std::string room) const;  // that room, without this socket
  Broadcast broadcast() const;           // the whole namespace, without this socket
  // Leaves the namespace (the client gets DISCONNECT); with close_connection
  // the whole Engine.IO connection closes too.
  void disconnect(bool close_connection = false);
  // Bytes of this client's connection still waiting to be sent (every
  // namespace of the connection shares the one queue).
  std::size_t queued_bytes() const;

  // ---- for Client (strand only) ----
  void handle_event(Packet packet, std::vector<std::string> attachments);
  void handle_ack(Packet packet, std::vector<std::string> attachments);
  void closed(DisconnectReason reason);
  void send(const Frames& frames) const;
  void settle();  // after the connection handler: trims what it registered to size

 private:
  struct PendingAck;
  void ack_timed_out(std::uint64_t id);

  std::string id_;
  Namespace& nsp_;
  std::shared_ptr<Client> client_;
  std::shared_ptr<Handshake> handshake_;
  std::atomic<bool> connected_{true};
  std::any data_;
  // A flat list: a socket has a handful of events, found faster by a scan
  // than by hashing, and without a hash table's buckets per socket.
  std::vector<std::pair<std::string, EventHandler>> handlers_;
  AnyEventHandler any_handler_;
  std::vector<DisconnectHandler> disconnect_handlers_;
  std::uint64_t next_ack_id_ = 0;
  std::unordered_map<std::uint64_t, std::shared_ptr<PendingAck>> pending_acks_;
};

}  // namespace berth::socketio
