#include "socketio/packet.hpp"

#include <algorithm>

#include "core/encoding.hpp"
#include "socketio/json_text.hpp"

namespace berth::socketio {

namespace {
bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_binary(PacketType t) { return t == PacketType::binary_event || t == PacketType::binary_ack; }

Error invalid(std::string why) { return make_error("bad_packet", std::move(why)); }

// The payload's shape per type, as the reference parser's isPayloadValid.
// Keeps the element offsets of EVENT and ACK arrays in the packet.
Status check_payload(Packet& p, const DecodeLimits&) {
  bool binary = is_binary(p.type);
  if (p.data.empty()) {
    switch (p.type) {
      case PacketType::connect:
      case PacketType::disconnect: return Ok{};
      default: return invalid("missing payload");
    }
  }
  JsonScanOptions options;
  options.find_placeholders = binary;
  auto scan = scan_json(p.data, options);
  if (!scan) return invalid("payload is not JSON: " + scan.error().message);
  switch (p.type) {
    case PacketType::connect:
      if (scan->kind != '{') return invalid("CONNECT payload must be an object");
      break;
    case PacketType::disconnect: return invalid("DISCONNECT takes no payload");
    case PacketType::connect_error:
      if (scan->kind != '{' && scan->kind != '"') return invalid("CONNECT_ERROR payload must be an object or a string");
      break;
    case PacketType::event:
    case PacketType::binary_event: {
      if (scan->kind != '[' || scan->elements.empty()) return invalid("EVENT payload must be a non-empty array");
      auto name = json_unquote(scan->elements[0]);
      if (!name) return invalid("the event name must be a string");
      if (is_reserved_event(*name)) return invalid("reserved event name");
      break;
    }
    case PacketType::ack:
    case PacketType::binary_ack:
      if (scan->kind != '[') return invalid("ACK payload must be an array");
      break;
  }
  if (scan->kind == '[' && p.type != PacketType::connect_error) {
    p.scanned = true;
    p.elements.reserve(scan->elements.size());
    p.element_attachment.assign(scan->elements.size(), -1);
    for (auto e : scan->elements) {
      auto begin = std::uint32_t(e.data() - p.data.data());
      p.elements.emplace_back(begin, begin + std::uint32_t(e.size()));
    }
    for (const auto& ph : scan->placeholders)
      if (ph.whole_element && ph.element < p.element_attachment.size()) p.element_attachment[ph.element] = int(ph.num);
  }
  if (binary) {
    // Every attachment referenced exactly once, and nothing else.
    if (scan->placeholders.size() != p.attachments) return invalid("attachment count does not match the placeholders");
    std::vector<bool> seen(p.attachments, false);
    for (const auto& ph : scan->placeholders) {
      if (ph.num >= p.attachments || seen[ph.num]) return invalid("placeholder number out of range or repeated");
      seen[ph.num] = true;
    }
  }
  return Ok{};
}
}  // namespace

bool is_valid_namespace(std::string_view nsp, std::size_t max_length) {
  if (nsp.empty() || nsp[0] != '/' || nsp.size() > max_length) return false;
  return std::all_of(nsp.begin(), nsp.end(), [](char c) { return c > 0x20 && c < 0x7F && c != ','; });
}

bool is_reserved_event(std::string_view name) {
  return name == "connect" || name == "connect_error" || name == "disconnect" || name == "disconnecting" ||
         name == "newListener" || name == "removeListener";
}

Result<Packet> decode(std::string_view text, const DecodeLimits& limits) { return decode_owned(std::string(text), limits); }

Result<Packet> decode_owned(std::string&& owned, const DecodeLimits& limits) {
  std::string_view text = owned;
  if (text.empty()) return invalid("empty packet");
  if (!is_valid_utf8(text)) return invalid("not UTF-8");
  if (text[0] < '0' || text[0] > '6') return invalid("unknown packet type");
  Packet p;
  p.type = PacketType(text[0] - '0');
  std::size_t i = 1;

  if (is_binary(p.type)) {
    std::size_t start = i;
    while (i < text.size() && is_digit(text[i])) ++i;
    if (i == start || i >= text.size() || text[i] != '-' || i - start > 6) return invalid("bad attachment count");
    p.attachments = std::stoul(std::string(text.substr(start, i - start)));
    if (p.attachments > limits.max_attachments) return invalid("too many attachments");
    ++i;  // '-'
  }

  if (i < text.size() && text[i] == '/') {
    auto comma = text.find(',', i);
    std::size_t end = comma == std::string_view::npos ? text.size() : comma;
    p.nsp.assign(text.substr(i, end - i));
    if (!is_valid_namespace(p.nsp, limits.max_nsp_length)) return invalid("bad namespace");
    i = comma == std::string_view::npos ? text.size() : comma + 1;
  }

  if (i < text.size() && is_digit(text[i])) {
    std::size_t start = i;
    while (i < text.size() && is_digit(text[i])) ++i;
    if (i - start > 16) return invalid("ack id out of range");
    std::uint64_t id = std::stoull(std::string(text.substr(start, i - start)));
    if (id > kMaxAckId) return invalid("ack id out of range");
    p.id = id;
  }

  owned.erase(0, i);
  p.data = std::move(owned);
  if ((p.type == PacketType::ack || p.type == PacketType::binary_ack) && !p.id) return invalid("ACK without an id");
  if (p.id && p.type != PacketType::event && p.type != PacketType::binary_event && p.type != PacketType::ack &&
      p.type != PacketType::binary_ack)
    return invalid("ack id on a packet that cannot carry one");
  auto ok = check_payload(p, limits);
  if (!ok) return ok.error();
  return p;
}

void encode_into(std::string& out, const Packet& p) {
  out += char('0' + int(p.type));
  if (is_binary(p.type)) {
    out += std::to_string(p.attachments);
    out += '-';
  }
  if (p.nsp != "/") {
    out += p.nsp;
    out += ',';
  }
  if (p.id) out += std::to_string(*p.id);
  out += p.data;
}

std::string encode(const Packet& p) {
  std::string out;
  out.reserve(p.data.size() + p.nsp.size() + 24);
  encode_into(out, p);
  return out;
}

Frames to_frames(const Packet& p, const std::vector<std::string>& attachments) {
  auto frames = std::make_shared<std::vector<engineio::Frame>>();
  frames->reserve(1 + attachments.size());
  std::string text;
  text.reserve(p.data.size() + p.nsp.size() + 25);
  text += char(engineio::PacketType::message);
  encode_into(text, p);
  frames->push_back(engineio::Frame::text_from(std::move(text)));
  for (const auto& a : attachments) frames->push_back(engineio::Frame::bytes(a));
  return frames;
}

}  // namespace berth::socketio
