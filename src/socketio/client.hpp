#pragma once
// The Socket.IO side of one Engine.IO session: decodes packets (waiting for
// the binary attachments a BINARY_EVENT or BINARY_ACK announced), connects
// the session to namespaces through their middleware, and routes packets to
// the socket of their namespace. Runs on the session's strand. An invalid
// packet closes the whole connection, as the reference server does.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "engineio/session.hpp"
#include "socketio/handshake.hpp"
#include "socketio/packet.hpp"

namespace berth::socketio {

class Namespace;
class NamespaceTable;
class Socket;

struct ClientSettings {
  std::chrono::milliseconds connect_timeout{45'000};  // close a connection that joins no namespace in time
  DecodeLimits limits;
};

class Client;

struct ConnectAttempt {
  std::shared_ptr<Client> client;
  Namespace* nsp = nullptr;
  std::shared_ptr<Handshake> handshake;
};

class Client : public engineio::SessionListener, public std::enable_shared_from_this<Client> {
 public:
  Client(std::shared_ptr<NamespaceTable> namespaces, ClientSettings settings, engineio::SessionPtr session);
  ~Client() override;

  void start();
  void on_message(std::string data, bool binary) override;
  void on_close(engineio::CloseReason reason) override;

  const engineio::SessionPtr& session() const { return session_; }
  const boost::asio::any_io_executor& executor() const { return session_->executor(); }
  void send(const Frames& frames) const { session_->send(frames); }
  void forget(const std::string& nsp, const Socket* socket);  // the socket left its namespace

  // The middleware chain (strand only).
  void run_middleware(const std::shared_ptr<ConnectAttempt>& attempt, std::size_t index);
  void refuse(const std::shared_ptr<ConnectAttempt>& attempt, const ConnectError& error);

 private:
  void dispatch(Packet packet, std::vector<std::string> attachments);
  void connect(Packet packet);
  void accept(const std::shared_ptr<ConnectAttempt>& attempt);
  void fail(std::string_view why);

  std::shared_ptr<NamespaceTable> namespaces_;
  ClientSettings settings_;
  engineio::SessionPtr session_;
  // Small flat containers and pointers for what is rarely there: a client
  // is in one or two namespaces, and an idle connection should cost little.
  using SocketEntry = std::pair<std::string, std::shared_ptr<Socket>>;  // namespace, socket
  std::vector<SocketEntry>::iterator find_socket(std::string_view nsp);
  bool connecting(std::string_view nsp) const;
  bool stop_connecting(std::string_view nsp);  // false when it was not connecting

  std::vector<SocketEntry> sockets_;
  std::vector<std::string> connecting_;            // namespaces in their middleware
  std::unique_ptr<Packet> partial_;                // a binary packet awaiting attachments
  std::vector<std::string> parts_;
  std::unique_ptr<boost::asio::steady_timer> connect_timer_;  // until the first namespace connects
  bool closed_ = false;
};

}  // namespace berth::socketio
