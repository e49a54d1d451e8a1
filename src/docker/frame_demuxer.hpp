#pragma once
// Docker multiplexes stdout and stderr of a container or exec without a TTY
// onto one stream: each frame is an 8-byte header (stream id, three zero
// bytes, big-endian length) and the payload. `FrameDemuxer` takes bytes as
// they arrive, in pieces of any size, and hands out whole or partial
// payloads with their stream id. Pure: no I/O, so it is unit-tested and
// fuzzable.
#include <cstdint>
#include <functional>
#include <string_view>

namespace berth::docker {

enum class StreamId : std::uint8_t { stdin_ = 0, stdout_ = 1, stderr_ = 2, system = 3 };

class FrameDemuxer {
 public:
  using Sink = std::function<void(StreamId, std::string_view)>;
  // Feeds raw bytes; calls sink for every payload piece they complete.
  // False when the stream is not framed as Docker frames it (a bad header).
  bool feed(std::string_view bytes, const Sink& sink);
  bool in_frame() const { return remaining_ > 0 || header_len_ > 0; }

 private:
  unsigned char header_[8]{};
  std::size_t header_len_ = 0;
  std::uint32_t remaining_ = 0;
  StreamId current_ = StreamId::stdout_;
};

}  // namespace berth::docker
