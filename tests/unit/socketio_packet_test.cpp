#include <gtest/gtest.h>

#include <random>

#include "core/encoding.hpp"

#include "socketio/args.hpp"
#include "socketio/json_text.hpp"
#include "socketio/packet.hpp"

using namespace berth::socketio;

namespace {
Packet ok(std::string_view text) {
  auto p = decode(text);
  EXPECT_TRUE(p.ok()) << text << ": " << (p.ok() ? "" : p.error().message);
  return p.ok() ? p.value() : Packet{};
}
bool bad(std::string_view text) { return !decode(text).ok(); }
}  // namespace

TEST(SocketioPacket, DecodesConnect) {
  auto p = ok("0");
  EXPECT_EQ(p.type, PacketType::connect);
  EXPECT_EQ(p.nsp, "/");
  EXPECT_EQ(p.data, "");
  p = ok(R"(0/admin,{"token":"123"})");
  EXPECT_EQ(p.nsp, "/admin");
  EXPECT_EQ(p.data, R"({"token":"123"})");
  p = ok("0/custom");  // no comma: the namespace runs to the end
  EXPECT_EQ(p.nsp, "/custom");
}

TEST(SocketioPacket, ConnectPayloadMustBeAnObject) {
  EXPECT_TRUE(bad("0[]"));
  EXPECT_TRUE(bad("0\"x\""));
  EXPECT_TRUE(bad("0/a,1"));
  EXPECT_TRUE(bad("0{"));
}

TEST(SocketioPacket, DecodesEventWithAckAndNamespace) {
  auto p = ok(R"(2/chat,12["msg",1,{"a":[true]}])");
  EXPECT_EQ(p.type, PacketType::event);
  EXPECT_EQ(p.nsp, "/chat");
  ASSERT_TRUE(p.id.has_value());
  EXPECT_EQ(*p.id, 12u);
  EXPECT_EQ(p.data, R"(["msg",1,{"a":[true]}])");
}

TEST(SocketioPacket, EventPayloadShape) {
  EXPECT_TRUE(bad("2{}"));
  EXPECT_TRUE(bad("2[]"));
  EXPECT_TRUE(bad("2[1]"));  // the event name must be a string
  EXPECT_TRUE(bad("2"));
  EXPECT_TRUE(bad(R"(2["disconnect"])"));  // reserved names
  EXPECT_TRUE(bad(R"(2["connect",1])"));
  EXPECT_TRUE(bad(R"(2abc["message"])"));  // an ack id that is not a number
  EXPECT_FALSE(bad(R"(2["a"])"));
}

TEST(SocketioPacket, AckNeedsAnIdAndAnArray) {
  EXPECT_TRUE(bad("3[1]"));
  EXPECT_TRUE(bad("31{}"));
  auto p = ok("3/x,7[]");
  EXPECT_EQ(*p.id, 7u);
  EXPECT_EQ(p.nsp, "/x");
}

TEST(SocketioPacket, DisconnectTakesNoPayload) {
  EXPECT_EQ(ok("1").type, PacketType::disconnect);
  EXPECT_EQ(ok("1/custom,").nsp, "/custom");
  EXPECT_TRUE(bad("1{}"));
  EXPECT_TRUE(bad("15"));  // ack id on DISCONNECT
}

TEST(SocketioPacket, AckIdRange) {
  EXPECT_EQ(*ok(R"(29007199254740991["a"])").id, 9007199254740991u);
  EXPECT_TRUE(bad(R"(29007199254740992["a"])"));
  EXPECT_TRUE(bad(R"(299999999999999999999["a"])"));
}

TEST(SocketioPacket, UnknownTypeAndJunk) {
  EXPECT_TRUE(bad(""));
  EXPECT_TRUE(bad("7"));
  EXPECT_TRUE(bad("abc"));
  EXPECT_TRUE(bad("2[\"a\"]x"));
  EXPECT_TRUE(bad("2[\"a\",]"));
  EXPECT_TRUE(bad("2[\"a\" 1]"));
  EXPECT_TRUE(bad(std::string("2[\"a\xff\"]")));  // not UTF-8
}

TEST(SocketioPacket, NamespaceCharacters) {
  EXPECT_TRUE(bad("0/a b,"));
  EXPECT_TRUE(bad(std::string("0/a\x01,")));
  EXPECT_TRUE(bad("0/" + std::string(200, 'a') + ","));
  EXPECT_TRUE(is_valid_namespace("/"));
  EXPECT_TRUE(is_valid_namespace("/a-b_c.d"));
  EXPECT_FALSE(is_valid_namespace("a"));
  EXPECT_FALSE(is_valid_namespace(""));
  EXPECT_FALSE(is_valid_namespace("/a,b"));
}

