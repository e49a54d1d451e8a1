// Engine.IO codec: decoding never crashes, and whatever decodes re-encodes to
// something that decodes to the same packets.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engineio/packet.hpp"

using namespace berth::engineio;

namespace {
void check(bool ok) {
  if (!ok) __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);

  (void)decode_frame(in, false);
  auto binary = decode_frame(in, true);
  check(binary.ok() && binary->data == in);

  auto packets = decode_payload(in, 1024);
  if (!packets) return 0;
  std::vector<Frame> frames;
  for (const auto& p : *packets)
    frames.push_back(p.binary ? Frame::bytes(p.data) : Frame::control(p.type, p.data));
  auto again = decode_payload(encode_payload(frames), 1024);
  check(again.ok() && again->size() == packets->size());
  for (std::size_t i = 0; i < packets->size(); ++i) {
    const auto& a = (*packets)[i];
    const auto& b = (*again)[i];
    check(a.type == b.type && a.binary == b.binary && a.data == b.data);
  }
  return 0;
}
