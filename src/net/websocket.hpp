#pragma once
// A server-side WebSocket connection, opaque so that its users (Engine.IO)
// need no Beast headers. One read and one write may be in flight at a time;
// callers queue their own writes. permessage-deflate is off (DESIGN §11).
//
// Two styles: awaitable read()/write()/close() for short exchanges (the
// Engine.IO upgrade probe), and start_read()/start_write() with a
// WebSocketHandler for the long-lived hot path, which keeps no coroutine
// frames and no read buffer alive while a connection is idle.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace berth::net {

struct WebSocketMessage {
  std::string data;
  bool binary = false;
};

// One message to send, by view: its bytes belong to the caller.
struct WebSocketOutFrame {
  std::string_view data;
  bool binary = false;
};

// Completions of start_read()/start_write(); they run on the connection's
// strand. The handler is kept alive until its completion has run.
class WebSocketHandler {
 public:
  virtual ~WebSocketHandler() = default;
  // A message, or error "closed" / "too_large" as for read().
  virtual void on_read(Result<WebSocketMessage> message) = 0;
  virtual void on_write(bool ok) = 0;
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
  // Sends a close frame and waits for the peer's (at most 30 s).
  boost::asio::awaitable<void> close();
  // Callback style (strand only). `data` must stay valid until on_write.
  // The completions run on executor(), or on the executor given to
  // set_handler_executor (a polling session upgraded to this connection
  // keeps its own strand).
  void set_handler_executor(boost::asio::any_io_executor ex);
  void start_read(std::shared_ptr<WebSocketHandler> handler);
  void start_write(std::string_view data, bool binary, std::shared_ptr<WebSocketHandler> handler);
  // Several messages in one gather write (one syscall): what a busy
  // connection queued while its previous write was out. The frames' bytes
  // must stay valid until on_write; the span itself is copied.
  void start_write(std::span<const WebSocketOutFrame> frames, std::shared_ptr<WebSocketHandler> handler);
  // Closes the TCP connection at once; safe from any thread of the strand.
  void abort();
  boost::asio::any_io_executor executor();

 private:
  std::shared_ptr<Impl> impl_;  // shared with the operations in flight
};

// Handed to a route handler through HttpRequest::upgrade when the request is a
// WebSocket upgrade. The handler may accept (then the connection is its own)
// or ignore it and return an ordinary response. After accepting, the handler
// should hand the WebSocket to a task of its own and return: the HTTP
// session then ends and frees its parser and buffers.
class WebSocketUpgrade {
 public:
  virtual ~WebSocketUpgrade() = default;
  virtual boost::asio::awaitable<std::unique_ptr<WebSocket>> accept(std::size_t max_message_bytes) = 0;
  virtual bool accepted() const = 0;
};

}  // namespace berth::net
