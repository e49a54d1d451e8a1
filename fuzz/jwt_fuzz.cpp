// JWT verification on attacker-controlled input, two ways:
//  1. the input as a whole token: never crashes, and never accepts a token
//     that was not signed with the configured secret;
//  2. the input as the claims of a token that IS validly signed: the claim
//     parser (types, numbers, arrays, escapes, duplicate keys) never
//     crashes, and whatever it accepts satisfies every rule it checks.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/jwt.hpp"

using namespace berth::auth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  static const std::string secret = "fuzz-secret-that-no-input-can-guess-0123456789";
  static const KeySet keys{secret, {}};
  VerifyOptions options;
  options.now = 1'800'000'000;
  if (verify_jwt(input, keys, options)) __builtin_trap();  // a forged token got through
  (void)parse_jwks(input);
  (void)unverified_issuer(input);

  auto signed_token = sign_hs256(input, secret);
  auto claims = verify_jwt(signed_token, keys, options);
  if (claims) {
    bool audience = false;
    for (auto& a : claims->aud) audience = audience || a == "authenticated";
    if (claims->sub.empty() || claims->role != "authenticated" || !audience ||
        claims->exp + options.leeway < options.now || claims->nbf > options.now + options.leeway)
      __builtin_trap();  // accepted a token that breaks a rule
  }
  return 0;
}
