// Whose X-Forwarded-For is believed (net/client_address.hpp): only trusted
// proxies', read from the right past every trusted hop.
#include "net/client_address.hpp"

#include <gtest/gtest.h>

using berth::net::address_without_port;
using berth::net::client_address;
using berth::net::TrustedProxies;

namespace {
TrustedProxies proxies(const char* list) {
  auto p = TrustedProxies::parse(list);
  EXPECT_TRUE(p.ok()) << list;
  return *p;
}
}  // namespace

TEST(ClientAddress, PortsComeOffEveryForm) {
  EXPECT_EQ(address_without_port("127.0.0.1:5000"), "127.0.0.1");
  EXPECT_EQ(address_without_port("[::1]:5000"), "::1");
  EXPECT_EQ(address_without_port("[2001:db8::1]:443"), "2001:db8::1");
  EXPECT_EQ(address_without_port("10.1.2.3"), "10.1.2.3");
  EXPECT_EQ(address_without_port("2001:db8::1"), "2001:db8::1");
}

TEST(ClientAddress, RangesMatchByPrefixInBothFamilies) {
  auto p = proxies("10.0.0.0/8, 192.168.1.7 ,fd00::/8,::1");
  EXPECT_TRUE(p.trusts("10.255.0.1"));
  EXPECT_FALSE(p.trusts("11.0.0.1"));
  EXPECT_TRUE(p.trusts("192.168.1.7"));
  EXPECT_FALSE(p.trusts("192.168.1.8"));
  EXPECT_TRUE(p.trusts("fd12::5"));
  EXPECT_FALSE(p.trusts("fe80::1"));
  EXPECT_TRUE(p.trusts("::1"));
  EXPECT_FALSE(p.trusts("not an address"));
  auto odd = proxies("172.16.0.0/12");
  EXPECT_TRUE(odd.trusts("172.31.255.255"));
  EXPECT_FALSE(odd.trusts("172.32.0.0"));
  EXPECT_TRUE(proxies("0.0.0.0/0").trusts("8.8.8.8"));
}

TEST(ClientAddress, BadListsNameTheEntry) {
  for (const char* bad : {"10.0.0.0/33", "::/129", "example.com", "10.0.0.0/", "10.0.0.0/x", "1.2.3.4/8/8"}) {
    auto p = TrustedProxies::parse(bad);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_NE(p.error().message.find(bad), std::string::npos) << p.error().message;
  }
  EXPECT_TRUE(TrustedProxies::parse("").ok());
  EXPECT_TRUE(TrustedProxies::parse(" , ").value().empty());
}

TEST(ClientAddress, AnUntrustedPeerIsTheClientWhateverItForwards) {
  EXPECT_EQ(client_address("203.0.113.9:4000", "1.1.1.1", proxies("")), "203.0.113.9");
  EXPECT_EQ(client_address("203.0.113.9:4000", "1.1.1.1", proxies("10.0.0.0/8")), "203.0.113.9");
}

TEST(ClientAddress, TrustedHopsAreWalkedFromTheRight) {
  auto p = proxies("127.0.0.1, 10.0.0.0/8");
  // The client may write anything at the left; the proxy appends the truth.
  EXPECT_EQ(client_address("127.0.0.1:80", "6.6.6.6, 198.51.100.4", p), "198.51.100.4");
  EXPECT_EQ(client_address("127.0.0.1:80", "198.51.100.4, 10.0.0.2", p), "198.51.100.4");
  EXPECT_EQ(client_address("127.0.0.1:80", "[2001:db8::7]:5555", p), "2001:db8::7");
  // Every hop trusted: the left-most is the best there is.
  EXPECT_EQ(client_address("127.0.0.1:80", "10.0.0.3, 10.0.0.2", p), "10.0.0.3");
  // No header, or garbage: the proxy itself.
  EXPECT_EQ(client_address("127.0.0.1:80", "", p), "127.0.0.1");
  EXPECT_EQ(client_address("127.0.0.1:80", "garbage", p), "127.0.0.1");
  EXPECT_EQ(client_address("127.0.0.1:80", "198.51.100.4, garbage", p), "127.0.0.1");
}
