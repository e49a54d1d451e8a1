// JWT verification on attacker-controlled tokens: never crashes, and never
// accepts a token that was not signed with the configured secret.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/jwt.hpp"

using namespace berth::auth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view token(reinterpret_cast<const char*>(data), size);
  static const KeySet keys{"fuzz-secret-that-no-input-can-guess-0123456789", {}};
  VerifyOptions options;
  options.now = 1'800'000'000;
  auto claims = verify_jwt(token, keys, options);
  if (claims) __builtin_trap();  // a forged token got through
  (void)parse_jwks(token);
  return 0;
}
