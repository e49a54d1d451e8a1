#pragma once
// What a namespace's middleware sees of a connection attempt, and how it
// lets the attempt through or refuses it.
#include <any>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "engineio/session.hpp"

namespace berth::socketio {

struct Handshake {
  std::string nsp;
  std::string auth = "{}";  // the CONNECT payload: raw JSON object text, "{}" when the client sent none
  // The Engine.IO handshake request (query, headers, remote address),
  // shared with the session rather than copied into every socket.
  std::shared_ptr<const engineio::RequestInfo> request;
  std::any data;  // middleware may leave something here; it becomes the socket's data()
};

// A refusal: the client gets CONNECT_ERROR {"message": message, "data": data}.
struct ConnectError {
  std::string message;
  std::string data;  // raw JSON text, "" for none
};

enum class DisconnectReason {
  server_namespace_disconnect,  // socket->disconnect()
  client_namespace_disconnect,  // the client sent DISCONNECT
  transport_close,
  transport_error,
  ping_timeout,
  parse_error,  // the client sent an invalid packet
  forced_close,  // the server closed the whole connection
};
std::string_view to_string(DisconnectReason reason);

struct ConnectAttempt;

// Continues a middleware chain. Call it once, from any thread, now or later
// (after a database lookup, say): next() lets the connection through to the
// following middleware, next(ConnectError{...}) refuses it. The Handshake&
// the middleware received stays valid as long as its Next is alive.
class Next {
 public:
  void operator()() const;
  void operator()(ConnectError error) const;

  Next(std::shared_ptr<ConnectAttempt> attempt, std::size_t index);

 private:
  std::shared_ptr<ConnectAttempt> attempt_;
  std::size_t index_;
  std::shared_ptr<bool> used_;  // touched on the strand only
};

using Middleware = std::function<void(Handshake&, Next)>;

}  // namespace berth::socketio
