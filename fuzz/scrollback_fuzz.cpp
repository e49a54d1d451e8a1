// Terminal output of arbitrary bytes, in arbitrary chunks, through a
// ScrollbackRing of a small size: after every append the snapshot is exactly
// the stream from its offset to the end (so live output from end_offset()
// joins it with nothing lost or repeated), lies within what the ring holds,
// and starts where a parser run over the whole stream from its first byte is
// at a boundary (never inside a UTF-8 or escape sequence).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "terminal/output_boundary.hpp"
#include "terminal/scrollback_ring.hpp"

using namespace berth::terminal;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  // Byte 0: the ring's size; byte 1: the chunk length (1-64); the rest: the output.
  std::size_t capacity = 1 + data[0] % 200;
  std::size_t chunk = 1 + data[1] % 64;
  std::string_view stream(reinterpret_cast<const char*>(data) + 2, size - 2);
  std::vector<bool> boundary{true};
  OutputBoundary reference;
  for (unsigned char c : stream) {
    reference.feed(c);
    boundary.push_back(reference.at_boundary());
  }
  ScrollbackRing ring(capacity);
  for (std::size_t at = 0; at < stream.size();) {
    auto piece = stream.substr(at, chunk);
    ring.append(piece);
    at += piece.size();
    auto snap = ring.snapshot();
    if (ring.end_offset() != at) std::abort();
    if (snap.offset + snap.bytes.size() != at) std::abort();
    if (snap.offset < ring.start_offset() && !snap.bytes.empty()) std::abort();
    if (snap.bytes != stream.substr(std::size_t(snap.offset), snap.bytes.size())) std::abort();
    if (!snap.bytes.empty() && !boundary[std::size_t(snap.offset)]) std::abort();
  }
  return 0;
}
