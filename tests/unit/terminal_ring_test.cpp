// Terminal scrollback: where a replay may start (never inside a UTF-8 or an
// escape sequence), and offsets that make replay + live output one run.
#include <gtest/gtest.h>

#include <random>

#include "terminal/output_boundary.hpp"
#include "terminal/scrollback_ring.hpp"

using namespace berth::terminal;

namespace {
// After which bytes of `s` a replay may start ("1" at a boundary).
std::string boundaries(std::string_view s) {
  OutputBoundary b;
  std::string out;
  for (unsigned char c : s) {
    b.feed(c);
    out += b.at_boundary() ? '1' : '0';
  }
  return out;
}

// boundary_at[i]: may a replay start at offset i of the whole stream?
std::vector<bool> starts(std::string_view s) {
  std::vector<bool> at{true};
  OutputBoundary b;
  for (unsigned char c : s) {
    b.feed(c);
    at.push_back(b.at_boundary());
  }
  return at;
}

// Text, UTF-8 of every length, colours, titles, hyperlinks, charset picks.
std::string terminal_noise(std::size_t pieces, unsigned seed) {
  const char* parts[] = {"plain text ",
                         "\r\n",
                         "é",
                         "€",
                         "😀",
                         "\x1b[31m",
                         "\x1b[38;5;196m",
                         "\x1b[?25l",
                         "\x1b[0m",
                         "\x1b]0;a title\x07",
                         "\x1b]8;;http://x/\x1b\\",
                         "\x1b(B",
                         "\0337",
                         "\x1bPq#0;2;0;0;0\x1b\\",
                         "tab\t",
                         "\x1b[2J\x1b[H"};
  std::mt19937 rng(seed);
  std::string out;
  for (std::size_t i = 0; i < pieces; ++i) out += parts[rng() % std::size(parts)];
  return out;
}
}  // namespace

TEST(OutputBoundary, Utf8SequencesAreWhole) {
  EXPECT_EQ(boundaries("a"), "1");
  EXPECT_EQ(boundaries("\xC3\xA9"), "01");            // é
  EXPECT_EQ(boundaries("\xE2\x82\xAC"), "001");       // €
  EXPECT_EQ(boundaries("\xF0\x9F\x98\x80"), "0001");  // 😀
  EXPECT_EQ(boundaries("\xC3\x41"), "01");            // a broken sequence ends at the next byte that is not its own
  EXPECT_EQ(boundaries("\x80\xFF"), "11");            // stray bytes stand alone
}

TEST(OutputBoundary, EscapeSequencesAreWhole) {
  EXPECT_EQ(boundaries("\x1b[31m"), "00001");
  EXPECT_EQ(boundaries("\x1b[?25h"), "000001");
  EXPECT_EQ(boundaries("\0337"), "01");                     // ESC x
  EXPECT_EQ(boundaries("\x1b(B"), "001");                   // ESC with an intermediate
  EXPECT_EQ(boundaries("\x1b]0;t\x07"), "000001");          // OSC ended by BEL
  EXPECT_EQ(boundaries("\x1b]0;t\x1b\\"), "0000001");       // ... and by ST
  EXPECT_EQ(boundaries("\x1bPq\x1b\\"), "00001");           // DCS
  EXPECT_EQ(boundaries("\x1b]0;\xC3\xA9\x07"), "0000001");  // UTF-8 inside a string is the string's
  EXPECT_EQ(boundaries("\x1b[1\x1b[2m"), "0000001");        // ESC restarts a sequence ...
  EXPECT_EQ(boundaries("\x1b[12\x18\x61"), "000011");       // CAN aborts one
  EXPECT_EQ(boundaries("\x1b]0;t\x1b[m"), "00000001");      // an OSC left by a new CSI
}

