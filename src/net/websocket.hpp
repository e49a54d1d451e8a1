#pragma once
// A server-side WebSocket connection, opaque so that its users (Engine.IO)
// need no Beast headers. One read and one write may be in flight at a time;
// callers queue their own writes. permessage-deflate is off (DESIGN §11).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>

#include "core/result.hpp"

namespace berth::net {

struct WebSocketMessage {
  std::string data;
  bool binary = false;
};

class WebSocket {
 public:
  struct Impl;
  explicit WebSocket(std::unique_ptr<Impl> impl);
  ~WebSocket();

  // Error code "closed" when the peer closed or the connection dropped,
  // "too_large" when a message exceeds the read limit.
  boost::asio::awaitable<Result<WebSocketMessage>> read();
  boost::asio::awaitable<Status> write(std::string_view data, bool binary);
  boost::asio::awaitable<void> close();
  // Closes the TCP connection at once; safe from any thread of the strand.
  void abort();
  boost::asio::any_io_executor executor();

 private:
  std::unique_ptr<Impl> impl_;
};

// Handed to a route handler through HttpRequest::upgrade when the request is a
// WebSocket upgrade. The handler may accept (then the connection is its own)
// or ignore it and return an ordinary response.
class WebSocketUpgrade {
 public:
  virtual ~WebSocketUpgrade() = default;
  virtual boost::asio::awaitable<std::unique_ptr<WebSocket>> accept(std::size_t max_message_bytes) = 0;
  virtual bool accepted() const = 0;
};

}  // namespace berth::net
