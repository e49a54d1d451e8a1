#pragma once
// JSON Web Tokens (RFC 7519) with OpenSSL: HS256, RS256 and ES256 only (an
// allow-list; `none` and everything else is refused). Verification is pure:
// the caller passes the keys and the current time, so it is unit-tested with
// fixed vectors and fuzzed without I/O.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace berth::auth {

// A public key from a JWKS (RSA or EC P-256), owned through OpenSSL's EVP_PKEY.
struct PublicKey {
  std::string kid;
  std::string alg;  // "RS256" or "ES256": a key verifies only its own algorithm
  std::shared_ptr<void> pkey;  // EVP_PKEY*, freed with EVP_PKEY_free
};

struct KeySet {
  std::string hmac_secret;  // raw UTF-8 bytes, as Supabase uses its JWT secret
  std::vector<PublicKey> public_keys;
};

struct JwtClaims {
  std::string sub;
  std::string email;
  std::string role;
  std::vector<std::string> aud;
  std::string iss;
  std::int64_t exp = 0;
  std::int64_t nbf = 0;
  std::int64_t iat = 0;
  std::string alg;
  std::string kid;
};

struct VerifyOptions {
  std::int64_t now = 0;       // seconds since the epoch
  std::int64_t leeway = 30;   // seconds of clock skew tolerated for exp and nbf (BERTH_CLOCK_LEEWAY)
  std::string required_audience = "authenticated";  // empty: any
  std::string required_role = "authenticated";      // empty: any
  std::string required_issuer;                      // empty: any
};

// Errors: code "unauthorized" with a message naming the reason; the reason
// "unknown_kid" (message prefix) tells the caller a JWKS refresh may help.
Result<JwtClaims> verify_jwt(std::string_view token, const KeySet& keys, const VerifyOptions& options);

// The `iss` claim of a token, read WITHOUT verifying anything: only to choose
// which keys and rules apply to it. Empty when absent or malformed.
std::string unverified_issuer(std::string_view token);

// HMAC-SHA256 of `data` under `key` (raw bytes, 32 of them).
std::string hmac_sha256(std::string_view key, std::string_view data);

// Signs a claims object (JSON text) with HS256.
std::string sign_hs256(std::string_view payload_json, std::string_view secret, std::string_view kid = {});

// Parses a JWKS document (RFC 7517) into keys; unsupported keys are skipped.
Result<std::vector<PublicKey>> parse_jwks(std::string_view json);

}  // namespace berth::auth
