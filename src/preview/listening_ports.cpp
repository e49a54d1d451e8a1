#include "preview/listening_ports.hpp"

#include <cerrno>
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

}  // namespace berth::preview
