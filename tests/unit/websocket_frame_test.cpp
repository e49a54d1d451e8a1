#include "net/websocket_frame.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

using namespace berth::net;
using Kind = WebSocketFrame::Kind;

namespace {

constexpr std::uint8_t kText = 1, kBinary = 2, kCont = 0, kClose = 8, kPing = 9, kPong = 10;

struct FrameSpec {
  std::uint8_t opcode = kText;
  bool fin = true;
  bool mask = true;
  std::uint8_t rsv = 0;                      // bits 0x70 of the first byte
  int length_bits = 0;                       // 0: shortest form, else 7, 16 or 64
  std::uint64_t length = ~std::uint64_t(0);  // the declared length, when not the payload's
  std::array<std::uint8_t, 4> key{0x37, 0xfa, 0x21, 0x3d};
};

// A client frame as it comes off the wire.
std::string frame(std::string_view payload, FrameSpec s = {}) {
  std::string out;
  out += char((s.fin ? 0x80 : 0) | s.rsv | s.opcode);
  std::uint64_t len = s.length != ~std::uint64_t(0) ? s.length : payload.size();
  int bits = s.length_bits ? s.length_bits : len < 126 ? 7 : len <= 0xFFFF ? 16 : 64;
  std::uint8_t m = s.mask ? 0x80 : 0;
  if (bits == 7) {
    out += char(m | len);
  } else if (bits == 16) {
    out += char(m | 126);
    out += char(len >> 8);
    out += char(len & 0xFF);
  } else {
    out += char(m | 127);
    for (int i = 0; i < 8; ++i) out += char(len >> (56 - 8 * i));
  }
  if (s.mask) {
    for (auto k : s.key) out += char(k);
    for (std::size_t i = 0; i < payload.size(); ++i) out += char(payload[i] ^ char(s.key[i & 3]));
  } else {
    out += payload;
  }
  return out;
}

std::string frame(std::uint8_t opcode, std::string_view payload, bool fin = true) {
  FrameSpec s;
  s.opcode = opcode;
  s.fin = fin;
  return frame(payload, s);
}

std::string close_payload(std::uint16_t code, std::string_view reason = "") {
  std::string p;
  p += char(code >> 8);
  p += char(code & 0xFF);
  p += reason;
  return p;
}

// One event per decoded frame, as text: "text:hello", "binary:..",
// "fragment", "ping:x", "pong:x", "close:1000:bye", "error:1002".
std::string describe(WebSocketFrameDecoder& d, const WebSocketFrame& f) {
  switch (f.kind) {
    case Kind::need_more:
      return "need_more";
    case Kind::fragment:
      return "fragment";
    case Kind::message: {
      bool binary = d.message_binary();
      return (binary ? "binary:" : "text:") + d.take_message();
    }
    case Kind::ping:
      return "ping:" + std::string(f.payload());
    case Kind::pong:
      return "pong:" + std::string(f.payload());
    case Kind::close:
      return "close:" + std::to_string(f.code) + ":" + std::string(f.reason());
    case Kind::error:
      return "error:" + std::to_string(f.code);
  }
  return "?";
}

// Decodes as WebSocket::Impl does: whatever is buffered, frame after frame,
// until a frame is incomplete or the connection ends (close or error).
struct Feeder {
  explicit Feeder(std::size_t max = 1'000'000) : max_message(max) {}
  WebSocketFrameDecoder decoder;
  std::size_t max_message;
  std::string pending;
  std::vector<std::string> events;
  bool ended = false;

  void feed(std::string_view bytes) {
    ASSERT_FALSE(ended) << "fed after the end";
    pending.append(bytes);
    std::string_view v = pending;
    while (true) {
      auto before = v.size();
      WebSocketFrame f = decoder.next(v, max_message);
      if (f.kind == Kind::need_more) {
        EXPECT_EQ(v.size(), before) << "need_more consumed bytes";
        if (decoder.needed() != 0) {
          EXPECT_GT(decoder.needed(), v.size());
        }
        break;
      }
      events.push_back(describe(decoder, f));
      if (f.kind == Kind::error || f.kind == Kind::close) {
        ended = true;
        break;
      }
      EXPECT_LT(v.size(), before) << "a frame consumed nothing";
    }
    pending.erase(0, pending.size() - v.size());
  }
  void feed_bytewise(std::string_view bytes) {
    for (char c : bytes) {
      if (ended) return;
      feed(std::string_view(&c, 1));
    }
  }
};

std::vector<std::string> decode_all(std::string_view bytes, std::size_t max = 1'000'000) {
  Feeder f(max);
  f.feed(bytes);
  return f.events;
}

using Events = std::vector<std::string>;

}  // namespace