TEST(ScrollbackRing, OffsetsCountEveryByteEverAppended) {
  ScrollbackRing ring(16);
  EXPECT_EQ(ring.end_offset(), 0u);
  auto empty = ring.snapshot();
  EXPECT_EQ(empty.offset, 0u);
  EXPECT_EQ(empty.bytes, "");
  ring.append("hello ");
  ring.append("world");
  EXPECT_EQ(ring.end_offset(), 11u);
  auto s = ring.snapshot();
  EXPECT_EQ(s.offset, 0u);
  EXPECT_EQ(s.bytes, "hello world");
  ring.append("0123456789");  // 21 bytes in all: the first 5 are dropped
  EXPECT_EQ(ring.end_offset(), 21u);
  EXPECT_EQ(ring.start_offset(), 5u);
  s = ring.snapshot();
  EXPECT_EQ(s.offset, 5u);
  EXPECT_EQ(s.bytes, " world0123456789");
  ring.append(std::string(100, 'z'));  // one append larger than the ring
  s = ring.snapshot();
  EXPECT_EQ(ring.end_offset(), 121u);
  EXPECT_EQ(s.offset, 105u);
  EXPECT_EQ(s.bytes, std::string(16, 'z'));
}

TEST(ScrollbackRing, CutThroughUtf8StartsAtTheNextCharacter) {
  ScrollbackRing ring(15);
  ring.append("x");
  ring.append("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9");  // é at 1-2, 3-4, …
  EXPECT_EQ(ring.start_offset(), 2u) << "17 bytes in a ring of 15: it holds the first é's second byte";
  auto s = ring.snapshot();
  EXPECT_EQ(s.offset, 3u);  // the second é
  EXPECT_EQ(s.bytes, std::string("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"));
}

TEST(ScrollbackRing, CutThroughAnEscapeSequenceStartsAfterIt) {
  ScrollbackRing ring(16);
  ring.append("AA\x1b[38;5;196mBBBBBBBBBB");  // 2 + 11 + 10 = 23: the ring starts at "5;196m"
  EXPECT_EQ(ring.start_offset(), 7u);
  auto s = ring.snapshot();
  EXPECT_EQ(s.bytes, "BBBBBBBBBB");
  EXPECT_EQ(s.offset, 13u);
  ring.append("\x1b]0;a long window title that fills the ring");  // an OSC still open
  s = ring.snapshot();
  EXPECT_EQ(s.bytes, "") << "no safe start inside the ring: an empty replay, live output follows";
  EXPECT_EQ(s.offset, ring.end_offset());
  ring.append("\x07ok");
  s = ring.snapshot();
  EXPECT_EQ(s.bytes, "ok");
  EXPECT_EQ(s.offset + s.bytes.size(), ring.end_offset());
}

// Whatever the stream, ring size and chunking: a snapshot is exactly the
// stream from its offset to the end (so live output from end_offset joins
// it seamlessly), starts at a boundary, and gives up little of the ring.
TEST(ScrollbackRing, SnapshotsAreSafeAndContiguousWhateverTheCut) {
  for (unsigned seed = 1; seed <= 20; ++seed) {
    auto stream = terminal_noise(400, seed);
    auto safe = starts(stream);
    for (std::size_t capacity : {16u, 64u, 100u, 1024u, 4096u, 1u << 16}) {
      ScrollbackRing ring(capacity);
      std::mt19937 rng(seed * 7 + unsigned(capacity));
      std::size_t at = 0;
      while (at < stream.size()) {
        std::size_t n = std::min<std::size_t>(stream.size() - at, 1 + rng() % 300);
        ring.append(std::string_view(stream).substr(at, n));
        at += n;
        ASSERT_EQ(ring.end_offset(), at);
        auto s = ring.snapshot();
        ASSERT_EQ(s.offset + s.bytes.size(), at);
        ASSERT_GE(s.offset, ring.start_offset());
        ASSERT_EQ(s.bytes, stream.substr(s.offset, s.bytes.size())) << seed << "/" << capacity;
        ASSERT_TRUE(safe[s.offset]) << "replay starts inside a sequence at " << s.offset << " (seed " << seed
                                    << ", capacity " << capacity << ")";
        // At most one spacing plus the longest sequence here (DCS, 17 bytes) is given up.
        if (s.offset != at) {
          ASSERT_LE(s.offset - ring.start_offset(), ring.spacing() + 20);
        }
      }
    }
  }
}
