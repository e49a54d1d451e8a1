#include "engineio/request_info.hpp"

#include <strings.h>

namespace berth::engineio {

RequestInfo::RequestInfo(const std::map<std::string, std::string>& query, const net::HeaderMap& headers,
                         std::string_view remote) {
  std::size_t size = remote.size() + 1;
  for (const auto& [k, v] : query) size += k.size() + v.size() + 2;
  for (const auto& [k, v] : headers) size += k.size() + v.size() + 2;
  data_.reserve(size);
  for (const auto& [k, v] : query) append(k), append(v);
  for (const auto& [k, v] : headers) append(k), append(v);
  append(remote);
  query_count_ = std::uint32_t(query.size());
  header_count_ = std::uint32_t(headers.size());
}

void RequestInfo::append(std::string_view text) {
  data_.append(text);
  data_.push_back('\0');
}

// The pairs [first, first + count) of all stored pairs.
RequestInfo::Pairs RequestInfo::pairs(std::size_t first, std::size_t count) const {
  Pairs out;
  out.reserve(count);
  std::size_t pos = 0;
  auto next = [&] {
    auto end = data_.find('\0', pos);
    std::string_view s(data_.data() + pos, end - pos);
    pos = end + 1;
    return s;
  };
  for (std::size_t i = 0; i < first + count; ++i) {
    auto k = next();
    auto v = next();
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
  std::string_view all(data_.data(), data_.size() - 1);  // without the last '\0'
  auto start = all.rfind('\0');
  return start == std::string_view::npos ? all : all.substr(start + 1);
}

}  // namespace berth::engineio