// ---- masking ----

TEST(WebSocketFrame, MaskedTextFrameIsUnmasked) {
  std::string wire = frame(kText, "Hello");
  EXPECT_EQ(wire.substr(6).find("Hello"), std::string::npos);  // really masked on the wire
  EXPECT_EQ(decode_all(wire), Events{"text:Hello"});
}

TEST(WebSocketFrame, EveryMaskKeyByteIsUsed) {
  FrameSpec s;
  s.key = {0x01, 0x02, 0x03, 0x04};
  EXPECT_EQ(decode_all(frame("abcdefghi", s)), Events{"text:abcdefghi"});
  s.key = {0, 0, 0, 0};
  EXPECT_EQ(decode_all(frame("abcdefghi", s)), Events{"text:abcdefghi"});
}

TEST(WebSocketFrame, ServerRejectsUnmaskedClientFrames) {
  for (std::uint8_t op : {kText, kBinary, kPing, kPong, kClose}) {
    FrameSpec s;
    s.opcode = op;
    s.mask = false;
    WebSocketFrameDecoder d;
    std::string wire = frame("x", s);
    std::string_view v = wire;
    auto f = d.next(v, 100);
    EXPECT_EQ(f.kind, Kind::error) << int(op);
    EXPECT_EQ(f.code, websocket_close::protocol_error);
    EXPECT_EQ(v.size(), wire.size()) << "an error consumes nothing";
  }
}

TEST(WebSocketFrame, UnmaskedFrameIsRefusedFromItsFirstTwoBytes) {
  FrameSpec s;
  s.mask = false;
  std::string wire = frame(std::string(1000, 'a'), s);
  EXPECT_EQ(decode_all(wire.substr(0, 2)), Events{"error:1002"});
}

// ---- lengths ----

TEST(WebSocketFrame, SevenBitLengths) {
  for (std::size_t n : {0, 1, 125}) {
    auto e = decode_all(frame(kBinary, std::string(n, 'b')));
    EXPECT_EQ(e, Events{"binary:" + std::string(n, 'b')}) << n;
  }
}

TEST(WebSocketFrame, SixteenBitLengths) {
  for (std::size_t n : {126, 127, 1000, 65535}) {
    std::string wire = frame(kBinary, std::string(n, 'x'));
    ASSERT_EQ(std::uint8_t(wire[1]), 0x80 | 126);
    EXPECT_EQ(decode_all(wire), Events{"binary:" + std::string(n, 'x')}) << n;
  }
}

TEST(WebSocketFrame, SixtyFourBitLengths) {
  for (std::size_t n : {65536, 70000}) {
    std::string wire = frame(kText, std::string(n, 'y'));
    ASSERT_EQ(std::uint8_t(wire[1]), 0x80 | 127);
    EXPECT_EQ(decode_all(wire), Events{"text:" + std::string(n, 'y')}) << n;
  }
}

TEST(WebSocketFrame, SixtyFourBitLengthWithTopBitIsProtocolError) {
  FrameSpec s;
  s.length_bits = 64;
  s.length = std::uint64_t(1) << 63;
  EXPECT_EQ(decode_all(frame("", s)), Events{"error:1002"});
}

TEST(WebSocketFrame, HugeDeclaredLengthIsTooLargeBeforeThePayload) {
  FrameSpec s;
  s.length_bits = 64;
  s.length = (std::uint64_t(1) << 63) - 1;
  std::string wire = frame("", s);  // only the header
  EXPECT_EQ(decode_all(wire, 1000), Events{"error:1009"});
}

