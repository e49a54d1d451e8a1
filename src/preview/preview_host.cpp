#include "preview/preview_host.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/encoding.hpp"

namespace berth::preview {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return out;
}

// The label before ".<domain>", lower-cased; empty when `host` is not one
// label under `domain`.
std::string label_under(std::string_view host, std::string_view domain) {
  if (auto colon = host.rfind(':'); colon != std::string_view::npos) {
    auto digits = host.substr(colon + 1);
    if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); }))
      return {};
    host = host.substr(0, colon);
  }
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);  // the absolute form "a.localhost."
  std::string h = lower(host), suffix = "." + lower(domain);
  if (h.size() <= suffix.size() || h.compare(h.size() - suffix.size(), suffix.size(), suffix) != 0) return {};
  std::string label = h.substr(0, h.size() - suffix.size());
  return label.find('.') == std::string::npos ? label : std::string();
}

}  // namespace

bool is_preview_host(std::string_view host, std::string_view domain) { return !label_under(host, domain).empty(); }

std::optional<PreviewHost> parse_preview_host(std::string_view host, std::string_view domain) {
  std::string label = label_under(host, domain);
  auto dash = label.find('-');
  if (dash == std::string::npos || dash == 0 || dash > 5) return std::nullopt;
  PreviewHost out;
  auto [end, ec] = std::from_chars(label.data(), label.data() + dash, out.port);
  if (ec != std::errc{} || end != label.data() + dash || out.port < 1 || out.port > 65535 || label[0] == '0')
    return std::nullopt;
  out.project_id = label.substr(dash + 1);
  if (!is_uuid(out.project_id)) return std::nullopt;
  return out;
}

std::string preview_host_name(int port, const std::string& project_id, const std::string& domain) {
  return std::to_string(port) + "-" + project_id + "." + domain;
}

}  // namespace berth::preview