TEST(SocketioPacket, BinaryEventAttachments) {
  auto p = ok(R"(52-["m",{"_placeholder":true,"num":0},{"x":{"_placeholder":true,"num":1}}])");
  EXPECT_EQ(p.type, PacketType::binary_event);
  EXPECT_EQ(p.attachments, 2u);
  p = ok(R"(62-/n,789[{"num":1,"_placeholder":true},{"_placeholder":true,"num":0}])");
  EXPECT_EQ(p.type, PacketType::binary_ack);
  EXPECT_EQ(p.nsp, "/n");
  EXPECT_EQ(*p.id, 789u);
}

TEST(SocketioPacket, AttachmentCountThatLies) {
  EXPECT_TRUE(bad(R"(52-["m",{"_placeholder":true,"num":0}])"));      // says 2, has 1
  EXPECT_TRUE(bad(R"(51-["m",{"_placeholder":true,"num":1}])"));      // num out of range
  EXPECT_TRUE(bad(R"(52-["m",{"_placeholder":true,"num":0},{"_placeholder":true,"num":0}])"));  // repeated
  EXPECT_TRUE(bad(R"(50-["m",{"_placeholder":true,"num":0}])"));
  EXPECT_TRUE(bad(R"(5-["m"])"));
  EXPECT_TRUE(bad(R"(52["m"])"));
  EXPECT_TRUE(bad(R"(599-["m"])"));  // over the attachment limit
  EXPECT_TRUE(bad(R"(51-["m",{"_placeholder":true,"num":0,"x":1}])"));  // not exactly a placeholder
  EXPECT_TRUE(bad(R"(51-["m",{"_placeholder":true,"num":-1}])"));
  EXPECT_TRUE(bad(R"(51-["m",{"_placeholder":true,"num":0.5}])"));
  EXPECT_FALSE(bad(R"(50-["m"])"));
}

TEST(SocketioPacket, PlainEventIgnoresPlaceholderLookalikes) {
  // Only binary packets carry attachments; in an EVENT it is just JSON.
  EXPECT_FALSE(bad(R"(2["m",{"_placeholder":true,"num":3,"x":1}])"));
}

TEST(SocketioPacket, EncodeRoundTrip) {
  Packet p;
  p.type = PacketType::binary_ack;
  p.nsp = "/custom";
  p.id = 42;
  p.attachments = 1;
  p.data = R"([{"_placeholder":true,"num":0}])";
  EXPECT_EQ(encode(p), R"(61-/custom,42[{"_placeholder":true,"num":0}])");
  auto back = decode(encode(p));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->nsp, "/custom");
  EXPECT_EQ(*back->id, 42u);
  EXPECT_EQ(back->data, p.data);

  Packet connect;
  connect.type = PacketType::connect;
  EXPECT_EQ(encode(connect), "0");
}

TEST(SocketioPacket, FramesCarryTheEngineioPrefixAndAttachments) {
  Packet p;
  p.type = PacketType::binary_event;
  p.attachments = 1;
  p.data = R"(["x",{"_placeholder":true,"num":0}])";
  auto frames = to_frames(p, {"\x01\x02"});
  ASSERT_EQ(frames->size(), 2u);
  EXPECT_EQ(*(*frames)[0].data, R"(451-["x",{"_placeholder":true,"num":0}])");
  EXPECT_FALSE((*frames)[0].binary);
  EXPECT_EQ(*(*frames)[1].data, "\x01\x02");
  EXPECT_TRUE((*frames)[1].binary);
}

TEST(SocketioArgs, KeepsClientJsonTextAsIs) {
  // Big integers and duplicate keys survive: nothing goes through doubles.
  Args a;
  a.add_json("12345678901234567890").add_json(R"({"a":1,"a":2})").add_json("1e400");
  auto frames = encode_event("/", "e", a, std::nullopt);
  ASSERT_TRUE(frames.ok());
  EXPECT_EQ(*(*frames.value())[0].data, R"(42["e",12345678901234567890,{"a":1,"a":2},1e400])");
}

TEST(SocketioArgs, RefusesWhatAClientCouldNotParse) {
  Args a;
  a.add_json("Infinity");
  EXPECT_FALSE(encode_event("/", "e", a, std::nullopt).ok());
  Args b;
  b.add_json(R"({"x":NaN})");
  EXPECT_FALSE(b.validate().ok());
  EXPECT_FALSE(encode_event("/", "disconnect", Args{}, std::nullopt).ok());
  Args c;
  c.add_json(R"({"_placeholder":true,"num":5})");
  c.add_binary("x");
  EXPECT_FALSE(c.validate().ok());
}

