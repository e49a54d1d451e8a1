#include "engineio/packet.hpp"

#include "core/encoding.hpp"

namespace berth::engineio {

namespace {
constexpr char kSeparator = '\x1e';

bool known_type(char c) { return c >= '0' && c <= '6'; }

Result<Packet> decode_text(std::string_view text) {
  if (text.empty()) return make_error("bad_packet", "empty packet");
  if (!known_type(text[0])) return make_error("bad_packet", "unknown packet type");
  Packet p;
  p.type = PacketType(text[0]);
  p.data.assign(text.substr(1));
  return p;
}
}  // namespace

Frame Frame::control(PacketType type, std::string_view data) {
  std::string s;
  s.reserve(1 + data.size());
  s += char(type);
  s += data;
  return Frame{std::make_shared<const std::string>(std::move(s)), false};
}

Frame Frame::text(std::string_view message) { return control(PacketType::message, message); }

Frame Frame::text_from(std::string&& message_with_prefix) {
  return Frame{std::make_shared<const std::string>(std::move(message_with_prefix)), false};
}

Frame Frame::bytes(std::string bytes) { return Frame{std::make_shared<const std::string>(std::move(bytes)), true}; }

Result<Packet> decode_frame(std::string_view data, bool binary) {
  if (binary) {
    Packet p;
    p.type = PacketType::message;
    p.binary = true;
    p.data.assign(data);
    return p;
  }
  return decode_text(data);
}

Result<Packet> decode_frame_owned(std::string&& data, bool binary) {
  Packet p;
  if (binary) {
    p.type = PacketType::message;
    p.binary = true;
    p.data = std::move(data);
    return p;
  }
  if (data.empty()) return make_error("bad_packet", "empty packet");
  if (!known_type(data[0])) return make_error("bad_packet", "unknown packet type");
  p.type = PacketType(data[0]);
  data.erase(0, 1);
  p.data = std::move(data);
  return p;
}

Result<std::vector<Packet>> decode_payload(std::string_view body, std::size_t max_packets) {
  if (body.empty()) return make_error("bad_packet", "empty payload");
  std::vector<Packet> out;
  std::size_t i = 0;
  while (true) {
    auto sep = body.find(kSeparator, i);
    std::string_view part = body.substr(i, sep == std::string_view::npos ? std::string_view::npos : sep - i);
    if (out.size() >= max_packets) return make_error("bad_packet", "too many packets in one payload");
    if (!part.empty() && part[0] == 'b') {
      auto bytes = base64_decode(part.substr(1));
      if (!bytes) return make_error("bad_packet", "bad base64 in a binary packet");
      Packet p;
      p.type = PacketType::message;
      p.binary = true;
      p.data = std::move(*bytes);
      out.push_back(std::move(p));
    } else {
      auto p = decode_text(part);
      if (!p) return p.error();
      out.push_back(std::move(p).value());
    }
    if (sep == std::string_view::npos) break;
    i = sep + 1;
  }
  return out;
}

void append_to_payload(std::string& body, const Frame& frame) {
  if (!body.empty()) body += kSeparator;
  if (!frame.data) return;
  if (frame.binary) {
    body += 'b';
    body += base64_encode(*frame.data);
  } else {
    body += *frame.data;
  }
}

std::string encode_payload(const std::vector<Frame>& frames) {
  std::string body;
  for (const auto& f : frames) append_to_payload(body, f);
  return body;
}

std::string handshake_json(std::string_view sid, bool offer_websocket, long ping_interval_ms, long ping_timeout_ms,
                           std::size_t max_payload) {
  // The sid is base64url, so it needs no JSON escaping.
  std::string s = "{\"sid\":\"";
  s += sid;
  s += "\",\"upgrades\":";
  s += offer_websocket ? "[\"websocket\"]" : "[]";
  s += ",\"pingInterval\":" + std::to_string(ping_interval_ms);
  s += ",\"pingTimeout\":" + std::to_string(ping_timeout_ms);
  s += ",\"maxPayload\":" + std::to_string(max_payload) + "}";
  return s;
}

}  // namespace berth::engineio
