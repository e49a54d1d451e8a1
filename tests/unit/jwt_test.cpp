// JWT verification vectors: every way a token can be wrong must be refused,
// and the three allowed algorithms must verify real signatures.
#include "auth/jwt.hpp"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <boost/json.hpp>

#include "core/encoding.hpp"

using namespace berth;
using namespace berth::auth;
namespace json = boost::json;

namespace {

constexpr std::int64_t kNow = 1'800'000'000;
const std::string kSecret = "super-secret-jwt-token-with-at-least-32-characters-long";

json::object good_claims() {
  return {{"sub", "user-1"}, {"email", "a@b.co"}, {"role", "authenticated"}, {"aud", "authenticated"},
          {"iat", kNow - 10}, {"exp", kNow + 600}};
}

std::string hs256(const json::object& claims, const std::string& secret = kSecret) {
  return sign_hs256(json::serialize(claims), secret);
}

VerifyOptions at_now() {
  VerifyOptions o;
  o.now = kNow;
  return o;
}

KeySet hmac_keys() { return KeySet{kSecret, {}}; }

std::string with_header(const json::object& header, const json::object& claims, std::string_view sig) {
  return base64url_encode(json::serialize(header)) + "." + base64url_encode(json::serialize(claims)) + "." +
         base64url_encode(sig);
}

// A generated key pair; the private half signs, the public half goes in a JWKS.
struct KeyPair {
  std::shared_ptr<EVP_PKEY> key;
  std::string sign(std::string_view input) const {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get());
    size_t len = 0;
    EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size());
    std::string sig(len, '\0');
    EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    sig.resize(len);
    return sig;
  }
  std::string bignum_param(const char* name) const {
    BIGNUM* bn = nullptr;
    EVP_PKEY_get_bn_param(key.get(), name, &bn);
    std::string out(BN_num_bytes(bn), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
    BN_free(bn);
    return out;
  }
};

KeyPair rsa_pair() { return {std::shared_ptr<EVP_PKEY>(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t(2048)), EVP_PKEY_free)}; }
KeyPair ec_pair() { return {std::shared_ptr<EVP_PKEY>(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), EVP_PKEY_free)}; }

std::string rsa_jwk(const KeyPair& k, const std::string& kid) {
  return json::serialize(json::object{{"kty", "RSA"}, {"kid", kid}, {"use", "sig"}, {"alg", "RS256"},
                                      {"n", base64url_encode(k.bignum_param(OSSL_PKEY_PARAM_RSA_N))},
                                      {"e", base64url_encode(k.bignum_param(OSSL_PKEY_PARAM_RSA_E))}});
}

std::string ec_jwk(const KeyPair& k, const std::string& kid) {
  unsigned char point[65];
  size_t len = 0;
  EVP_PKEY_get_octet_string_param(k.key.get(), OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &len);
  std::string x(reinterpret_cast<char*>(point) + 1, 32), y(reinterpret_cast<char*>(point) + 33, 32);
  return json::serialize(json::object{{"kty", "EC"}, {"crv", "P-256"}, {"kid", kid}, {"x", base64url_encode(x)},
                                      {"y", base64url_encode(y)}});
}

KeySet jwks(const std::string& keys_json) {
  auto keys = parse_jwks("{\"keys\":[" + keys_json + "]}");
  EXPECT_TRUE(keys) << keys.error().message;
  return KeySet{"", *keys};
}

std::string rs256(const KeyPair& k, const json::object& claims, const std::string& kid) {
  std::string input = base64url_encode(json::serialize(json::object{{"alg", "RS256"}, {"kid", kid}})) + "." +
                      base64url_encode(json::serialize(claims));
  return input + "." + base64url_encode(k.sign(input));
}

// ES256 signatures travel as raw R‖S; OpenSSL produces DER.
std::string es256(const KeyPair& k, const json::object& claims, const std::string& kid) {
  std::string input = base64url_encode(json::serialize(json::object{{"alg", "ES256"}, {"kid", kid}})) + "." +
                      base64url_encode(json::serialize(claims));
  std::string der = k.sign(input);
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, long(der.size()));
  std::string raw(64, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(raw.data()), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
  ECDSA_SIG_free(sig);
  return input + "." + base64url_encode(raw);
}