TEST(WebSocketFrame, NeededTellsTheHeaderThenTheWholeFrame) {
  std::string wire = frame(kText, std::string(300, 'z'));  // 2 + 2 + 4 + 300
  WebSocketFrameDecoder d;
  std::string_view v = std::string_view(wire).substr(0, 1);
  EXPECT_EQ(d.next(v, 1000).kind, Kind::need_more);
  EXPECT_EQ(d.needed(), 0u);
  v = std::string_view(wire).substr(0, 3);
  EXPECT_EQ(d.next(v, 1000).kind, Kind::need_more);
  EXPECT_EQ(d.needed(), 8u);
  v = std::string_view(wire).substr(0, 8);
  EXPECT_EQ(d.next(v, 1000).kind, Kind::need_more);
  EXPECT_EQ(d.needed(), 308u);
  v = std::string_view(wire).substr(0, 307);
  EXPECT_EQ(d.next(v, 1000).kind, Kind::need_more);
  EXPECT_EQ(v.size(), 307u);
  v = wire;
  EXPECT_EQ(d.next(v, 1000).kind, Kind::message);
  EXPECT_TRUE(v.empty());
  EXPECT_EQ(d.needed(), 0u);
  EXPECT_EQ(d.take_message(), std::string(300, 'z'));
}

// ---- fragmentation ----

TEST(WebSocketFrame, FragmentedMessageWithInterleavedPing) {
  std::string wire = frame(kText, "Hel", false) + frame(kPing, "are you there") + frame(kCont, "lo, ", false) +
                     frame(kPong, "") + frame(kCont, "world");
  EXPECT_EQ(decode_all(wire), (Events{"fragment", "ping:are you there", "fragment", "pong:", "text:Hello, world"}));
}

TEST(WebSocketFrame, FragmentedBinaryMessageKeepsItsType) {
  std::string wire = frame(kBinary, "\x01\x02", false) + frame(kCont, "", false) + frame(kCont, "\x03");
  EXPECT_EQ(decode_all(wire), (Events{"fragment", "fragment", "binary:\x01\x02\x03"}));
}

TEST(WebSocketFrame, InMessageBetweenFirstAndLastFragment) {
  WebSocketFrameDecoder d;
  std::string wire = frame(kText, "a", false);
  std::string_view v = wire;
  EXPECT_FALSE(d.in_message());
  EXPECT_EQ(d.next(v, 100).kind, Kind::fragment);
  EXPECT_TRUE(d.in_message());
  wire = frame(kCont, "b");
  v = wire;
  EXPECT_EQ(d.next(v, 100).kind, Kind::message);
  EXPECT_FALSE(d.in_message());
  EXPECT_EQ(d.take_message(), "ab");
}

TEST(WebSocketFrame, ContinuationWithoutStartIsProtocolError) {
  EXPECT_EQ(decode_all(frame(kCont, "x")), Events{"error:1002"});
  EXPECT_EQ(decode_all(frame(kCont, "x", false)), Events{"error:1002"});
  // and after a complete message
  EXPECT_EQ(decode_all(frame(kText, "a") + frame(kCont, "b")), (Events{"text:a", "error:1002"}));
}

TEST(WebSocketFrame, NewDataFrameInsideAFragmentedMessageIsProtocolError) {
  EXPECT_EQ(decode_all(frame(kText, "a", false) + frame(kText, "b")), (Events{"fragment", "error:1002"}));
  EXPECT_EQ(decode_all(frame(kText, "a", false) + frame(kBinary, "b")), (Events{"fragment", "error:1002"}));
}

// ---- control frames ----

TEST(WebSocketFrame, ControlFramePayloadUpTo125Bytes) {
  std::string p(125, 'p');
  EXPECT_EQ(decode_all(frame(kPing, p)), Events{"ping:" + p});
  EXPECT_EQ(decode_all(frame(kPong, p)), Events{"pong:" + p});
}

TEST(WebSocketFrame, ControlFrameOver125BytesIsProtocolError) {
  for (std::uint8_t op : {kPing, kPong, kClose}) {
    EXPECT_EQ(decode_all(frame(op, std::string(126, 'p'))), Events{"error:1002"}) << int(op);
    // refused on the header alone
    EXPECT_EQ(decode_all(frame(op, std::string(126, 'p')).substr(0, 8)), Events{"error:1002"}) << int(op);
  }
}

TEST(WebSocketFrame, ControlFrameLengthIsNotCappedByTheMessageLimit) {
  // A 64-bit length of 100 on a ping, with a message limit below it: the
  // frame is 100 bytes long (the decoder once capped the length to limit+1
  // before the control check and lost the frame boundary).
  FrameSpec s;
  s.opcode = kPing;
  s.length_bits = 64;
  std::string p(100, 'q');
  EXPECT_EQ(decode_all(frame(p, s) + frame(kText, "after"), 10), (Events{"ping:" + p, "text:after"}));
  s.length = 200;
  EXPECT_EQ(decode_all(frame(p, s), 10), Events{"error:1002"});
}

