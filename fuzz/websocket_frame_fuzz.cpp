// WebSocket frame decoder (net/websocket_frame.hpp): decoding never crashes,
// whatever it returns keeps the RFC 6455 rules (messages within the limit,
// text messages UTF-8, control payloads at most 125 bytes, valid close
// codes), and the frames do not depend on how the bytes were split into
// reads: all at once, and in chunks, give the same frames.
//
// Input: byte 0 picks the message limit (bits 0-2) and whether the rest is
// raw wire bytes or records turned into masked frames (bit 3, which gets
// past the masking and length rules more often); byte 1 seeds the chunk
// sizes (0: byte by byte). Records: [first header byte][length byte]
// [payload], the length byte's top two bits choosing the 7-, 16- or 64-bit
// length form (16-bit: the low six bits times 4, to reach control frames
// over 125 bytes).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/encoding.hpp"
#include "net/websocket_frame.hpp"

using namespace berth::net;
using Kind = WebSocketFrame::Kind;

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

constexpr std::size_t kLimits[8] = {0, 1, 16, 125, 126, 1000, 65536, 1'000'000};

struct Event {
  Kind kind;
  std::uint16_t code;
  bool binary;
  std::string data;
  bool operator==(const Event&) const = default;
};

bool valid_close_code(std::uint16_t c) {
  return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1011) || (c >= 3000 && c <= 4999);
}

// Decodes `wire` split into chunks as WebSocket::Impl reads it: what is
// buffered, frame by frame, until a frame is incomplete; stops at close or
// error. chunk_seed 255: all at once.
std::vector<Event> decode(std::string_view wire, std::size_t limit, unsigned chunk_seed) {
  WebSocketFrameDecoder d;
  std::vector<Event> events;
  std::string pending;
  std::uint32_t rng = chunk_seed * 2654435761u + 1;
  std::size_t pos = 0;
  while (pos < wire.size()) {
    std::size_t n = wire.size() - pos;
    if (chunk_seed == 0) {
      n = 1;
    } else if (chunk_seed != 255) {
      rng = rng * 1103515245u + 12345u;
      n = std::min<std::size_t>(n, 1 + (rng >> 16) % 64);
    }
    pending.append(wire.substr(pos, n));
    pos += n;
    std::string_view v = pending;
    while (true) {
      std::size_t before = v.size();
      bool was_in_message = d.in_message();
      WebSocketFrame f = d.next(v, limit);
      Event e{f.kind, f.code, false, {}};
      switch (f.kind) {
        case Kind::need_more:
          check(v.size() == before);
          check(d.in_message() == was_in_message);
          check(before < 2 ? d.needed() == 0 : d.needed() > before);
          break;
        case Kind::fragment:
          check(v.size() < before);
          check(d.in_message());
          break;
        case Kind::message:
          check(v.size() < before);
          check(!d.in_message());
          e.binary = d.message_binary();
          e.data = d.take_message();
          check(e.data.size() <= limit);
          check(e.binary || berth::is_valid_utf8(e.data));
          check(d.take_message().empty());
          break;
        case Kind::ping:
        case Kind::pong:
          check(v.size() < before);
          check(d.in_message() == was_in_message);
          check(f.size <= 125);
          e.data = f.payload();
          break;
        case Kind::close:
          check(v.size() < before);
          check(f.size <= 125 && f.size != 1);
          check(f.size == 0 ? f.code == websocket_close::no_status : valid_close_code(f.code));
          check(berth::is_valid_utf8(f.reason()));
          e.data = f.payload();
          break;
        case Kind::error:
          check(v.size() == before);
          check(f.code == websocket_close::protocol_error || f.code == websocket_close::invalid_data ||
                f.code == websocket_close::too_big);
          check(f.what != nullptr && f.what[0] != '\0');
          break;
      }
      if (f.kind == Kind::need_more) break;
      events.push_back(std::move(e));
      if (f.kind == Kind::close || f.kind == Kind::error) return events;
    }
    pending.erase(0, pending.size() - v.size());
  }
  return events;
}

// Records to masked client frames.
std::string frames_from_records(std::string_view in) {
  std::string out;
  std::uint32_t key = 0x9e3779b9;
  while (in.size() >= 2) {
    auto b0 = static_cast<unsigned char>(in[0]), lb = static_cast<unsigned char>(in[1]);
    in.remove_prefix(2);
    int form = lb >> 6;  // 0, 1: shortest; 2: 16-bit, 4 times longer; 3: 64-bit
    std::size_t len = std::min<std::size_t>(std::size_t(lb & 0x3F) * (form == 2 ? 4 : 1), in.size());
    std::string_view payload = in.substr(0, len);
    in.remove_prefix(len);
    out += char(b0);
    if (form < 2) {
      out += char(0x80 | len);
    } else if (form == 2) {
      out += char(0x80 | 126);
      out += char(len >> 8);
      out += char(len & 0xFF);
    } else {
      out += char(0x80 | 127);
      for (int i = 0; i < 8; ++i) out += char(std::uint64_t(len) >> (56 - 8 * i));
    }
    key = key * 1103515245u + 12345u;
    unsigned char k[4] = {static_cast<unsigned char>(key >> 24), static_cast<unsigned char>(key >> 16),
                          static_cast<unsigned char>(key >> 8), static_cast<unsigned char>(key)};
    out.append(reinterpret_cast<const char*>(k), 4);
    for (std::size_t i = 0; i < payload.size(); ++i) out += char(payload[i] ^ char(k[i & 3]));
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  std::size_t limit = kLimits[data[0] & 7];
  bool records = data[0] & 8;
  unsigned chunk_seed = data[1] == 255 ? 254 : data[1];
  std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  std::string built;
  if (records) {
    built = frames_from_records(rest);
    rest = built;
  }
  auto whole = decode(rest, limit, 255);
  auto chunked = decode(rest, limit, chunk_seed);
  check(whole == chunked);
  return 0;
}