TEST(SocketioArgs, NeverPutsInvalidUtf8IntoATextFrame) {
  // Whatever the caller passes: a text frame with invalid UTF-8 makes every
  // client drop the connection (RFC 6455), so the encoder refuses it.
  for (std::string bad : {std::string("\"\xff\xfe abc\""), std::string("{\"a\":\"\xc3\"}"),
                          std::string("\"\xed\xa0\x80\"")}) {
    Args a;
    a.add_json(bad);
    EXPECT_FALSE(encode_event("/", "e", a, std::nullopt).ok()) << bad;
    EXPECT_FALSE(encode_ack("/", 1, a).ok()) << bad;
  }
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string bytes(std::size_t(rng() % 64), '\0');
    for (auto& c : bytes) c = char(rng());
    Args a;
    a.add_json("\"" + bytes + "\"");
    auto frames = encode_event("/", "e", a, std::nullopt);
    if (frames.ok()) {
      EXPECT_TRUE(berth::is_valid_utf8(*(*frames.value())[0].data));
    }
    // As a binary argument the same bytes always go, unchanged.
    auto bin = encode_event("/", "e", Args::of(Binary{bytes}), std::nullopt);
    ASSERT_TRUE(bin.ok());
    EXPECT_EQ(*(*bin.value())[1].data, bytes);
  }
}

TEST(SocketioArgs, BinaryArgumentsBecomeAttachments) {
  auto a = Args::of(String{"say \"hi\""}, Binary{std::string("\x00\x01", 2)}, Json{"[1]"});
  std::string ph = a.attach("nested");
  a.add_json("{\"img\":" + ph + "}");
  ASSERT_TRUE(a.validate().ok());
  EXPECT_TRUE(a.is_binary(1));
  EXPECT_FALSE(a.is_binary(0));
  EXPECT_EQ(a.bytes(1), std::string_view("\x00\x01", 2));
  auto frames = encode_event("/ns", "up", a, 5);
  ASSERT_TRUE(frames.ok());
  const auto& f = *frames.value();
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(*f[0].data,
            R"(452-/ns,5["up","say \"hi\"",{"_placeholder":true,"num":0},[1],{"img":{"_placeholder":true,"num":1}}])");
  EXPECT_EQ(*f[2].data, "nested");
  auto ack = encode_ack("/", 9, Args::of(Json{"true"}));
  EXPECT_EQ(*(*ack.value())[0].data, "439[true]");
}

TEST(SocketioJson, ScannerFindsElementsAndPlaceholders) {
  JsonScanOptions o;
  o.find_placeholders = true;
  auto s = scan_json(R"( [ "e" , {"_placeholder":true,"num":0} , [ {"num":1,"_placeholder":true} ] ] )", o);
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->elements.size(), 3u);
  EXPECT_EQ(s->elements[0], "\"e\"");
  EXPECT_EQ(s->elements[2], R"([ {"num":1,"_placeholder":true} ])");
  ASSERT_EQ(s->placeholders.size(), 2u);
  EXPECT_TRUE(s->placeholders[0].whole_element);
  EXPECT_EQ(s->placeholders[0].element, 1u);
  EXPECT_FALSE(s->placeholders[1].whole_element);
  EXPECT_EQ(s->placeholders[1].element, 2u);
}

TEST(SocketioJson, StrictSyntax) {
  for (const char* good : {"0", "-0.5e+3", "\"\\u00e9\\n\"", "[]", "{}", "null", " true ", "[1,[2,[3]]]"})
    EXPECT_TRUE(is_json(good)) << good;
  for (const char* badj : {"", "01", "1.", ".5", "+1", "[1,]", "{\"a\"}", "{a:1}", "'x'", "\"\\x\"", "\"\t\"",
                           "[1]]", "tru", "nul", "NaN", "-Infinity", "\"\\u12\"", "\"abc"})
    EXPECT_FALSE(is_json(badj)) << badj;
}

TEST(SocketioJson, DepthIsBounded) {
  std::string deep(65, '[');
  deep += std::string(65, ']');
  EXPECT_FALSE(is_json(deep));
  std::string ok(64, '[');
  ok += std::string(64, ']');
  EXPECT_TRUE(is_json(ok));
  std::string huge(100000, '[');
  EXPECT_FALSE(is_json(huge));  // refused, without a stack overflow
}

TEST(SocketioJson, QuoteAndUnquote) {
  EXPECT_EQ(json_quote("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\u0001\"");
  EXPECT_EQ(json_unquote("\"a\\\"b\\u00e9\\ud83d\\ude00\"").value(), "a\"b\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_FALSE(json_unquote("\"a\"b\"").has_value());
  EXPECT_FALSE(json_unquote("x").has_value());
  EXPECT_FALSE(json_unquote("\"\\").has_value());
  for (std::string s : {"", "plain", "tab\there", "quote\"", "\xe2\x82\xac"})
    EXPECT_EQ(json_unquote(json_quote(s)).value(), s);
}
