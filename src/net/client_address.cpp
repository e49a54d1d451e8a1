#include "net/client_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <optional>

namespace berth::net {
namespace {

using Bytes = std::array<std::uint8_t, 16>;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// IPv4 becomes ::ffff:a.b.c.d, so one comparison serves both families and
// a v4 peer on a dual-stack socket matches a v4 range.
std::optional<Bytes> parse_ip(std::string_view text) {
  std::string s(text);
  Bytes out{};
  in_addr v4;
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    out[10] = out[11] = 0xff;
    std::memcpy(out.data() + 12, &v4, 4);
    return out;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(out.data(), &v6, 16);
    return out;
  }
  return std::nullopt;
}

bool is_v4_mapped(const Bytes& b) {
  return std::all_of(b.begin(), b.begin() + 10, [](auto x) { return x == 0; }) && b[10] == 0xff && b[11] == 0xff;
}

}  // namespace

Result<TrustedProxies> TrustedProxies::parse(std::string_view list) {
  TrustedProxies out;
  while (!list.empty()) {
    auto comma = list.find(',');
    auto item = trim(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    if (item.empty()) continue;
    auto slash = item.find('/');
    auto address = parse_ip(item.substr(0, slash));
    if (!address)
      return make_error("bad_request", "'" + std::string(item) + "' is not an IP address or CIDR range (such as 10.0.0.0/8 or ::1)");
    Range r{*address, 128};
    bool v4 = is_v4_mapped(*address) && item.substr(0, slash).find(':') == std::string_view::npos;
    if (slash != std::string_view::npos) {
      auto digits = item.substr(slash + 1);
      int prefix = 0;
      if (digits.empty() || digits.size() > 3 || !std::all_of(digits.begin(), digits.end(), ::isdigit))
        return make_error("bad_request", "'" + std::string(item) + "' has a bad prefix length");
      for (char c : digits) prefix = prefix * 10 + (c - '0');
      if (prefix > (v4 ? 32 : 128))
        return make_error("bad_request", "'" + std::string(item) + "': the prefix length is too long");
      r.prefix = v4 ? 96 + prefix : prefix;
    }
    out.ranges_.push_back(r);
  }
  return out;
}

bool TrustedProxies::trusts(std::string_view address) const {
  auto b = parse_ip(address_without_port(address));
  if (!b) return false;
  for (const auto& r : ranges_) {
    int full = r.prefix / 8, rest = r.prefix % 8;
    if (!std::equal(r.bytes.begin(), r.bytes.begin() + full, b->begin())) continue;
    if (rest && ((r.bytes[full] ^ (*b)[full]) & (0xff00 >> rest) & 0xff)) continue;
    return true;
  }
  return false;
}

std::string address_without_port(std::string_view endpoint) {
  endpoint = trim(endpoint);
  if (parse_ip(endpoint)) return std::string(endpoint);
  if (!endpoint.empty() && endpoint.front() == '[') {
    auto close = endpoint.find(']');
    if (close != std::string_view::npos) return std::string(endpoint.substr(1, close - 1));
  }
  auto colon = endpoint.rfind(':');
  return std::string(colon == std::string_view::npos ? endpoint : endpoint.substr(0, colon));
}

std::string client_address(std::string_view peer, std::string_view forwarded_for, const TrustedProxies& proxies) {
  std::string client = address_without_port(peer);
  if (proxies.empty() || !proxies.trusts(client)) return client;
  // From the right: each trusted hop vouches for the entry before it.
  while (!forwarded_for.empty()) {
    auto comma = forwarded_for.rfind(',');
    auto entry = trim(comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1));
    forwarded_for = comma == std::string_view::npos ? std::string_view{} : forwarded_for.substr(0, comma);
    auto address = address_without_port(entry);
    if (!parse_ip(address)) break;  // garbage: believe nothing further left
    client = std::move(address);
    if (!proxies.trusts(client)) break;
  }
  return client;
}

}  // namespace berth::net
