#pragma once
// Validation of JSON request bodies. Every failure is a bad_request whose
// message names the field and says what is expected, so a client author can
// fix the call without reading our code.
#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "core/result.hpp"

namespace berth::api {

// Parses a body that must be a JSON object (invalid UTF-8 is refused).
Result<boost::json::object> parse_json_object(std::string_view body);

struct StringRule {
  std::size_t min = 0;
  std::size_t max = 1000;
  bool trim = true;
  bool single_line = true;  // no control characters at all
};

// Absent (or null) → nullopt; present but not a string or out of bounds → error.
Result<std::optional<std::string>> optional_string(const boost::json::object& o, const char* field,
                                                   StringRule rule = {});
Result<std::string> required_string(const boost::json::object& o, const char* field, StringRule rule = {});

bool looks_like_email(std::string_view email);

}  // namespace berth::api
