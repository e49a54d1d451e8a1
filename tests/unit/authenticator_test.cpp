// The Authenticator: Berth's own tokens are signed with a key of their own
// (never the JWT secret, which may be a Supabase project's) and say iss/aud
// "berth"; Supabase's tokens keep their rules; and verifying needs no lock,
// so tokens verify correctly from many threads while the keys are swapped.
#include "auth/authenticator.hpp"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <atomic>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "core/encoding.hpp"
#include "core/log.hpp"

using namespace berth;
using namespace berth::auth;
namespace json = boost::json;

namespace {

const std::string kSecret = "the-jwt-secret-of-a-supabase-project-0123456789";

json::object claims(json::object extra = {}) {
  auto now = unix_now();
  json::object c{{"sub", "user-1"}, {"email", "a@b.co"}, {"iat", now}, {"exp", now + 600}};
  for (auto& [k, v] : extra) c[k] = v;
  return c;
}

json::object supabase_claims() {
  return claims({{"role", "authenticated"}, {"aud", "authenticated"}, {"iss", "https://x.supabase.co/auth/v1"}});
}

std::string hs256(const json::object& c, const std::string& secret) { return sign_hs256(json::serialize(c), secret); }

json::object payload_of(const std::string& token) {
  auto dot1 = token.find('.'), dot2 = token.rfind('.');
  return json::parse(*base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1))).as_object();
}

// What Supabase does with a token: HS256 under its JWT secret (no claim rules here).
Result<JwtClaims> verify_as_supabase_would(const std::string& token) {
  VerifyOptions any;
  any.now = unix_now();
  any.required_audience.clear();
  any.required_role.clear();
  return verify_jwt(token, KeySet{kSecret, {}}, any);
}

void expect_refused(const Result<Principal>& r, std::string_view reason) {
  ASSERT_FALSE(r) << "accepted a token that must be refused (" << reason << ")";
  EXPECT_EQ(r.error().code, "unauthorized");
  EXPECT_NE(r.error().message.find(reason), std::string::npos) << r.error().message;
}

struct Fixture : ::testing::Test {
  WorkerPool pool{1};
  Authenticator auth{kSecret, "", nullptr, pool};
};

using AuthenticatorTokens = Fixture;

}  // namespace

TEST_F(AuthenticatorTokens, OwnTokenIsNotValidUnderTheJwtSecret) {
  auto token = auth.issue_access_token("user-1", "a@b.co", std::chrono::seconds(900));
  auto me = auth.authenticate_cached(token);
  ASSERT_TRUE(me) << me.error().message;
  EXPECT_EQ(me->user_id, "user-1");
  EXPECT_EQ(me->email, "a@b.co");
  // Supabase (or anyone holding only the JWT secret) cannot verify it...
  auto at_supabase = verify_as_supabase_would(token);
  ASSERT_FALSE(at_supabase);
  EXPECT_NE(at_supabase.error().message.find("bad signature"), std::string::npos);
  // ...because it is signed with the derived key, and says it is Berth's.
  VerifyOptions berths;
  berths.now = unix_now();
  berths.required_audience = "berth";
  berths.required_role.clear();
  berths.required_issuer = "berth";
  EXPECT_TRUE(verify_jwt(token, KeySet{derive_access_token_key(kSecret), {}}, berths));
  auto p = payload_of(token);
  EXPECT_EQ(p.at("iss"), "berth");
  EXPECT_EQ(p.at("aud"), "berth");
  EXPECT_FALSE(p.contains("role"));  // grants no database role anywhere
}

TEST_F(AuthenticatorTokens, DerivedKeyIsHmacOfTheSecret) {
  EXPECT_EQ(derive_access_token_key(kSecret), hmac_sha256(kSecret, "berth access token v1"));
  EXPECT_EQ(derive_access_token_key(kSecret).size(), 32u);
  EXPECT_NE(derive_access_token_key(kSecret), derive_access_token_key(kSecret + "x"));
  EXPECT_TRUE(derive_access_token_key("").empty());  // no secret, no (guessable) key
}

