#pragma once
// A validating scanner for JSON text that keeps the text as it is.
//
// Socket.IO forwards client arguments untouched (DESIGN §11: a round trip
// through Boost.JSON would turn big integers into doubles, collapse
// duplicate keys and could write `Infinity`), so this scanner only checks
// RFC 8259 syntax and reports where the top-level array's elements and any
// binary placeholders {"_placeholder":true,"num":N} are. Pure, no I/O, and
// bounded: nesting deeper than max_depth is refused, so recursion stays
// shallow on hostile input.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/encoding.hpp"

namespace berth::socketio {

struct JsonPlaceholder {
  std::size_t num = 0;
  std::size_t element = 0;  // index of the top-level array element that contains it
  bool whole_element = false;  // the element is the placeholder itself (a top-level Buffer)
};

struct JsonScan {
  char kind = 0;  // first character of the value: '{', '[', '"', 't', 'f', 'n', or a number's first char
  std::vector<std::string_view> elements;  // top-level array elements, trimmed (kind == '[')
  std::vector<JsonPlaceholder> placeholders;  // only with find_placeholders
};

struct JsonScanOptions {
  bool find_placeholders = false;
  int max_depth = 64;
};

// The whole text must be one JSON value, with optional whitespace around it.
// An object with a "_placeholder" key must be exactly a placeholder when
// find_placeholders is set.
Result<JsonScan> scan_json(std::string_view text, const JsonScanOptions& options = {});
bool is_json(std::string_view text);

// A JSON string literal (with its quotes) to UTF-8; nullopt if it is not one.
std::optional<std::string> json_unquote(std::string_view literal);
// UTF-8 text to a JSON string literal.
using berth::json_quote;  // core/encoding.hpp

}  // namespace berth::socketio