TEST(WebSocketFrame, FragmentedControlFrameIsProtocolError) {
  for (std::uint8_t op : {kPing, kPong, kClose})
    EXPECT_EQ(decode_all(frame(op, "", false)), Events{"error:1002"}) << int(op);
}

TEST(WebSocketFrame, ReservedBitsAreProtocolError) {
  for (std::uint8_t rsv : {0x40, 0x20, 0x10, 0x70}) {
    for (std::uint8_t op : {kText, kPing}) {
      FrameSpec s;
      s.rsv = rsv;
      s.opcode = op;
      EXPECT_EQ(decode_all(frame("x", s)), Events{"error:1002"}) << int(rsv) << " " << int(op);
    }
  }
}

TEST(WebSocketFrame, UnknownOpcodesAreProtocolError) {
  for (std::uint8_t op : {3, 4, 5, 6, 7, 11, 12, 13, 14, 15})
    EXPECT_EQ(decode_all(frame(op, "x")), Events{"error:1002"}) << int(op);
}

// ---- close ----

TEST(WebSocketFrame, CloseWithoutPayloadHasNoStatus) {
  EXPECT_EQ(decode_all(frame(kClose, "")), Events{"close:1005:"});
}

TEST(WebSocketFrame, CloseCodeAndReason) {
  EXPECT_EQ(decode_all(frame(kClose, close_payload(1000, "bye"))), Events{"close:1000:bye"});
  EXPECT_EQ(decode_all(frame(kClose, close_payload(4001, "fin \xc3\xa9"))), Events{"close:4001:fin \xc3\xa9"});
  std::string reason(123, 'r');  // the most that fits
  EXPECT_EQ(decode_all(frame(kClose, close_payload(1001, reason))), Events{"close:1001:" + reason});
}

TEST(WebSocketFrame, CloseEndsDecodingOfWhatFollows) {
  Feeder f;
  f.feed(frame(kText, "a") + frame(kClose, close_payload(1000)) + frame(kText, "b"));
  EXPECT_EQ(f.events, (Events{"text:a", "close:1000:"}));
}

TEST(WebSocketFrame, ValidCloseCodes) {
  for (std::uint16_t c : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999})
    EXPECT_EQ(decode_all(frame(kClose, close_payload(c))), Events{"close:" + std::to_string(c) + ":"}) << c;
}

TEST(WebSocketFrame, InvalidCloseCodesAreProtocolError) {
  for (std::uint16_t c : {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535})
    EXPECT_EQ(decode_all(frame(kClose, close_payload(c))), Events{"error:1002"}) << c;
}

TEST(WebSocketFrame, OneByteClosePayloadIsProtocolError) {
  EXPECT_EQ(decode_all(frame(kClose, "\x03")), Events{"error:1002"});
}

TEST(WebSocketFrame, CloseReasonMustBeUtf8) {
  EXPECT_EQ(decode_all(frame(kClose, close_payload(1000, "\xff"))), Events{"error:1002"});
  EXPECT_EQ(decode_all(frame(kClose, close_payload(1000, "ok \xc3"))), Events{"error:1002"});
}

// ---- size limit ----

TEST(WebSocketFrame, MessageAtTheLimitIsAccepted) {
  EXPECT_EQ(decode_all(frame(kText, std::string(100, 'a')), 100), Events{"text:" + std::string(100, 'a')});
  EXPECT_EQ(decode_all(frame(kText, ""), 0), Events{"text:"});
}

TEST(WebSocketFrame, MessageOverTheLimitIsTooLarge) {
  EXPECT_EQ(decode_all(frame(kText, std::string(101, 'a')), 100), Events{"error:1009"});
  EXPECT_EQ(decode_all(frame(kBinary, "x"), 0), Events{"error:1009"});
}

TEST(WebSocketFrame, TooLargeIsKnownFromTheHeader) {
  std::string wire = frame(kBinary, std::string(5000, 'a'));
  WebSocketFrameDecoder d;
  std::string_view v = std::string_view(wire).substr(0, 8);  // 2 + 2 + 4: header only
  auto f = d.next(v, 4999);
  EXPECT_EQ(f.kind, Kind::error);
  EXPECT_EQ(f.code, websocket_close::too_big);
}