TEST_F(AuthenticatorTokens, JwtSecretTokenClaimingBerthIssuerIsRefused) {
  // Signed with the raw JWT secret: what a Berth token looked like before, or
  // what anyone with a Supabase-valid signing key could forge.
  for (const char* aud : {"authenticated", "berth"}) {
    auto forged = hs256(claims({{"iss", "berth"}, {"aud", aud}, {"role", "authenticated"}}), kSecret);
    expect_refused(auth.authenticate_cached(forged), "bad signature");
  }
}

TEST_F(AuthenticatorTokens, OwnKeyNeedsBerthIssuerAndAudience) {
  auto key = derive_access_token_key(kSecret);
  expect_refused(auth.authenticate_cached(hs256(claims({{"iss", "berth"}, {"aud", "authenticated"}}), key)),
                 "audience must include 'berth'");
  expect_refused(auth.authenticate_cached(hs256(claims({{"iss", "berth"}}), key)), "audience");
  // Under Berth's key but not saying it is Berth's: the Supabase rules and key apply.
  expect_refused(auth.authenticate_cached(hs256(supabase_claims(), key)), "bad signature");
  expect_refused(auth.authenticate_cached(hs256(claims({{"aud", "berth"}}), key)), "bad signature");
}

TEST_F(AuthenticatorTokens, SupabaseTokensKeepTheirRules) {
  auto ok = auth.authenticate_cached(hs256(supabase_claims(), kSecret));
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->user_id, "user-1");
  auto c = supabase_claims();
  c["aud"] = "berth";
  expect_refused(auth.authenticate_cached(hs256(c, kSecret)), "audience");
  c = supabase_claims();
  c["role"] = "anon";
  expect_refused(auth.authenticate_cached(hs256(c, kSecret)), "role");
}

TEST_F(AuthenticatorTokens, BerthIssuerWithAnAsymmetricAlgorithmDoesNotAskForTheJwks) {
  auto header = base64url_encode(R"({"alg":"RS256","kid":"k1"})");
  auto token = header + "." + base64url_encode(json::serialize(claims({{"iss", "berth"}, {"aud", "berth"}}))) + ".c2ln";
  auto r = auth.authenticate_cached(token);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.rfind("unknown_kid", 0), 0u) << r.error().message;  // no JWKS refresh for it
}

TEST_F(AuthenticatorTokens, TokenSecretReplacesTheDerivedKey) {
  const std::string token_secret = "a-separate-berth-token-secret-0123";
  auto before = auth.issue_access_token("user-1", "", std::chrono::seconds(900));
  auth.set_token_secret(token_secret);
  auto after = auth.issue_access_token("user-1", "", std::chrono::seconds(900));
  EXPECT_TRUE(auth.authenticate_cached(after));
  VerifyOptions berths;
  berths.now = unix_now();
  berths.required_audience = "berth";
  berths.required_role.clear();
  EXPECT_TRUE(verify_jwt(after, KeySet{token_secret, {}}, berths));
  expect_refused(auth.authenticate_cached(before), "bad signature");  // issued under the old key
  EXPECT_FALSE(verify_as_supabase_would(after));
  EXPECT_TRUE(auth.authenticate_cached(hs256(supabase_claims(), kSecret)));  // Supabase's still work
  auth.set_token_secret("");  // back to the derived key
  EXPECT_TRUE(auth.authenticate_cached(before));
}

// --- many verifiers, one key rotator ---

namespace {

struct EcKey {
  std::shared_ptr<EVP_PKEY> key{EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), EVP_PKEY_free};

  std::string jwk(const std::string& kid) const {
    unsigned char point[65];
    size_t len = 0;
    EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &len);
    std::string x(reinterpret_cast<char*>(point) + 1, 32), y(reinterpret_cast<char*>(point) + 33, 32);
    return json::serialize(json::object{{"kty", "EC"}, {"crv", "P-256"}, {"kid", kid}, {"alg", "ES256"},
                                        {"x", base64url_encode(x)}, {"y", base64url_encode(y)}});
  }

  // ES256 signatures travel as raw R‖S; OpenSSL produces DER.
  std::string token(const json::object& c, const std::string& kid) const {
    std::string input = base64url_encode(json::serialize(json::object{{"alg", "ES256"}, {"kid", kid}})) + "." +
                        base64url_encode(json::serialize(c));
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get());
    size_t len = 0;
    EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size());
    std::string der(len, '\0');
    EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &len,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, long(len));
    std::string raw(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
    ECDSA_SIG_free(sig);
    return input + "." + base64url_encode(raw);
  }
};

