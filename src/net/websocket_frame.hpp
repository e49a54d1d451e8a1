#pragma once
// RFC 6455 frames without I/O: the server side's decoder of client frames
// and the header of the frames the server sends. WebSocket (websocket.cpp)
// feeds the decoder the bytes it reads from its socket; the unit tests and
// the fuzz target feed it byte strings.
//
// The decoder is part of every connection's state, so it holds no input
// buffer: the caller keeps the bytes of a frame that is not all here yet and
// offers them again with more (needed() says how many the frame needs). It
// holds only the data message being assembled and two flags. Control
// payloads (at most 125 bytes) come back inline in the WebSocketFrame, on
// the caller's stack.
//
// What it refuses (no extension is ever negotiated):
//   1002 unmasked client frame, RSV1-3 set, opcode 3-7 or 11-15, control
//        frame fragmented or over 125 bytes, continuation outside a message
//        or a new data frame inside one, 64-bit length with the top bit set,
//        close payload of 1 byte, invalid close code, close reason not UTF-8
//   1009 a data message (all its fragments) over max_message bytes; checked
//        on each frame's header, before its payload has arrived
//   1007 a text message that is not UTF-8 once complete
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace berth::net {

enum class WebSocketOpcode : unsigned char { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

// Close codes (RFC 6455 §7.4.1).
namespace websocket_close {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t no_status = 1005;  // never on the wire: a close frame without a code
inline constexpr std::uint16_t invalid_data = 1007;
inline constexpr std::uint16_t too_big = 1009;
}  // namespace websocket_close

// One step of WebSocketFrameDecoder::next().
struct WebSocketFrame {
  enum class Kind : unsigned char {
    need_more,  // the frame at the front is not all here; nothing consumed
    fragment,   // a data frame without FIN: its payload is added to the message
    message,    // a data message is complete: take_message()
    ping,       // payload(): what the pong must carry
    pong,
    close,  // the peer's close: `code` (no_status when it gave none), reason()
    error,  // a violation: `code` is the close code to answer with, `what` says why
  };
  Kind kind = Kind::need_more;
  std::uint16_t code = 0;
  const char* what = "";
  std::uint8_t size = 0;  // of data[]
  char data[125];         // a control frame's payload, unmasked

  std::string_view payload() const { return {data, size}; }
  std::string_view reason() const { return payload().substr(size >= 2 ? 2 : size); }
};

class WebSocketFrameDecoder {
 public:
  // Decodes the frame at the front of `in` and removes its bytes from `in`;
  // need_more and error leave `in` as it was. `max_message` caps the size
  // of a data message. After close or error the connection is over: the
  // decoder's state is then unspecified and it must not be fed again.
  WebSocketFrame next(std::string_view& in, std::size_t max_message);

  // After need_more: the bytes the frame at the front needs in all (its
  // header while that is incomplete, then header and payload); 0 while
  // fewer than 2 bytes are here.
  std::size_t needed() const { return needed_; }
  // True between the first fragment of a data message and its last.
  bool in_message() const { return in_message_; }

  // After Kind::message: the message, which leaves the decoder empty.
  bool message_binary() const { return binary_; }
  std::string take_message() {
    std::string m = std::move(message_);
    message_ = std::string();
    return m;
  }

 private:
  std::string message_;
  std::size_t needed_ = 0;
  bool in_message_ = false;
  bool binary_ = false;
};

// Writes the header of an unmasked frame with FIN set (the server never
// fragments) into `out`, returns its size: 2, 4 or 10 bytes.
std::size_t write_websocket_frame_header(unsigned char* out, WebSocketOpcode opcode, std::size_t payload_size);

}  // namespace berth::net
