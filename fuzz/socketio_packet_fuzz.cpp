// Socket.IO codec and the raw-JSON scanner: decoding never crashes, a packet
// that decodes re-encodes to one that decodes the same, and the arguments of
// a valid event re-encode to a valid event.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "socketio/args.hpp"
#include "socketio/json_text.hpp"
#include "socketio/packet.hpp"

using namespace berth::socketio;

namespace {
void check(bool ok) {
  if (!ok) __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);

  JsonScanOptions scan_options;
  scan_options.find_placeholders = true;
  if (auto scan = scan_json(in, scan_options)) {
    for (auto element : scan->elements) {
      check(is_json(element));
      if (auto text = json_unquote(element)) check(json_unquote(json_quote(*text)).value_or("\x01") == *text);
    }
  }

  auto p = decode(in);
  if (!p) return 0;
  auto again = decode(encode(*p));
  check(again.ok());
  check(again->type == p->type && again->nsp == p->nsp && again->id == p->id &&
        again->attachments == p->attachments && again->data == p->data);

  if (p->type == PacketType::event || p->type == PacketType::binary_event) {
    bool binary = p->type == PacketType::binary_event;
    JsonScanOptions o;
    o.find_placeholders = binary;
    auto scan = scan_json(p->data, o);
    check(scan.ok() && !scan->elements.empty());
    auto name = json_unquote(scan->elements[0]);
    check(name.has_value());
    std::vector<std::string> items;
    std::vector<int> whole;
    for (std::size_t i = 1; i < scan->elements.size(); ++i) {
      items.emplace_back(scan->elements[i]);
      whole.push_back(-1);
    }
    for (const auto& ph : scan->placeholders)
      if (ph.whole_element && ph.element >= 1) whole[ph.element - 1] = int(ph.num);
    Args args = Args::from_elements(std::move(items), std::move(whole),
                                    std::vector<std::string>(p->attachments, std::string("x")));
    auto frames = encode_event(p->nsp, *name, args, p->id);
    check(frames.ok());
    auto text = std::string_view(*(*frames.value())[0].data).substr(1);  // past Engine.IO's "4"
    auto back = decode(text);
    check(back.ok() && back->nsp == p->nsp && back->id == p->id && back->attachments == p->attachments);
  }
  return 0;
}
