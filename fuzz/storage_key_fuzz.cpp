// The Supabase object-key codec on arbitrary bytes: any name escapes to a key
// made only of characters the server accepts and comes back unchanged; any
// stored key either fails to unescape or unescapes to a name that escapes and
// unescapes to itself; url_path percent-decodes back to the stored key.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "storage/supabase/key_codec.hpp"

using namespace berth::storage::supabase;

namespace {

bool upper_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// The server's rule, written out again so a change to is_accepted_key_char is caught.
bool server_accepts(unsigned char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("_/!.*'() &$=@;:+,?-").find(char(c)) != std::string_view::npos;
}

void check_escaped(std::string_view name) {
  std::string stored = escape_key(name);
  if (stored.size() > 3 * name.size()) __builtin_trap();
  for (std::size_t i = 0; i < stored.size(); ++i) {
    auto c = static_cast<unsigned char>(stored[i]);
    if (!server_accepts(c) || !is_accepted_key_char(c)) __builtin_trap();  // the server would refuse it
    // Every `*` starts a complete upper-case escape.
    if (c == '*') {
      if (i + 2 >= stored.size() || !upper_hex(stored[i + 1]) || !upper_hex(stored[i + 2])) __builtin_trap();
      i += 2;
    }
  }
  auto back = unescape_key(stored);
  if (!back || *back != name) __builtin_trap();  // not reversible
}

void check_url_path(std::string_view stored) {
  std::string path = url_path(stored);
  std::string decoded;
  for (std::size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == ' ' || c == '?' || c == '#' || static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7E)
      __builtin_trap();  // would end or break the path
    if (c != '%') {
      decoded.push_back(c);
      continue;
    }
    if (i + 2 >= path.size() || hex_value(path[i + 1]) < 0 || hex_value(path[i + 2]) < 0) __builtin_trap();
    decoded.push_back(char(hex_value(path[i + 1]) * 16 + hex_value(path[i + 2])));
    i += 2;
  }
  if (decoded != stored) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);

  // The input as a name an editor gave.
  check_escaped(input);
  check_url_path(input);
  check_url_path(escape_key(input));
  // A name the server already accepts, with no `*`, is stored unchanged.
  bool plain = true;
  for (unsigned char c : input) plain = plain && c != '*' && server_accepts(c);
  if (plain && escape_key(input) != input) __builtin_trap();

  // The input as a key found in the bucket (written by Berth or another tool).
  if (auto name = unescape_key(input)) {
    if (name->size() > input.size()) __builtin_trap();  // an escape never decodes to more bytes
    if (input.find('*') == std::string_view::npos && *name != input) __builtin_trap();  // nothing to decode
    auto again = unescape_key(escape_key(*name));
    if (!again || *again != *name) __builtin_trap();
    check_escaped(*name);
  }
  return 0;
}
