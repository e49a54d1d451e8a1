#pragma once
// Private to net/: the state behind WebSocket. Included only by net/*.cpp.
//
// Beast does the opening handshake (http_server.cpp); the frames are read
// and written here, straight on the tcp::socket. Beast's websocket::stream
// keeps ~2.5 KB of state plus a ~1.5 KB read buffer prepared by every
// pending read, and re-arms a timer on every read: for thousands of mostly
// idle Socket.IO connections that is most of their memory and a good part
// of the CPU per message. Here an idle connection holds its socket, a small
// inline read buffer and a few flags.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/websocket.hpp"
#include "net/websocket_frame.hpp"

namespace berth::net {

struct WebSocket::Impl : std::enable_shared_from_this<WebSocket::Impl> {
  explicit Impl(boost::asio::ip::tcp::socket s) : socket(std::move(s)) {}

  boost::asio::ip::tcp::socket socket;
  std::size_t max_message = 1'000'000;
  // Completions go there when set (a polling session upgraded onto this
  // socket keeps its own strand); a pointer, as it is rarely set.
  std::unique_ptr<boost::asio::any_io_executor> handler_executor;

  // Reading: one pending read, for `reader`.
  std::shared_ptr<WebSocketHandler> reader;
  // Socket.IO events, acks and pings are mostly well under 128 bytes; a
  // larger message continues into `in`.
  static constexpr std::size_t kSmall = 128;
  char small[kSmall];  // an idle connection's pending read lands here
  std::string in;      // bytes received and not parsed yet: [in_pos, size)
  std::size_t in_pos = 0;
  WebSocketFrameDecoder decoder;  // holds the data message being assembled

  // Writing: one write on the socket at a time; control frames (pong,
  // close) wait for the data frame in flight and go before the next one.
  std::shared_ptr<WebSocketHandler> writer;
  WebSocketOutFrame wr_one;                  // the usual case: one message
  std::vector<WebSocketOutFrame> wr_frames;  // a batch (then wr_one is unused); freed after the write
  bool wr_pending = false;
  bool wr_busy = false;
  // (Reading flags, kept here where they fill padding.)
  bool in_delivery = false;  // inside the reader's on_read: a new start_read loops instead of recursing
  bool read_again = false;
  unsigned char wr_header[10];  // wr_one's; a batch's headers are in wr_headers
  std::string wr_headers;
  std::string control;           // whole control frames waiting
  std::string control_inflight;  // the ones being written

  bool close_sent = false;
  bool closed = false;                        // the socket is closed
  bool close_after_control = false;           // close the socket once the control frames are out
  std::unique_ptr<Error> reader_error;        // told to the reader after the control frames are out (rare: not inline)
  std::vector<std::function<void()>> close_waiters;

  // Implemented in websocket.cpp.
  void continue_read();
  bool deliver();  // hands the decoder's message to the reader; true when it asked for the next one meanwhile
  void pump();
  void send_close(std::uint16_t code);
  void shutdown_socket();
  void fail_reader(Error e);
};

}  // namespace berth::net
