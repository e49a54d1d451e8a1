// engineio::RequestInfo: the compact copy of a client's first request that
// every connection keeps for Socket.IO middleware.
#include <gtest/gtest.h>

#include "engineio/request_info.hpp"

using berth::engineio::RequestInfo;

TEST(RequestInfo, KeepsQueryHeadersAndRemote) {
  std::map<std::string, std::string> query{{"EIO", "4"}, {"transport", "websocket"}, {"empty", ""}};
  berth::net::HeaderMap headers{{"Host", "example.test"}, {"X-Forwarded-For", "10.0.0.1"}, {"Cookie", "a=b; c=d"}};
  RequestInfo info(query, headers, "127.0.0.1:5555");
  EXPECT_EQ(info.query("EIO"), "4");
  EXPECT_EQ(info.query("transport"), "websocket");
  EXPECT_EQ(info.query("empty"), "");
  EXPECT_EQ(info.query("eio"), "");  // query names are case-sensitive
  EXPECT_EQ(info.header("host"), "example.test");  // header names are not
  EXPECT_EQ(info.header("x-forwarded-for"), "10.0.0.1");
  EXPECT_EQ(info.header("Cookie"), "a=b; c=d");
  EXPECT_EQ(info.header("Missing"), "");
  EXPECT_EQ(info.remote(), "127.0.0.1:5555");
  ASSERT_EQ(info.queries().size(), 3u);
  ASSERT_EQ(info.headers().size(), 3u);
  for (auto& [k, v] : info.headers()) EXPECT_EQ(info.header(k), v);
}

TEST(RequestInfo, ANulInAQueryValueCannotForgeAHeader) {
  // ?x=%00Authorization%00evil decodes to a value with NUL bytes in it.
  std::map<std::string, std::string> query{{"x", std::string("\0Authorization\0evil", 19)}};
  berth::net::HeaderMap headers{{"Host", "h"}};
  RequestInfo info(query, headers, "1.2.3.4:5");
  EXPECT_EQ(info.header("Authorization"), "");
  ASSERT_EQ(info.headers().size(), 1u);
  EXPECT_EQ(info.query("x"), std::string_view("\0Authorization\0evil", 19));
  EXPECT_EQ(info.header("Host"), "h");
  EXPECT_EQ(info.remote(), "1.2.3.4:5");
}

TEST(RequestInfo, EmptyAndIpv6) {
  RequestInfo none;
  EXPECT_EQ(none.query("EIO"), "");
  EXPECT_EQ(none.header("Host"), "");
  EXPECT_EQ(none.remote(), "");
  EXPECT_TRUE(none.headers().empty());

  RequestInfo v6({}, {}, "[::1]:80");
  EXPECT_EQ(v6.remote(), "[::1]:80");
  EXPECT_TRUE(v6.queries().empty());
}
