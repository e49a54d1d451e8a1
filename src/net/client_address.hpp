#pragma once
// Who a request really comes from when Berth runs behind a reverse proxy.
// Only proxies named in BERTH_TRUSTED_PROXIES are believed: their
// X-Forwarded-For is read from the right, past every trusted hop, to the
// first address they did not add themselves. Anyone else's X-Forwarded-For
// is ignored, so a client cannot pick the address its per-address limits
// count against.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace berth::net {

class TrustedProxies {
 public:
  // "10.0.0.0/8, 127.0.0.1, ::1, fd00::/8": addresses and CIDR ranges,
  // IPv4 and IPv6. Empty trusts nobody.
  static Result<TrustedProxies> parse(std::string_view list);

  bool empty() const { return ranges_.empty(); }
  bool trusts(std::string_view address) const;

 private:
  struct Range {
    std::array<std::uint8_t, 16> bytes{};  // IPv4 as ::ffff:a.b.c.d
    int prefix = 128;
  };
  std::vector<Range> ranges_;
};

// An address without its port: "127.0.0.1:5000" → "127.0.0.1",
// "[::1]:5000" → "::1"; a bare address stays as it is.
std::string address_without_port(std::string_view endpoint);

// The client's address: `peer` itself unless it is a trusted proxy, else
// the right-most X-Forwarded-For entry no trusted proxy accounts for.
std::string client_address(std::string_view peer, std::string_view forwarded_for, const TrustedProxies& proxies);

}  // namespace berth::net
