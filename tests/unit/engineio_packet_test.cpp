#include <gtest/gtest.h>

#include "engineio/packet.hpp"

using namespace berth::engineio;

TEST(EngineioPacket, DecodesEveryTextType) {
  for (char c = '0'; c <= '6'; ++c) {
    auto p = decode_frame(std::string(1, c) + "data", false);
    ASSERT_TRUE(p.ok()) << c;
    EXPECT_EQ(char(p->type), c);
    EXPECT_EQ(p->data, "data");
    EXPECT_FALSE(p->binary);
  }
}

TEST(EngineioPacket, RefusesUnknownTypeAndEmptyFrame) {
  EXPECT_FALSE(decode_frame("", false).ok());
  EXPECT_FALSE(decode_frame("7", false).ok());
  EXPECT_FALSE(decode_frame("abc", false).ok());
  EXPECT_FALSE(decode_frame("b", false).ok());
}

TEST(EngineioPacket, BinaryFrameIsABinaryMessage) {
  std::string bytes("\x00\x01\xff", 3);
  auto p = decode_frame(bytes, true);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->type, PacketType::message);
  EXPECT_TRUE(p->binary);
  EXPECT_EQ(p->data, bytes);
  // An empty binary message is still a message.
  EXPECT_TRUE(decode_frame("", true).ok());
}

TEST(EngineioPacket, DecodesPayloadWithTextAndBinary) {
  auto ps = decode_payload("4hello\x1e" "bAQIDBA==\x1e" "2");
  ASSERT_TRUE(ps.ok());
  ASSERT_EQ(ps->size(), 3u);
  EXPECT_EQ((*ps)[0].type, PacketType::message);
  EXPECT_EQ((*ps)[0].data, "hello");
  EXPECT_TRUE((*ps)[1].binary);
  EXPECT_EQ((*ps)[1].data, std::string("\x01\x02\x03\x04", 4));
  EXPECT_EQ((*ps)[2].type, PacketType::ping);
}

TEST(EngineioPacket, RefusesBadPayloads) {
  EXPECT_FALSE(decode_payload("").ok());
  EXPECT_FALSE(decode_payload("abc").ok());
  EXPECT_FALSE(decode_payload("4a\x1e").ok());        // trailing separator: an empty packet
  EXPECT_FALSE(decode_payload("\x1e" "4a").ok());     // leading separator
  EXPECT_FALSE(decode_payload("b!!!").ok());           // bad base64
  EXPECT_FALSE(decode_payload("4a\x1e\x1e" "4b").ok());
}

TEST(EngineioPacket, PayloadPacketCountIsBounded) {
  std::string body = "6";
  for (int i = 0; i < 10; ++i) body += "\x1e" "6";
  EXPECT_TRUE(decode_payload(body, 11).ok());
  EXPECT_FALSE(decode_payload(body, 10).ok());
}

TEST(EngineioPacket, EncodesFramesAsPayload) {
  std::vector<Frame> frames{Frame::text("hello"), Frame::bytes(std::string("\x01\x02\x03\x04", 4)),
                            Frame::control(PacketType::ping)};
  EXPECT_EQ(encode_payload(frames), "4hello\x1e" "bAQIDBA==\x1e" "2");
  EXPECT_EQ(*Frame::control(PacketType::pong, "probe").data, "3probe");
  EXPECT_EQ(*Frame::text_from("4abc").data, "4abc");
  EXPECT_TRUE(Frame::bytes("x").binary);
}

TEST(EngineioPacket, PayloadRoundTrip) {
  std::vector<Frame> frames{Frame::text("a\x1f" "b"), Frame::bytes(""), Frame::bytes("\xff\xfe"),
                            Frame::text("")};
  auto ps = decode_payload(encode_payload(frames));
  ASSERT_TRUE(ps.ok());
  ASSERT_EQ(ps->size(), 4u);
  EXPECT_EQ((*ps)[0].data, "a\x1f" "b");
  EXPECT_TRUE((*ps)[1].binary);
  EXPECT_EQ((*ps)[1].data, "");
  EXPECT_EQ((*ps)[2].data, "\xff\xfe");
  EXPECT_EQ((*ps)[3].type, PacketType::message);
  EXPECT_EQ((*ps)[3].data, "");
}

TEST(EngineioPacket, HandshakeHasExactlyTheFiveFields) {
  EXPECT_EQ(handshake_json("abc", true, 25000, 20000, 1000000),
            R"({"sid":"abc","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})");
  EXPECT_EQ(handshake_json("x", false, 300, 200, 5),
            R"({"sid":"x","upgrades":[],"pingInterval":300,"pingTimeout":200,"maxPayload":5})");
}
