#include "api/json_input.hpp"

#include <boost/json.hpp>

namespace berth::api {
namespace json = boost::json;

Result<json::object> parse_json_object(std::string_view body) {
  if (body.empty()) return make_error("bad_request", "the request body must be a JSON object");
  json::error_code ec;
  json::parse_options opt;
  opt.max_depth = 32;
  auto v = json::parse(body, ec, {}, opt);
  if (ec) return make_error("bad_request", "the request body is not valid JSON: " + ec.message());
  if (!v.is_object()) return make_error("bad_request", "the request body must be a JSON object");
  return std::move(v.as_object());
}

Result<std::optional<std::string>> optional_string(const json::object& o, const char* field, StringRule rule) {
  auto* v = o.if_contains(field);
  if (!v || v->is_null()) return std::optional<std::string>{};
  if (!v->is_string()) return make_error("bad_request", std::string("'") + field + "' must be a string");
  std::string s(v->as_string());
  if (rule.trim) {
    auto b = s.find_first_not_of(" \t\r\n");
    auto e = s.find_last_not_of(" \t\r\n");
    s = b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  }
  // Count code points, not bytes, for the length rule users see.
  std::size_t chars = 0;
  for (unsigned char c : s) chars += (c & 0xC0) != 0x80;
  if (chars < rule.min || chars > rule.max)
    return make_error("bad_request", std::string("'") + field + "' must be " + std::to_string(rule.min) + " to " +
                                         std::to_string(rule.max) + " characters long");
  for (unsigned char c : s)
    if ((c < 0x20 && (rule.single_line || (c != '\n' && c != '\t' && c != '\r'))) || c == 0x7F)
      return make_error("bad_request", std::string("'") + field + "' must not contain control characters");
  return std::optional<std::string>(std::move(s));
}

Result<std::string> required_string(const json::object& o, const char* field, StringRule rule) {
  auto v = optional_string(o, field, rule);
  if (!v) return v.error();
  if (!v->has_value()) return make_error("bad_request", std::string("'") + field + "' is required");
  return std::move(**v);
}

bool looks_like_email(std::string_view e) {
  auto at = e.find('@');
  return e.size() <= 254 && at != std::string_view::npos && at > 0 && at == e.rfind('@') &&
         e.find('.', at) != std::string_view::npos && e.back() != '.' && e.find(' ') == std::string_view::npos;
}

}  // namespace berth::api
