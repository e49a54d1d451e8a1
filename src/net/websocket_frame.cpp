#include "net/websocket_frame.hpp"

#include "core/encoding.hpp"

namespace berth::net {

namespace {

void unmask(char* dst, const char* src, std::size_t n, const unsigned char* key) {
  for (std::size_t i = 0; i < n; ++i) dst[i] = char(src[i] ^ char(key[i & 3]));
}

bool valid_close_code(std::uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) || (code >= 3000 && code <= 4999);
}

}  // namespace

WebSocketFrame WebSocketFrameDecoder::next(std::string_view& in, std::size_t max_message) {
  using Kind = WebSocketFrame::Kind;
  WebSocketFrame f;
  auto fail = [&f](std::uint16_t code, const char* what) {
    f.kind = Kind::error;
    f.code = code;
    f.what = what;
    return f;
  };
  auto protocol_error = [&fail](const char* what) { return fail(websocket_close::protocol_error, what); };

  if (in.size() < 2) {
    needed_ = 0;
    return f;  // need_more
  }
  auto b0 = static_cast<unsigned char>(in[0]), b1 = static_cast<unsigned char>(in[1]);
  bool fin = b0 & 0x80;
  unsigned char op = b0 & 0x0F;
  unsigned char len7 = b1 & 0x7F;
  std::size_t header = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + 4;
  if (b0 & 0x70) return protocol_error("WebSocket protocol error: reserved bits set");
  if (!(b1 & 0x80)) return protocol_error("WebSocket protocol error: unmasked client frame");
  if (in.size() < header) {
    needed_ = header;
    return f;
  }
  // 64 bits even where size_t is narrower; nothing below adds to it before
  // the checks have bounded it.
  std::uint64_t len = len7;
  if (len7 == 126) {
    len = std::uint64_t(static_cast<unsigned char>(in[2])) << 8 | static_cast<unsigned char>(in[3]);
  } else if (len7 == 127) {
    len = 0;
    for (int i = 0; i < 8; ++i) len = len << 8 | static_cast<unsigned char>(in[2 + i]);
    if (len >> 63) return protocol_error("WebSocket protocol error: 64-bit length with the top bit set");
  }
  bool control = op & 0x8;
  if (control) {
    if (op != std::uint8_t(WebSocketOpcode::close) && op != std::uint8_t(WebSocketOpcode::ping) &&
        op != std::uint8_t(WebSocketOpcode::pong))
      return protocol_error("WebSocket protocol error: unknown opcode");
    if (!fin) return protocol_error("WebSocket protocol error: fragmented control frame");
    if (len > 125) return protocol_error("WebSocket protocol error: control frame over 125 bytes");
  } else {
    if (op > std::uint8_t(WebSocketOpcode::binary)) return protocol_error("WebSocket protocol error: unknown opcode");
    if (op == std::uint8_t(WebSocketOpcode::continuation) && !in_message_)
      return protocol_error("WebSocket protocol error: continuation frame outside a message");
    if (op != std::uint8_t(WebSocketOpcode::continuation) && in_message_)
      return protocol_error("WebSocket protocol error: new data frame inside a fragmented message");
    std::uint64_t have = in_message_ ? message_.size() : 0;  // both below 2^63: no overflow
    if (have > max_message || len > max_message - have) return fail(websocket_close::too_big, "message too large");
  }
  // Both bounded now: len <= 125 or len <= max_message.
  std::size_t total = header + std::size_t(len);
  if (in.size() < total) {
    needed_ = total;
    return f;
  }
  needed_ = 0;
  const auto* key = reinterpret_cast<const unsigned char*>(in.data() + header - 4);
  const char* payload = in.data() + header;

  if (!control) {
    if (op != std::uint8_t(WebSocketOpcode::continuation)) {
      in_message_ = true;
      binary_ = op == std::uint8_t(WebSocketOpcode::binary);
      message_.clear();
    }
    std::size_t old = message_.size();
    message_.resize(old + std::size_t(len));
    unmask(message_.data() + old, payload, std::size_t(len), key);
    if (!fin) {
      in.remove_prefix(total);
      f.kind = Kind::fragment;
      return f;
    }
    in_message_ = false;
    if (!binary_ && !is_valid_utf8(message_)) return fail(websocket_close::invalid_data, "a text message is not UTF-8");
    in.remove_prefix(total);
    f.kind = Kind::message;
    return f;
  }

  f.size = std::uint8_t(len);
  unmask(f.data, payload, f.size, key);
  if (op == std::uint8_t(WebSocketOpcode::close)) {
    if (f.size == 1) return protocol_error("WebSocket protocol error: close payload of 1 byte");
    f.code = websocket_close::no_status;
    if (f.size >= 2) {
      f.code = std::uint16_t(static_cast<unsigned char>(f.data[0]) << 8 | static_cast<unsigned char>(f.data[1]));
      if (!valid_close_code(f.code)) return protocol_error("WebSocket protocol error: invalid close code");
    }
    if (!is_valid_utf8(f.reason())) return protocol_error("WebSocket protocol error: close reason not UTF-8");
    f.kind = Kind::close;
  } else {
    f.kind = op == std::uint8_t(WebSocketOpcode::ping) ? Kind::ping : Kind::pong;
  }
  in.remove_prefix(total);
  return f;
}

std::size_t write_websocket_frame_header(unsigned char* out, WebSocketOpcode opcode, std::size_t len) {
  out[0] = 0x80 | static_cast<unsigned char>(opcode);
  if (len < 126) {
    out[1] = static_cast<unsigned char>(len);
    return 2;
  }
  if (len <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<unsigned char>(len >> 8);
    out[3] = static_cast<unsigned char>(len);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<unsigned char>(std::uint64_t(len) >> (56 - 8 * i));
  return 10;
}

}  // namespace berth::net
