#include "auth/jwt.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>

#include <boost/json.hpp>

#include "core/encoding.hpp"

namespace berth::auth {
namespace json = boost::json;

namespace {

Error unauthorized(std::string reason) { return make_error("unauthorized", std::move(reason)); }

bool verify_with_key(EVP_PKEY* pkey, std::string_view data, std::string_view sig) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
}

// JWS ES256 signatures are raw R‖S (RFC 7518 §3.4); OpenSSL wants DER.
std::optional<std::string> es256_raw_to_der(std::string_view raw) {
  if (raw.size() != 64) return std::nullopt;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr);
  ECDSA_SIG_set0(sig, r, s);
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (len <= 0) return std::nullopt;
  std::string out(reinterpret_cast<char*>(der), std::size_t(len));
  OPENSSL_free(der);
  return out;
}

std::optional<json::object> parse_object(std::string_view b64) {
  auto text = base64url_decode(b64);
  if (!text) return std::nullopt;
  json::error_code ec;
  auto v = json::parse(*text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return v.as_object();
}

std::string string_field(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// NumericDate may be an integer or a fraction (RFC 7519 §2).
std::optional<std::int64_t> time_field(const json::object& o, const char* key, bool& bad) {
  auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  // Bounded to ±2^62 s, so `exp + leeway` cannot overflow and a huge double
  // (1e300) is refused instead of converted (undefined behaviour; the fuzz
  // target found it under a valid signature).
  constexpr std::int64_t kLimit = std::int64_t(1) << 62;
  if (v->is_int64() && v->as_int64() > -kLimit && v->as_int64() < kLimit) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() < std::uint64_t(kLimit)) return std::int64_t(v->as_uint64());
  if (v->is_double() && v->as_double() > -double(kLimit) && v->as_double() < double(kLimit))
    return std::int64_t(v->as_double());
  bad = true;
  return std::nullopt;
}

}  // namespace

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), int(key.size()), reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
       &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string unverified_issuer(std::string_view token) {
  if (token.size() > 16384) return {};
  auto dot1 = token.find('.');
  auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos) return {};
  auto payload = parse_object(token.substr(dot1 + 1, dot2 - dot1 - 1));
  return payload ? string_field(*payload, "iss") : std::string();
}

Result<JwtClaims> verify_jwt(std::string_view token, const KeySet& keys, const VerifyOptions& opt) {
  if (token.size() > 16384) return unauthorized("token too long");
  auto dot1 = token.find('.');
  auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return unauthorized("malformed token: expected three dot-separated parts");
  auto header = parse_object(token.substr(0, dot1));
  auto payload = parse_object(token.substr(dot1 + 1, dot2 - dot1 - 1));
  auto sig = base64url_decode(token.substr(dot2 + 1));
  if (!header || !payload || !sig) return unauthorized("malformed token: bad base64url or JSON");

  JwtClaims c;
  c.alg = string_field(*header, "alg");
  c.kid = string_field(*header, "kid");
  if (header->if_contains("crit")) return unauthorized("unsupported critical header");
  std::string_view signing_input = token.substr(0, dot2);

  if (c.alg == "HS256") {
    if (keys.hmac_secret.empty()) return unauthorized("HS256 tokens are not accepted here");
    std::string expected = hmac_sha256(keys.hmac_secret, signing_input);
    if (sig->size() != expected.size() || CRYPTO_memcmp(sig->data(), expected.data(), expected.size()) != 0)
      return unauthorized("bad signature");
  } else if (c.alg == "RS256" || c.alg == "ES256") {
    std::string der;
    std::string_view signature = *sig;
    if (c.alg == "ES256") {
      auto d = es256_raw_to_der(*sig);
      if (!d) return unauthorized("bad ES256 signature length");
      der = std::move(*d);
      signature = der;
    }
    bool any_key = false, verified = false;
    for (const auto& k : keys.public_keys) {
      // A key verifies only its own algorithm: no HS/RS confusion.
      if (k.alg != c.alg || (!c.kid.empty() && k.kid != c.kid)) continue;
      any_key = true;
      if (verify_with_key(static_cast<EVP_PKEY*>(k.pkey.get()), signing_input, signature)) {
        verified = true;
        break;
      }
    }
    if (!any_key) return unauthorized("unknown_kid: no " + c.alg + " key" + (c.kid.empty() ? "" : " with kid " + c.kid));
    if (!verified) return unauthorized("bad signature");
  } else {
    return unauthorized("algorithm '" + c.alg + "' is not allowed");
  }

  bool bad_time = false;
  auto exp = time_field(*payload, "exp", bad_time);
  auto nbf = time_field(*payload, "nbf", bad_time);
  auto iat = time_field(*payload, "iat", bad_time);
  if (bad_time) return unauthorized("exp, nbf and iat must be numbers");
  if (!exp) return unauthorized("token has no exp");
  if (*exp + opt.leeway <= opt.now) return unauthorized("token expired");
  if (nbf && *nbf - opt.leeway > opt.now) return unauthorized("token not valid yet");
  c.exp = *exp;
  c.nbf = nbf.value_or(0);
  c.iat = iat.value_or(0);
  c.sub = string_field(*payload, "sub");
  if (c.sub.empty()) return unauthorized("token has no sub");
  c.email = string_field(*payload, "email");
  c.role = string_field(*payload, "role");
  c.iss = string_field(*payload, "iss");
  if (auto* aud = payload->if_contains("aud")) {
    if (aud->is_string()) c.aud.emplace_back(aud->as_string());
    else if (aud->is_array())
      for (auto& a : aud->as_array())
        if (a.is_string()) c.aud.emplace_back(a.as_string());
  }
  if (!opt.required_issuer.empty() && c.iss != opt.required_issuer)
    return unauthorized("token issuer must be '" + opt.required_issuer + "'");
  if (!opt.required_role.empty() && c.role != opt.required_role)
    return unauthorized("token role must be '" + opt.required_role + "'");
  if (!opt.required_audience.empty() &&
      std::find(c.aud.begin(), c.aud.end(), opt.required_audience) == c.aud.end())
    return unauthorized("token audience must include '" + opt.required_audience + "'");
  return c;
}

