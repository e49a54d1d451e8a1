#include "engineio/request_info.hpp"

#include <cstring>
#include <strings.h>

namespace berth::engineio {

RequestInfo::RequestInfo(const std::map<std::string, std::string>& query, const net::HeaderMap& headers,
                         std::string_view remote) {
  std::size_t size = remote.size() + 4;
  for (const auto& [k, v] : query) size += k.size() + v.size() + 8;
  for (const auto& [k, v] : headers) size += k.size() + v.size() + 8;
  data_.reserve(size);
  for (const auto& [k, v] : query) append(k), append(v);
  for (const auto& [k, v] : headers) append(k), append(v);
  append(remote);
  query_count_ = std::uint32_t(query.size());
  header_count_ = std::uint32_t(headers.size());
}

// Each field is its length (4 bytes) then its bytes: a query value may hold
// any byte, NUL included (%00), so no separator could be trusted.
void RequestInfo::append(std::string_view text) {
  auto n = std::uint32_t(text.size());
  data_.append(reinterpret_cast<const char*>(&n), sizeof n);
  data_.append(text);
}

std::string_view RequestInfo::field(std::size_t& pos) const {
  std::uint32_t n = 0;
  std::memcpy(&n, data_.data() + pos, sizeof n);
  std::string_view out(data_.data() + pos + sizeof n, n);
  pos += sizeof n + n;
  return out;
}

// The pairs [first, first + count) of all stored pairs.
RequestInfo::Pairs RequestInfo::pairs(std::size_t first, std::size_t count) const {
  Pairs out;
  out.reserve(count);
  std::size_t pos = 0;
  for (std::size_t i = 0; i < first + count; ++i) {
    auto k = field(pos);
    auto v = field(pos);
    if (i >= first) out.emplace_back(k, v);
  }
  return out;
}

RequestInfo::Pairs RequestInfo::queries() const { return pairs(0, query_count_); }
RequestInfo::Pairs RequestInfo::headers() const { return pairs(query_count_, header_count_); }

std::string_view RequestInfo::query(std::string_view name) const {
  for (auto& [k, v] : queries())
    if (k == name) return v;
  return {};
}

std::string_view RequestInfo::header(std::string_view name) const {
  for (auto& [k, v] : headers())
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  return {};
}

std::string_view RequestInfo::remote() const {
  if (data_.empty()) return {};
  std::size_t pos = 0;
  for (std::size_t i = 0; i < 2 * (std::size_t(query_count_) + header_count_); ++i) field(pos);
  return field(pos);
}

}  // namespace berth::engineio
