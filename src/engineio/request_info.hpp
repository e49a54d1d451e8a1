#pragma once
// What a client's first Engine.IO request looked like: its query, headers
// and remote address, which Socket.IO hands to middleware as the handshake.
// Every connection keeps it for life, so it is one string, not maps of
// strings: a few hundred bytes per idle connection less (docs/BENCHMARKS.md).
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/http_types.hpp"

namespace berth::engineio {

class RequestInfo {
 public:
  using Pairs = std::vector<std::pair<std::string_view, std::string_view>>;

  RequestInfo() = default;
  RequestInfo(const std::map<std::string, std::string>& query, const net::HeaderMap& headers,
              std::string_view remote);

  std::string_view query(std::string_view name) const;   // "" when absent
  std::string_view header(std::string_view name) const;  // any case; "" when absent
  std::string_view remote() const;                       // "address:port"
  Pairs queries() const;
  Pairs headers() const;

 private:
  void append(std::string_view text);
  std::string_view field(std::size_t& pos) const;  // the field at pos; pos moves past it
  Pairs pairs(std::size_t first, std::size_t count) const;

  // Length-prefixed fields: name, value for each query pair, then for each
  // header, then the remote address.
  std::string data_;
  std::uint32_t query_count_ = 0, header_count_ = 0;
};

}  // namespace berth::engineio