std::string sign_hs256(std::string_view payload_json, std::string_view secret, std::string_view kid) {
  json::object h{{"alg", "HS256"}, {"typ", "JWT"}};
  if (!kid.empty()) h["kid"] = kid;
  std::string input = base64url_encode(json::serialize(h)) + "." + base64url_encode(payload_json);
  return input + "." + base64url_encode(hmac_sha256(secret, input));
}

namespace {

using PkeyPtr = std::shared_ptr<void>;

PkeyPtr pkey_from_params(const char* type, OSSL_PARAM_BLD* bld) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* pkey = nullptr;
  if (ctx && params && EVP_PKEY_fromdata_init(ctx) == 1) EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  if (!pkey) return nullptr;
  return PkeyPtr(pkey, [](void* p) { EVP_PKEY_free(static_cast<EVP_PKEY*>(p)); });
}

BIGNUM* bn(const std::string& bytes) {
  return BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), int(bytes.size()), nullptr);
}

PkeyPtr rsa_key(const std::string& n, const std::string& e) {
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  BIGNUM* bn_n = bn(n);
  BIGNUM* bn_e = bn(e);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e);
  auto key = pkey_from_params("RSA", bld);
  OSSL_PARAM_BLD_free(bld);
  BN_free(bn_n);
  BN_free(bn_e);
  return key;
}

PkeyPtr ec_p256_key(const std::string& x, const std::string& y) {
  if (x.size() != 32 || y.size() != 32) return nullptr;
  std::string point = "\x04" + x + y;
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
  OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  auto key = pkey_from_params("EC", bld);
  OSSL_PARAM_BLD_free(bld);
  return key;
}

}  // namespace

Result<std::vector<PublicKey>> parse_jwks(std::string_view text) {
  json::error_code ec;
  auto doc = json::parse(text, ec);
  if (ec || !doc.is_object() || !doc.as_object().if_contains("keys") || !doc.at("keys").is_array())
    return make_error("bad_config", "JWKS is not a JSON object with a \"keys\" array");
  std::vector<PublicKey> out;
  for (auto& v : doc.at("keys").as_array()) {
    if (!v.is_object()) continue;
    auto& k = v.as_object();
    std::string kty = string_field(k, "kty"), use = string_field(k, "use");
    if (!use.empty() && use != "sig") continue;
    PublicKey key;
    key.kid = string_field(k, "kid");
    if (kty == "RSA") {
      auto n = base64url_decode(string_field(k, "n"));
      auto e = base64url_decode(string_field(k, "e"));
      if (!n || !e || n->empty() || e->empty()) continue;
      key.alg = "RS256";
      key.pkey = rsa_key(*n, *e);
    } else if (kty == "EC" && string_field(k, "crv") == "P-256") {
      auto x = base64url_decode(string_field(k, "x"));
      auto y = base64url_decode(string_field(k, "y"));
      if (!x || !y) continue;
      key.alg = "ES256";
      key.pkey = ec_p256_key(*x, *y);
    } else {
      continue;
    }
    std::string alg = string_field(k, "alg");
    if (!alg.empty() && alg != key.alg) continue;
    if (key.pkey) out.push_back(std::move(key));
  }
  return out;
}

}  // namespace berth::auth
