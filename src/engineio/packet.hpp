#pragma once
// Engine.IO v4 packet codec: pure functions, no I/O, so the parser can be
// unit-tested and fuzzed on its own.
//
// On a WebSocket every packet is one frame: a text frame is "<type><data>",
// a binary frame is a binary message with no type prefix. Long-polling joins
// packets with the record separator \x1e and writes a binary message as "b"
// followed by its base64. A `Frame` keeps the WebSocket form in a shared
// buffer: a broadcast encodes once and every session queues the same bytes.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace berth::engineio {

enum class PacketType : char {
  open = '0',
  close = '1',
  ping = '2',
  pong = '3',
  message = '4',
  upgrade = '5',
  noop = '6',
};

struct Packet {
  PacketType type = PacketType::message;
  std::string data;     // text after the type character, or the bytes of a binary message
  bool binary = false;  // only for PacketType::message
};

// One outgoing packet in its WebSocket form, shared between the queues of
// every session it goes to.
struct Frame {
  std::shared_ptr<const std::string> data;  // "<type><data>" for text, raw bytes for binary
  bool binary = false;

  static Frame control(PacketType type, std::string_view data = {});  // ping, noop, close, ...
  static Frame text(std::string_view message);                         // "4" + message
  static Frame text_from(std::string&& message_with_prefix);           // caller already wrote the leading '4'
  static Frame bytes(std::string bytes);                               // a binary message
  std::size_t size() const { return data ? data->size() : 0; }
};

// Decodes one WebSocket frame. Text frames need a known type character;
// binary frames are binary messages.
Result<Packet> decode_frame(std::string_view data, bool binary);
// The same, taking the frame's bytes over instead of copying them.
Result<Packet> decode_frame_owned(std::string&& data, bool binary);

// Decodes a long-polling request body (one or more packets joined by \x1e).
// At most `max_packets` packets, so a body of separators cannot make a huge
// vector.
Result<std::vector<Packet>> decode_payload(std::string_view body, std::size_t max_packets = 4096);

// Appends one frame to a long-polling response body.
void append_to_payload(std::string& body, const Frame& frame);
std::string encode_payload(const std::vector<Frame>& frames);

// The open packet's JSON, exactly the five fields of the protocol.
std::string handshake_json(std::string_view sid, bool offer_websocket, long ping_interval_ms, long ping_timeout_ms,
                           std::size_t max_payload);

}  // namespace berth::engineio
