// parse_project_path on arbitrary bytes: an accepted path is relative, has
// no "..", "." or empty component, no NUL, is valid UTF-8 and no longer than
// the input, and parses again to the same components; and the parser accepts
// exactly what the rules (written out again below, by a plain split) allow.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/encoding.hpp"
#include "workspace/path_guard.hpp"

using namespace berth::workspace;

namespace {

// The rules of path_guard.hpp, by splitting on every '/'.
bool allowed(std::string_view in, std::vector<std::string_view>& parts) {
  if (in.find('\0') != std::string_view::npos || in.size() > kMaxPathBytes || !berth::is_valid_utf8(in)) return false;
  if (!in.empty() && in.front() == '/') return false;
  std::vector<std::string_view> all;
  for (std::size_t start = 0; start <= in.size();) {
    std::size_t end = in.find('/', start);
    if (end == std::string_view::npos) end = in.size();
    all.push_back(in.substr(start, end - start));
    start = end + 1;
  }
  if (all.size() > 1 && all.back().empty()) all.pop_back();  // one trailing '/'
  if (all.size() == 1 && all[0].empty()) return true;        // ""
  for (auto part : all) {
    if (part.empty() || part == ".." || part.size() > kMaxComponentBytes) return false;
    if (part != ".") parts.push_back(part);
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto p = parse_project_path(input);
  std::vector<std::string_view> expected;
  bool ok = allowed(input, expected);
  if (p.ok() != ok) __builtin_trap();
  if (!p.ok()) {
    if (p.error().code != "invalid_path") __builtin_trap();
    return 0;
  }
  const auto& parts = p->components();
  if (parts.size() != expected.size()) __builtin_trap();
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (parts[i] != expected[i]) __builtin_trap();
    if (parts[i].empty() || parts[i] == "." || parts[i] == ".." || parts[i].find('/') != std::string::npos)
      __builtin_trap();
  }
  std::string s = p->str();
  if (s.size() > input.size() || s.find('\0') != std::string::npos || !berth::is_valid_utf8(s)) __builtin_trap();
  if (!s.empty() && s.front() == '/') __builtin_trap();
  if (p->is_root() != s.empty()) __builtin_trap();
  auto again = parse_project_path(s);
  if (!again.ok() || !(*again == *p) || again->str() != s) __builtin_trap();
  return 0;
}
