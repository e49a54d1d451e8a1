#include "storage/supabase/key_codec.hpp"

namespace berth::storage::supabase {

namespace {
constexpr char kHex[] = "0123456789ABCDEF";
constexpr char kEscape = '*';

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;  // lower case is never produced, so never accepted
}
}  // namespace

bool is_accepted_key_char(unsigned char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '_': case '/': case '!': case '.': case '*': case '\'': case '(': case ')': case ' ':
    case '&': case '$': case '=': case '@': case ';': case ':': case '+': case ',': case '?': case '-':
      return true;
    default:
      return false;
  }
}

std::string escape_key(std::string_view logical) {
  std::string out;
  out.reserve(logical.size());
  for (unsigned char c : logical) {
    if (c != kEscape && is_accepted_key_char(c)) {
      out.push_back(char(c));
    } else {
      out.push_back(kEscape);
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::optional<std::string> unescape_key(std::string_view stored) {
  std::string out;
  out.reserve(stored.size());
  for (std::size_t i = 0; i < stored.size(); ++i) {
    if (stored[i] != kEscape) {
      out.push_back(stored[i]);
      continue;
    }
    if (i + 2 >= stored.size()) return std::nullopt;
    int hi = hex_value(stored[i + 1]), lo = hex_value(stored[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(char(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::string url_path(std::string_view stored) {
  std::string out;
  out.reserve(stored.size() + 8);
  for (unsigned char c : stored) {
    bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' ||
                 c == '-' || c == '_' || c == '.' || c == '!' || c == '*' || c == '\'' || c == '(' || c == ')' ||
                 c == '+' || c == ',' || c == ';' || c == '=' || c == '@' || c == ':' || c == '$' || c == '&';
    if (plain) {
      out.push_back(char(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace berth::storage::supabase
