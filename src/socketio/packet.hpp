#pragma once
// Socket.IO v5 packet codec: pure functions, no I/O.
//
//   <type>[<attachments>-][<nsp>,][<ack id>][<JSON payload>]
//
// A binary packet (BINARY_EVENT, BINARY_ACK) is followed by `attachments`
// binary Engine.IO messages that replace {"_placeholder":true,"num":n} in
// the payload. decode() checks everything that can be checked from the text
// alone: a known type, an attachment count that matches the placeholders
// (each num in range and used once), an ack id that fits a JavaScript
// number, a namespace of printable ASCII, and a payload of the right shape
// for the type (CONNECT: an object, EVENT: an array starting with a
// non-reserved event name, ACK: an array, DISCONNECT: nothing).
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "engineio/packet.hpp"

namespace berth::socketio {

enum class PacketType : int {
  connect = 0,
  disconnect = 1,
  event = 2,
  ack = 3,
  connect_error = 4,
  binary_event = 5,
  binary_ack = 6,
};

struct Packet {
  PacketType type = PacketType::event;
  std::string nsp = "/";
  std::optional<std::uint64_t> id;  // ack id
  std::size_t attachments = 0;      // binary messages that follow (binary types only)
  std::string data;                 // raw JSON payload, "" when absent
  // Filled by decode() for EVENT and ACK payloads, so the socket need not
  // scan the JSON again: the array's top-level elements as [begin, end)
  // offsets into data, and for each the attachment number when the element
  // is a whole placeholder, else -1.
  bool scanned = false;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> elements;
  std::vector<int> element_attachment;
};

struct DecodeLimits {
  std::size_t max_attachments = 16;
  std::size_t max_nsp_length = 128;
};

constexpr std::uint64_t kMaxAckId = (std::uint64_t(1) << 53) - 1;  // Number.MAX_SAFE_INTEGER

Result<Packet> decode(std::string_view text, const DecodeLimits& limits = {});
// The same, taking the text over instead of copying it.
Result<Packet> decode_owned(std::string&& text, const DecodeLimits& limits = {});

// Appends the packet's text form to `out` (which may already hold the
// Engine.IO "4" prefix, so the text is built in place once).
void encode_into(std::string& out, const Packet& packet);
std::string encode(const Packet& packet);

// A packet and its attachments as the Engine.IO frames that carry them,
// shared so a broadcast encodes once.
using Frames = std::shared_ptr<const std::vector<engineio::Frame>>;
Frames to_frames(const Packet& packet, const std::vector<std::string>& attachments = {});

bool is_valid_namespace(std::string_view nsp, std::size_t max_length = 128);
bool is_reserved_event(std::string_view name);

}  // namespace berth::socketio
