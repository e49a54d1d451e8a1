#pragma once
// Byte encodings shared by the codecs and auth: base64 (standard and URL-safe),
// hex, and random identifiers. Pure functions, no I/O besides the OS RNG.
#include <optional>
#include <string>
#include <string_view>

namespace berth {

std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);
std::string base64url_encode(std::string_view bytes);  // no padding
std::optional<std::string> base64url_decode(std::string_view text);
std::string hex_encode(std::string_view bytes);
// RFC 3986 percent-encoding of a query value: all but unreserved characters.
std::string percent_encode(std::string_view bytes);
// Equality that takes the same time wherever the first difference is (signatures).
bool equal_in_constant_time(std::string_view a, std::string_view b);

std::string random_bytes(std::size_t n);  // cryptographically secure
std::string random_token(std::size_t bytes = 32);  // base64url of random bytes
std::string new_uuid();  // RFC 4122 version 4, lower-case

// A JSON string literal for `text` (quotes and escapes added).
std::string json_quote(std::string_view text);

bool is_uuid(std::string_view s);
bool is_valid_utf8(std::string_view s);

}  // namespace berth

namespace berth {
std::string sha256_hex(std::string_view bytes);
}