TEST(WebSocketFrame, FragmentsCountTowardsTheLimit) {
  std::string at = frame(kText, std::string(60, 'a'), false) + frame(kCont, std::string(40, 'b'));
  EXPECT_EQ(decode_all(at, 100), (Events{"fragment", "text:" + std::string(60, 'a') + std::string(40, 'b')}));
  std::string over = frame(kText, std::string(60, 'a'), false) + frame(kCont, std::string(41, 'b'));
  EXPECT_EQ(decode_all(over, 100), (Events{"fragment", "error:1009"}));
  // refused as soon as the second fragment's header is here
  EXPECT_EQ(decode_all(over.substr(0, 66 + 6), 100), (Events{"fragment", "error:1009"}));
}

TEST(WebSocketFrame, ControlFramesDoNotCountTowardsTheLimit) {
  std::string wire = frame(kText, std::string(10, 'a'), false) + frame(kPing, std::string(50, 'p')) +
                     frame(kCont, std::string(10, 'b'));
  EXPECT_EQ(decode_all(wire, 20), (Events{"fragment", "ping:" + std::string(50, 'p'), "text:aaaaaaaaaabbbbbbbbbb"}));
}

TEST(WebSocketFrame, LimitAppliesPerMessage) {
  std::string wire = frame(kText, std::string(10, 'a')) + frame(kText, std::string(10, 'b'));
  EXPECT_EQ(decode_all(wire, 10), (Events{"text:" + std::string(10, 'a'), "text:" + std::string(10, 'b')}));
}

// ---- UTF-8 ----

TEST(WebSocketFrame, InvalidUtf8TextIsInvalidData) {
  for (std::string bad : {"\xff", "\xc3", "a\x80", "\xed\xa0\x80" /* surrogate */, "\xc0\xaf" /* overlong */,
                          "\xf4\x90\x80\x80" /* > U+10FFFF */}) {
    EXPECT_EQ(decode_all(frame(kText, bad)), Events{"error:1007"});
    EXPECT_EQ(decode_all(frame(kBinary, bad)), Events{"binary:" + bad}) << "binary is not checked";
  }
}

TEST(WebSocketFrame, Utf8CharacterSplitAcrossFragmentsIsValid) {
  // U+20AC (euro sign, e2 82 ac) and U+1F600 (f0 9f 98 80), cut mid-character
  std::string wire = frame(kText, "\xe2\x82", false) + frame(kCont, "\xac\xf0", false) + frame(kCont, "\x9f\x98\x80");
  EXPECT_EQ(decode_all(wire), (Events{"fragment", "fragment", "text:\xe2\x82\xac\xf0\x9f\x98\x80"}));
}

TEST(WebSocketFrame, InvalidUtf8SplitAcrossFragmentsIsInvalidData) {
  // Each fragment alone could be the start or the end of a character; together they are not UTF-8.
  std::string truncated = frame(kText, "ok \xe2\x82", false) + frame(kCont, "!");
  EXPECT_EQ(decode_all(truncated), (Events{"fragment", "error:1007"}));
  std::string stray = frame(kText, "ok", false) + frame(kCont, "\x82\xac");
  EXPECT_EQ(decode_all(stray), (Events{"fragment", "error:1007"}));
  // an incomplete character at the very end of the message
  std::string unfinished = frame(kText, "\xf0\x9f", false) + frame(kCont, "\x98");
  EXPECT_EQ(decode_all(unfinished), (Events{"fragment", "error:1007"}));
}

// ---- pipelining and feeding ----

TEST(WebSocketFrame, PipelinedFramesInOneBuffer) {
  std::string wire = frame(kText, "one") + frame(kBinary, "two") + frame(kPing, "3") + frame(kText, "four", false) +
                     frame(kCont, "!") + frame(kClose, close_payload(1000, "done"));
  Feeder f;
  f.feed(wire);
  EXPECT_EQ(f.events, (Events{"text:one", "binary:two", "ping:3", "fragment", "text:four!", "close:1000:done"}));
  EXPECT_TRUE(f.pending.empty());
}