void expect_refused(const Result<JwtClaims>& r, std::string_view reason) {
  ASSERT_FALSE(r) << "accepted a token that must be refused (" << reason << ")";
  EXPECT_EQ(r.error().code, "unauthorized");
  EXPECT_NE(r.error().message.find(reason), std::string::npos) << r.error().message;
}

}  // namespace

TEST(Jwt, Hs256Valid) {
  auto r = verify_jwt(hs256(good_claims()), hmac_keys(), at_now());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->sub, "user-1");
  EXPECT_EQ(r->email, "a@b.co");
  EXPECT_EQ(r->exp, kNow + 600);
}

TEST(Jwt, IndependentHs256Vector) {
  // Made with Python's hmac module (not our signer), secret used as raw UTF-8 bytes as Supabase does.
  const std::string token =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
      "eyJzdWIiOiJ1Iiwicm9sZSI6ImF1dGhlbnRpY2F0ZWQiLCJhdWQiOiJhdXRoZW50aWNhdGVkIiwiZXhwIjoxOTAwMDAwMDAwfQ."
      "35lxlfRH5y3plDtsB5nC4OYc6SMQ-VFKmRk_ia19Y7o";
  auto r = verify_jwt(token, KeySet{"secret-of-at-least-16", {}}, at_now());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->sub, "u");
  EXPECT_EQ(sign_hs256(R"({"sub":"u","role":"authenticated","aud":"authenticated","exp":1900000000})",
                       "secret-of-at-least-16"),
            token);
  std::string unsigned_token = token.substr(0, token.rfind('.') + 1);
  expect_refused(verify_jwt(unsigned_token, KeySet{"secret-of-at-least-16", {}}, at_now()), "bad signature");
}

TEST(Jwt, TamperedPayloadRefused) {
  std::string t = hs256(good_claims());
  auto dot = t.find('.');
  auto claims = good_claims();
  claims["sub"] = "admin";
  std::string forged = t.substr(0, dot + 1) + base64url_encode(json::serialize(claims)) + t.substr(t.rfind('.'));
  expect_refused(verify_jwt(forged, hmac_keys(), at_now()), "bad signature");
}

TEST(Jwt, WrongSecretRefused) {
  expect_refused(verify_jwt(hs256(good_claims(), "another-secret-of-32-characters!!"), hmac_keys(), at_now()),
                 "bad signature");
}

TEST(Jwt, ExpiredRefusedWithLeeway) {
  auto c = good_claims();
  c["exp"] = kNow - 31;
  expect_refused(verify_jwt(hs256(c), hmac_keys(), at_now()), "expired");
  c["exp"] = kNow - 5;  // within the 30 s leeway
  EXPECT_TRUE(verify_jwt(hs256(c), hmac_keys(), at_now()));
}

TEST(Jwt, NotBeforeInFutureRefused) {
  auto c = good_claims();
  c["nbf"] = kNow + 120;
  expect_refused(verify_jwt(hs256(c), hmac_keys(), at_now()), "not valid yet");
}

TEST(Jwt, MissingExpOrSubRefused) {
  auto c = good_claims();
  c.erase("exp");
  expect_refused(verify_jwt(hs256(c), hmac_keys(), at_now()), "no exp");
  c = good_claims();
  c.erase("sub");
  expect_refused(verify_jwt(hs256(c), hmac_keys(), at_now()), "no sub");
}

TEST(Jwt, AlgNoneRefused) {
  auto t = with_header({{"alg", "none"}, {"typ", "JWT"}}, good_claims(), "");
  expect_refused(verify_jwt(t, hmac_keys(), at_now()), "not allowed");
  auto t2 = with_header({{"alg", "None"}}, good_claims(), "");
  expect_refused(verify_jwt(t2, hmac_keys(), at_now()), "not allowed");
}

