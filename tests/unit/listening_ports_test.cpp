#include "preview/listening_ports.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

using namespace berth::preview;

// The layout of /proc/net/tcp and tcp6 (Linux's tcp4_seq_show / tcp6_seq_show).
TEST(ListeningPorts, OnlySocketsInListenCount) {
  const char* tcp =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
      "   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 123 1 0\n"
      "   1: 0100007F:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 124 1 0\n"
      "   2: 0100007F:0BB8 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000  1000        0 125 1 0\n"
      "   3: 0100007F:9C40 0100007F:0BB8 06 00000000:00000000 00:00000000 00000000  1000        0 0 1 0\n";
  EXPECT_EQ(parse_listening_ports(tcp), (std::set<int>{8080, 3000}));
  const char* tcp6 =
      "  sl  local_address                         remote_address                        st tx_queue rx_queue\n"
      "   0: 00000000000000000000000000000000:1538 00000000000000000000000000000000:0000 0A 00000000:00000000\n";
  EXPECT_EQ(parse_listening_ports(tcp6), (std::set<int>{5432}));
}

TEST(ListeningPorts, LinesItCannotReadAreSkipped) {
  EXPECT_TRUE(parse_listening_ports("").empty());
  EXPECT_TRUE(parse_listening_ports("garbage\n0: zz:zz 0 0A\n 1: 00000000:GGGG 00000000:0000 0A\n").empty());
  EXPECT_TRUE(parse_listening_ports(" 0: 00000000:0000 00000000:0000 0A\n").empty()) << "port 0 is no port";
}

TEST(ListeningPorts, ReadsAProcessesNamespaceAndSaysWhenItIsGone) {
  EXPECT_TRUE(listening_ports(::getpid()));  // our own namespace is readable
  auto gone = listening_ports(999'999'999);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, "not_found");
}