// Replaces the file in one rename, so a reader sees the old or the new JWKS.
void write_jwks(const std::filesystem::path& file, const std::string& keys) {
  auto temp = file;
  temp += ".tmp";
  std::ofstream(temp) << "{\"keys\":[" << keys << "]}";
  std::filesystem::rename(temp, file);
}

}  // namespace

TEST(AuthenticatorKeys, VerifyFromManyThreadsWhileTheJwksIsSwapped) {
  EcKey first, second, third;
  // Generation A: kid k1 is `first`. Generation B: kid k1 is `second`, and k2 (`third`) appears.
  const std::string gen_a = first.jwk("k1");
  const std::string gen_b = second.jwk("k1") + "," + third.jwk("k2");
  auto dir = std::filesystem::temp_directory_path() / ("berth-jwks-" + random_token(6));
  std::filesystem::create_directories(dir);
  auto file = dir / "jwks.json";
  write_jwks(file, gen_a);

  WorkerPool pool(1);
  Authenticator auth(kSecret, file.string(), nullptr, pool);
  auto level = spdlog::get_level();
  spdlog::set_level(spdlog::level::warn);  // each load() says how many keys it read
  ASSERT_TRUE(auth.load());

  const std::string by_first = first.token(supabase_claims(), "k1");    // valid under A only
  const std::string by_second = second.token(supabase_claims(), "k1");  // valid under B only
  const std::string by_third = third.token(supabase_claims(), "k2");    // B only; unknown kid under A
  const std::string hs = hs256(supabase_claims(), kSecret);             // always valid
  const std::string own = auth.issue_access_token("user-1", "", std::chrono::seconds(600));  // always valid

  // Each outcome must be what one whole generation gives: valid, or the
  // refusal that generation gives. Anything else (another message, a crash,
  // a sanitizer report) is a torn read of the keys.
  auto consistent = [](const Result<Principal>& r, const char* refusal) {
    if (r) return r->user_id == "user-1";
    return refusal != nullptr && r.error().message.rfind(refusal, 0) == 0;
  };

  std::atomic<bool> rotating{true};
  std::atomic<long> verified{0}, inconsistent{0}, load_failures{0};
  std::mutex first_bad_mu;
  std::string first_bad;
  auto note_bad = [&](const std::string& what) {
    inconsistent++;
    std::lock_guard lock(first_bad_mu);
    if (first_bad.empty()) first_bad = what;
  };

  std::vector<std::thread> verifiers;
  for (int t = 0; t < 4; ++t)
    verifiers.emplace_back([&] {
      for (long n = 0; rotating || n < 20; ++n) {
        struct Case {
          const std::string* token;
          const char* refusal;
        } cases[] = {{&by_first, "bad signature"}, {&by_second, "bad signature"}, {&by_third, "unknown_kid"},
                     {&hs, nullptr},             {&own, nullptr}};
        for (auto& c : cases) {
          auto r = auth.authenticate_cached(*c.token);
          if (!consistent(r, c.refusal)) note_bad(r ? "accepted as " + r->user_id : r.error().message);
          verified++;
        }
      }
    });

  std::thread rotator([&] {
    for (int i = 0; i < 300; ++i) {
      write_jwks(file, i % 2 ? gen_a : gen_b);
      if (!auth.load()) load_failures++;
    }
    rotating = false;
  });
  rotator.join();
  for (auto& v : verifiers) v.join();

  EXPECT_EQ(inconsistent.load(), 0) << first_bad;
  EXPECT_EQ(load_failures.load(), 0);
  EXPECT_GT(verified.load(), 0);
  // The last generation written was A (i = 299 is odd): its answers hold.
  EXPECT_TRUE(auth.authenticate_cached(by_first));
  EXPECT_FALSE(auth.authenticate_cached(by_second));
  spdlog::set_level(level);
  std::filesystem::remove_all(dir);
}