TEST(Jwt, OtherAlgorithmsRefused) {
  for (const char* alg : {"HS512", "RS512", "PS256", "ES384", "EdDSA"}) {
    auto t = with_header({{"alg", alg}}, good_claims(), "sig");
    expect_refused(verify_jwt(t, hmac_keys(), at_now()), "not allowed");
  }
}

TEST(Jwt, SupabaseAnonAndServiceRoleKeysRefused) {
  // Supabase's API keys are HS256 JWTs signed with the project's JWT secret.
  for (const char* role : {"anon", "service_role"}) {
    json::object c{{"iss", "supabase"}, {"ref", "abc"}, {"role", role}, {"iat", kNow - 100}, {"exp", kNow + 1000}};
    auto r = verify_jwt(hs256(c), hmac_keys(), at_now());
    ASSERT_FALSE(r) << role;
    c["sub"] = "someone";
    expect_refused(verify_jwt(hs256(c), hmac_keys(), at_now()), "role");
  }
}

TEST(Jwt, AudienceMustBeAuthenticated) {
  auto c = good_claims();
  c["aud"] = "other";
  expect_refused(verify_jwt(hs256(c), hmac_keys(), at_now()), "audience");
  c["aud"] = json::array{"x", "authenticated"};
  EXPECT_TRUE(verify_jwt(hs256(c), hmac_keys(), at_now()));
}

TEST(Jwt, IssuerRequiredWhenAsked) {
  auto c = good_claims();
  c["iss"] = "berth";
  auto o = at_now();
  o.required_issuer = "berth";
  EXPECT_TRUE(verify_jwt(hs256(c), hmac_keys(), o));
  c["iss"] = "supabase";
  expect_refused(verify_jwt(hs256(c), hmac_keys(), o), "issuer must be 'berth'");
  c.erase("iss");
  expect_refused(verify_jwt(hs256(c), hmac_keys(), o), "issuer");
  EXPECT_TRUE(verify_jwt(hs256(c), hmac_keys(), at_now()));  // not asked: any issuer or none
}

TEST(Jwt, EmptyRoleAndAudienceRulesAcceptAny) {
  auto c = good_claims();
  c.erase("role");
  c["aud"] = "berth";
  auto o = at_now();
  expect_refused(verify_jwt(hs256(c), hmac_keys(), o), "role");
  o.required_role.clear();
  o.required_audience = "berth";
  EXPECT_TRUE(verify_jwt(hs256(c), hmac_keys(), o));
}

TEST(Jwt, UnverifiedIssuerOnlyReads) {
  auto c = good_claims();
  c["iss"] = "berth";
  EXPECT_EQ(unverified_issuer(hs256(c)), "berth");
  EXPECT_EQ(unverified_issuer(hs256(c, "some other secret entirely")), "berth");  // nothing is verified
  EXPECT_EQ(unverified_issuer(hs256(good_claims())), "");
  for (std::string t : {std::string(""), std::string("abc"), std::string("a.b"), std::string("!!.??.**")})
    EXPECT_EQ(unverified_issuer(t), "") << t;
}

TEST(Jwt, MalformedTokensRefused) {
  for (std::string t : {std::string(""), std::string("abc"), std::string("a.b"), std::string("a.b.c.d"),
                        std::string("!!.??.**"), std::string("e30.e30.")}) {
    auto r = verify_jwt(t, hmac_keys(), at_now());
    EXPECT_FALSE(r) << t;
  }
  expect_refused(verify_jwt(std::string(20000, 'a'), hmac_keys(), at_now()), "too long");
}

TEST(Jwt, Rs256ValidFromJwks) {
  auto k = rsa_pair();
  auto keys = jwks(rsa_jwk(k, "k1"));
  auto r = verify_jwt(rs256(k, good_claims(), "k1"), keys, at_now());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->alg, "RS256");
}

