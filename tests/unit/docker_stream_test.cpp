// Docker's stdout/stderr framing, fed in every possible split.
#include <gtest/gtest.h>

#include "docker/frame_demuxer.hpp"

using namespace berth::docker;

namespace {
std::string frame(int stream, const std::string& payload) {
  std::string h(8, '\0');
  h[0] = char(stream);
  auto n = payload.size();
  h[4] = char(n >> 24), h[5] = char(n >> 16), h[6] = char(n >> 8), h[7] = char(n);
  return h + payload;
}
}  // namespace

TEST(FrameDemuxer, SplitsStreamsWhateverTheReadSizes) {
  std::string wire = frame(1, "hello ") + frame(2, "oops") + frame(1, "") + frame(1, std::string(70000, 'x'));
  for (std::size_t step : {1u, 3u, 7u, 8u, 9u, 4096u, 100000u}) {
    FrameDemuxer d;
    std::string out, err;
    for (std::size_t i = 0; i < wire.size(); i += step) {
      ASSERT_TRUE(d.feed(std::string_view(wire).substr(i, step),
                         [&](StreamId id, std::string_view p) { (id == StreamId::stderr_ ? err : out).append(p); }));
    }
    EXPECT_EQ(out, "hello " + std::string(70000, 'x')) << step;
    EXPECT_EQ(err, "oops") << step;
    EXPECT_FALSE(d.in_frame());
  }
}

TEST(FrameDemuxer, RefusesAStreamThatIsNotFramed) {
  FrameDemuxer d;
  EXPECT_FALSE(d.feed("plain text output", [](StreamId, std::string_view) {}));
}
