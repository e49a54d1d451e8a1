#include "preview/listening_ports.hpp"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace berth::preview {

namespace {
constexpr std::string_view kListen = "0A";

std::string_view next_field(std::string_view& line) {
  auto start = line.find_first_not_of(' ');
  if (start == std::string_view::npos) {
    line = {};
    return {};
  }
  line.remove_prefix(start);
  auto end = line.find(' ');
  auto field = line.substr(0, end);
  line.remove_prefix(end == std::string_view::npos ? line.size() : end);
  return field;
}
}  // namespace

std::set<int> parse_listening_ports(std::string_view text) {
  std::set<int> ports;
  while (!text.empty()) {
    auto eol = text.find('\n');
    auto line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    // "  0: 00000000:1F90 00000000:0000 0A ..." — slot, local, remote, state
    auto slot = next_field(line);
    auto local = next_field(line);
    next_field(line);
    auto state = next_field(line);
    if (!slot.ends_with(":") || state != kListen) continue;
    auto colon = local.rfind(':');
    if (colon == std::string_view::npos || local.size() - colon - 1 != 4) continue;
    std::string hex(local.substr(colon + 1));
    char* end = nullptr;
    long port = std::strtol(hex.c_str(), &end, 16);
    if (end && *end == '\0' && port > 0 && port < 65536) ports.insert(int(port));
  }
  return ports;
}

Result<std::set<int>> listening_ports(int pid) {
  std::set<int> all;
  bool any = false;
  for (const char* file : {"tcp", "tcp6"}) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/net/" + file);
    if (!in) continue;  // tcp6 is missing where IPv6 is off
    any = true;
    std::stringstream text;
    text << in.rdbuf();
    all.merge(parse_listening_ports(text.str()));
  }
  if (!any) return make_error("not_found", "process " + std::to_string(pid) + " is gone");
  return all;
}

Result<std::set<int>> listening_ports_diag(int fd) {
  static std::atomic<std::uint32_t> sequence{0};
  std::set<int> ports;
  for (int family : {AF_INET, AF_INET6}) {
    struct {
      nlmsghdr header;
      inet_diag_req_v2 request;
    } ask{};
    std::uint32_t seq = ++sequence;
    ask.header.nlmsg_len = sizeof ask;
    ask.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    ask.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    ask.header.nlmsg_seq = seq;
    ask.request.sdiag_family = std::uint8_t(family);
    ask.request.sdiag_protocol = IPPROTO_TCP;
    ask.request.idiag_states = 1u << TCP_LISTEN;
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (::sendto(fd, &ask, sizeof ask, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0)
      return make_error("internal", std::string("sock_diag: ") + std::strerror(errno));
    for (bool done = false; !done;) {
      alignas(nlmsghdr) char buffer[32768];
      ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return make_error("internal", std::string("sock_diag: ") + std::strerror(errno));
      int left = int(got);
      for (auto* h = reinterpret_cast<nlmsghdr*>(buffer); NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
        if (h->nlmsg_seq != seq) continue;  // an answer to an earlier, abandoned question
        if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
          // An error for AF_INET6 means IPv6 is off in that namespace: no v6 listeners.
          if (h->nlmsg_type == NLMSG_ERROR && family == AF_INET)
            return make_error("internal", "sock_diag refused the question");
          done = true;
          break;
        }
        auto* socket = static_cast<inet_diag_msg*>(NLMSG_DATA(h));
        int port = ntohs(socket->id.idiag_sport);
        if (port > 0) ports.insert(port);
      }
    }
  }
  return ports;
}

}  // namespace berth::preview