TEST(Jwt, Es256RawSignatureVerified) {
  auto k = ec_pair();
  auto keys = jwks(ec_jwk(k, "e1"));
  auto token = es256(k, good_claims(), "e1");
  auto r = verify_jwt(token, keys, at_now());
  ASSERT_TRUE(r) << r.error().message;
  // A flipped bit in S must fail.
  std::string sig = *base64url_decode(token.substr(token.rfind('.') + 1));
  sig[63] ^= 1;
  std::string bad = token.substr(0, token.rfind('.') + 1) + base64url_encode(sig);
  expect_refused(verify_jwt(bad, keys, at_now()), "bad signature");
  // A DER signature (the wrong encoding for JWS) is refused, not misread.
  std::string der_token = token.substr(0, token.rfind('.') + 1) + base64url_encode(std::string(70, 'x'));
  expect_refused(verify_jwt(der_token, keys, at_now()), "signature");
}

TEST(Jwt, UnknownKidReportsUnknownKid) {
  auto k = rsa_pair();
  auto keys = jwks(rsa_jwk(k, "k1"));
  expect_refused(verify_jwt(rs256(k, good_claims(), "k2"), keys, at_now()), "unknown_kid");
}

TEST(Jwt, WrongKeyRefused) {
  auto k1 = rsa_pair(), k2 = rsa_pair();
  auto keys = jwks(rsa_jwk(k1, "k1"));
  expect_refused(verify_jwt(rs256(k2, good_claims(), "k1"), keys, at_now()), "bad signature");
}

TEST(Jwt, HsRsConfusionRefused) {
  // The classic attack: sign HS256 with the RSA public key's bytes as the secret.
  auto k = rsa_pair();
  auto keys = jwks(rsa_jwk(k, "k1"));
  std::string public_n = k.bignum_param(OSSL_PKEY_PARAM_RSA_N);
  auto forged = sign_hs256(json::serialize(good_claims()), public_n, "k1");
  expect_refused(verify_jwt(forged, keys, at_now()), "HS256 tokens are not accepted");
  // And an RS256 header never verifies against the HMAC secret.
  auto t = with_header({{"alg", "RS256"}}, good_claims(), "x");
  expect_refused(verify_jwt(t, hmac_keys(), at_now()), "unknown_kid");
}

TEST(Jwt, KeyOnlyVerifiesItsAlgorithm) {
  auto k = ec_pair();
  auto keys = jwks(ec_jwk(k, "e1"));
  // An RS256 header naming an EC key's kid finds no RS256 key.
  auto t = with_header({{"alg", "RS256"}, {"kid", "e1"}}, good_claims(), "x");
  expect_refused(verify_jwt(t, keys, at_now()), "unknown_kid");
}

TEST(Jwks, SkipsUnsupportedKeysAndRejectsGarbage) {
  auto keys = parse_jwks(R"({"keys":[{"kty":"oct","k":"AAAA"},{"kty":"OKP","crv":"Ed25519","x":"AA"}]})");
  ASSERT_TRUE(keys);
  EXPECT_TRUE(keys->empty());
  EXPECT_FALSE(parse_jwks("not json"));
  EXPECT_FALSE(parse_jwks(R"({"nokeys":1})"));
}

// Found by jwt_fuzz under a valid signature: a time too large for an int64
// was converted (undefined behaviour) instead of refused.
TEST(Jwt, TimesBeyondRangeAreRefusedNotConverted) {
  for (auto raw : {std::string(R"({"sub":"u","role":"authenticated","aud":"authenticated","exp":1.9e136})"),
                   std::string(R"({"sub":"u","role":"authenticated","aud":"authenticated","exp":9223372036854775807})"),
                   std::string(R"({"sub":"u","role":"authenticated","aud":"authenticated","exp":1900000000,"nbf":-1e300})")}) {
    auto token = sign_hs256(raw, kSecret);
    auto claims = verify_jwt(token, hmac_keys(), at_now());
    ASSERT_FALSE(claims.ok()) << raw;
    EXPECT_EQ(claims.error().code, "unauthorized");
  }
}
