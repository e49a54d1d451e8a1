#include "socketio/args.hpp"

#include "core/encoding.hpp"

#include "socketio/json_text.hpp"

namespace berth::socketio {

namespace {
std::string placeholder(std::size_t num) {
  return "{\"_placeholder\":true,\"num\":" + std::to_string(num) + "}";
}
}  // namespace

std::string_view Args::bytes(std::size_t i) const {
  int n = binary_.at(i);
  if (n < 0 || std::size_t(n) >= attachments_.size()) return {};
  return attachments_[std::size_t(n)];
}

Args& Args::add_json(std::string text) {
  validated_ = false;
  items_.push_back(std::move(text));
  binary_.push_back(-1);
  return *this;
}

Args& Args::add_string(std::string_view text) { return add_json(json_quote(text)); }

Args& Args::add_binary(std::string bytes) {
  validated_ = false;
  std::size_t num = attachments_.size();
  attachments_.push_back(std::move(bytes));
  items_.push_back(placeholder(num));
  binary_.push_back(int(num));
  return *this;
}

std::string Args::attach(std::string bytes) {
  validated_ = false;
  std::size_t num = attachments_.size();
  attachments_.push_back(std::move(bytes));
  return placeholder(num);
}

std::size_t Args::payload_size_hint() const {
  std::size_t n = 2;
  for (const auto& i : items_) n += i.size() + 1;
  return n;
}

void Args::append_payload(std::string& out, std::string_view event_name_literal) const {
  out += '[';
  bool first = true;
  if (!event_name_literal.empty()) {
    out += event_name_literal;
    first = false;
  }
  for (const auto& i : items_) {
    if (!first) out += ',';
    out += i;
    first = false;
  }
  out += ']';
}

std::string Args::to_payload(std::string_view event_name_literal) const {
  std::string out;
  out.reserve(payload_size_hint() + event_name_literal.size());
  append_payload(out, event_name_literal);
  return out;
}

Status Args::validate() const {
  if (validated_) return Ok{};
  JsonScanOptions options;
  options.find_placeholders = !attachments_.empty();
  std::vector<bool> used(attachments_.size(), false);
  for (const auto& item : items_) {
    // A text frame must be UTF-8 (RFC 6455): a client drops the whole
    // connection on invalid bytes, so bytes go as binary attachments.
    if (!is_valid_utf8(item))
      return make_error("bad_argument", "an argument is not valid UTF-8: send bytes as a binary argument");
    auto scan = scan_json(item, options);
    if (!scan) return make_error("bad_argument", "an argument is not valid JSON: " + scan.error().message);
    for (const auto& ph : scan->placeholders) {
      if (ph.num >= attachments_.size() || used[ph.num])
        return make_error("bad_argument", "a binary placeholder does not match the attachments");
      used[ph.num] = true;
    }
  }
  for (bool u : used)
    if (!u) return make_error("bad_argument", "an attachment is not referenced by any argument");
  return Ok{};
}

Args Args::from_elements(std::vector<std::string> elements, std::vector<int> binary_index,
                         std::vector<std::string> attachments) {
  Args a;
  a.items_ = std::move(elements);
  a.binary_ = std::move(binary_index);
  a.binary_.resize(a.items_.size(), -1);
  a.attachments_ = std::move(attachments);
  a.validated_ = true;
  return a;
}

namespace {
// The Engine.IO frame text "4<packet header><payload>", built in one string.
Frames build_frames(PacketType type, std::string_view nsp, std::optional<std::uint64_t> id, const Args& args,
                    std::string_view event_literal) {
  Packet header;
  header.type = type;
  header.nsp.assign(nsp);
  header.id = id;
  header.attachments = args.attachments().size();
  std::string text;
  text.reserve(args.payload_size_hint() + event_literal.size() + nsp.size() + 28);
  text += char(engineio::PacketType::message);
  encode_into(text, header);  // empty data: the header only
  args.append_payload(text, event_literal);
  auto frames = std::make_shared<std::vector<engineio::Frame>>();
  frames->reserve(1 + args.attachments().size());
  frames->push_back(engineio::Frame::text_from(std::move(text)));
  for (const auto& a : args.attachments()) frames->push_back(engineio::Frame::bytes(a));
  return frames;
}
}  // namespace

Result<Frames> encode_event(std::string_view nsp, std::string_view event, const Args& args,
                            std::optional<std::uint64_t> id) {
  if (is_reserved_event(event)) return make_error("bad_argument", "'" + std::string(event) + "' is a reserved event name");
  auto valid = args.validate();
  if (!valid) return valid.error();
  auto type = args.attachments().empty() ? PacketType::event : PacketType::binary_event;
  return build_frames(type, nsp, id, args, json_quote(event));
}

Result<Frames> encode_ack(std::string_view nsp, std::uint64_t id, const Args& args) {
  auto valid = args.validate();
  if (!valid) return valid.error();
  auto type = args.attachments().empty() ? PacketType::ack : PacketType::binary_ack;
  return build_frames(type, nsp, id, args, {});
}

}  // namespace berth::socketio
