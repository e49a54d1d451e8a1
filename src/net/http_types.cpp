#include "net/http_types.hpp"

#include "core/encoding.hpp"

#include <algorithm>
#include <cctype>

namespace berth::net {

bool CaseInsensitiveLess::operator()(const std::string& a, const std::string& b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower((unsigned char)x) < std::tolower((unsigned char)y);
  });
}

bool cors_origin_allowed(std::string_view list, std::string_view origin) {
  if (list == "*") return true;
  std::size_t i = 0;
  while (i <= list.size()) {
    auto comma = list.find(',', i);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view item = list.substr(i, comma - i);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty() && item == origin) return true;
    i = comma + 1;
  }
  return false;
}

std::string serialize_request_head(const RequestHead& r) {
  std::string h;
  h.reserve(256);
  h.append(r.method).append(" ").append(r.target).append(" HTTP/1.1\r\nHost: ").append(r.host);
  h += "\r\nUser-Agent: berth/0.1\r\n";
  if (!r.content_type.empty()) h.append("Content-Type: ").append(r.content_type).append("\r\n");
  if (r.content_length > 0 || r.method == "POST" || r.method == "PUT")
    h.append("Content-Length: ").append(std::to_string(r.content_length)).append("\r\n");
  if (r.headers)
    for (auto& [k, v] : *r.headers) h.append(k).append(": ").append(v).append("\r\n");
  h.append(r.extra).append("\r\n");
  return h;
}

std::string_view HttpRequest::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string_view{} : std::string_view{it->second};
}


HttpResponse error_response(int status, std::string_view code, std::string_view message) {
  HttpResponse r;
  r.status = status;
  r.body = "{\"error\":{\"code\":" + json_quote(code) + ",\"message\":" + json_quote(message) + "}}";
  return r;
}

bool percent_decode(std::string_view in, std::string& out, bool plus_is_space) {
  out.clear();
  out.reserve(in.size());
  auto hexval = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int h = hexval(in[i + 1]), l = hexval(in[i + 2]);
      if (h < 0 || l < 0) return false;
      out += char(h * 16 + l);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return true;
}

std::map<std::string, std::string> parse_query(std::string_view q) {
  std::map<std::string, std::string> out;
  while (!q.empty()) {
    auto amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string k, v;
    if (!percent_decode(pair.substr(0, eq), k, true)) continue;
    if (eq != std::string_view::npos && !percent_decode(pair.substr(eq + 1), v, true)) continue;
    out[k] = v;
  }
  return out;
}

}  // namespace berth::net
