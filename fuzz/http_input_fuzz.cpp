// The HTTP input parsers Berth writes itself (the request line and headers
// are Beast's): path percent-decoding, query strings, JSON request bodies
// and .env files. None may crash on any input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/json_input.hpp"
#include "core/config.hpp"
#include "net/http_types.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string out;
  if (berth::net::percent_decode(in, out, false) && out.size() > in.size()) __builtin_trap();
  (void)berth::net::parse_query(in);
  auto body = berth::api::parse_json_object(in);
  if (body) {
    (void)berth::api::optional_string(*body, "name", {.min = 1, .max = 100});
    (void)berth::api::required_string(*body, "email");
  }
  (void)berth::api::looks_like_email(in);
  (void)berth::parse_dotenv(std::string(in));
  return 0;
}