TEST(WebSocketFrame, TrailingPartialFrameWaits) {
  std::string second = frame(kText, "second");
  Feeder f;
  f.feed(frame(kText, "first") + second.substr(0, 5));
  EXPECT_EQ(f.events, Events{"text:first"});
  EXPECT_EQ(f.pending, second.substr(0, 5));
  f.feed(second.substr(5));
  EXPECT_EQ(f.events, (Events{"text:first", "text:second"}));
  EXPECT_TRUE(f.pending.empty());
}

TEST(WebSocketFrame, ByteByByteFeedingGivesTheSameFrames) {
  std::vector<std::string> inputs = {
      frame(kText, "Hel", false) + frame(kPing, "p") + frame(kCont, "lo") + frame(kBinary, std::string(300, 'b')) +
          frame(kText, std::string(70000, 'c')) + frame(kPong, "") + frame(kClose, close_payload(1001, "away")),
      frame(kText, "x", false) + frame(kCont, std::string(200, 'y')),  // over the limit
      frame(kText, "\xe2\x82", false) + frame(kCont, "\xac") + frame(kText, "\xff"),
      frame(kCont, "x"),
  };
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    Feeder whole(100'000), bytewise(100'000);
    if (i == 1) whole.max_message = bytewise.max_message = 150;
    whole.feed(inputs[i]);
    bytewise.feed_bytewise(inputs[i]);
    EXPECT_EQ(bytewise.events, whole.events) << i;
    EXPECT_FALSE(whole.events.empty());
  }
}

TEST(WebSocketFrame, TakeMessageLeavesTheDecoderEmpty) {
  WebSocketFrameDecoder d;
  std::string wire = frame(kBinary, "abc") + frame(kText, "de");
  std::string_view v = wire;
  ASSERT_EQ(d.next(v, 100).kind, Kind::message);
  EXPECT_TRUE(d.message_binary());
  EXPECT_EQ(d.take_message(), "abc");
  EXPECT_EQ(d.take_message(), "");
  ASSERT_EQ(d.next(v, 100).kind, Kind::message);
  EXPECT_FALSE(d.message_binary());
  EXPECT_EQ(d.take_message(), "de");
}

// ---- the server's frame headers ----

TEST(WebSocketFrame, ServerHeaderUsesTheShortestLengthForm) {
  unsigned char h[10];
  ASSERT_EQ(write_websocket_frame_header(h, WebSocketOpcode::text, 0), 2u);
  EXPECT_EQ(h[0], 0x81);
  EXPECT_EQ(h[1], 0);
  ASSERT_EQ(write_websocket_frame_header(h, WebSocketOpcode::binary, 125), 2u);
  EXPECT_EQ(h[0], 0x82);
  EXPECT_EQ(h[1], 125);
  ASSERT_EQ(write_websocket_frame_header(h, WebSocketOpcode::pong, 126), 4u);
  EXPECT_EQ(h[0], 0x8A);
  EXPECT_EQ(h[1], 126);
  EXPECT_EQ(h[2], 0);
  EXPECT_EQ(h[3], 126);
  ASSERT_EQ(write_websocket_frame_header(h, WebSocketOpcode::text, 65535), 4u);
  EXPECT_EQ(h[2], 0xFF);
  EXPECT_EQ(h[3], 0xFF);
  ASSERT_EQ(write_websocket_frame_header(h, WebSocketOpcode::close, 65536), 10u);
  EXPECT_EQ(h[0], 0x88);
  EXPECT_EQ(h[1], 127);
  EXPECT_EQ((std::array<unsigned char, 8>{h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9]}),
            (std::array<unsigned char, 8>{0, 0, 0, 0, 0, 1, 0, 0}));
}

TEST(WebSocketFrame, ServerFrameIsRefusedByTheDecoderOnlyForItsMissingMask) {
  // A server frame echoed back: the decoder sees the same header fields, unmasked.
  unsigned char h[10];
  auto n = write_websocket_frame_header(h, WebSocketOpcode::text, 3);
  std::string wire(reinterpret_cast<char*>(h), n);
  wire += "abc";
  EXPECT_EQ(decode_all(wire), Events{"error:1002"});
  wire[1] = char(wire[1] | 0x80);
  wire.insert(2, std::string(4, '\0'));  // a zero mask key
  EXPECT_EQ(decode_all(wire), Events{"text:abc"});
}
