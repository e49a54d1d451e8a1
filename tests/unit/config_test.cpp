#include "core/config.hpp"

#include <gtest/gtest.h>

using namespace berth;

TEST(Config, DefaultsWithNothingSet) {
  auto c = Config::from({});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->port, 3000);
  EXPECT_EQ(c->storage, "local");
  EXPECT_EQ(c->data_dir, "./data");
  EXPECT_TRUE(c->database_url.empty());
  EXPECT_EQ(c->container_network, "none");
  EXPECT_GE(c->threads, 1u);
}

TEST(Config, OriginalNamesWork) {
  auto c = Config::from({{"PORT", "4000"},
                         {"JWT_SECRET", "0123456789abcdef0123"},
                         {"SUPABASE_URL", "https://x.supabase.co/"},
                         {"SUPABASE_KEY", "service"}});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->port, 4000);
  EXPECT_EQ(c->jwt_secret, "0123456789abcdef0123");
  EXPECT_EQ(c->supabase_url, "https://x.supabase.co");
  EXPECT_EQ(c->storage, "supabase");
  EXPECT_EQ(c->jwks, "https://x.supabase.co/auth/v1/.well-known/jwks.json");
}

TEST(Config, OriginalCodeUnderscoreAliases) {
  auto c = Config::from({{"_PORT", "3100"},
                         {"_JWT_SECRET", "0123456789abcdef0123"},
                         {"_SUPABASE_URL", "https://y.supabase.co"},
                         {"_SUPABASE_SERVICE_ROLE_KEY", "k"},
                         {"_CLIENT_ORIGIN", "http://localhost:5173"}});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->port, 3100);
  EXPECT_EQ(c->supabase_key, "k");
  EXPECT_EQ(c->cors_origin, "http://localhost:5173");
}

TEST(Config, BerthNameWinsOverAlias) {
  auto c = Config::from({{"PORT", "1"}, {"_PORT", "2"}});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->port, 1);
}

TEST(Config, BadValuesNameTheSetting) {
  for (auto [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"PORT", "http"}, {"PORT", "70000"}, {"DATABASE_URL", "mysql://x"}, {"BERTH_THREADS", "-1"},
           {"BERTH_IDLE_TIMEOUT", "soon"}, {"BERTH_CONTAINER_MEMORY", "lots"}, {"BERTH_CONTAINER_CPUS", "0"},
           {"DOCKER_HOST", "ssh://x"}, {"BERTH_STORAGE", "s3"}, {"BERTH_LOG_LEVEL", "loud"},
           {"BERTH_SIGNUP", "invite"}, {"BERTH_TOKEN_SECRET", "short"}, {"BERTH_PUBLIC_URL", "code.example.com"},
           {"BERTH_PUBLIC_URL", "https://"}, {"BERTH_PUBLIC_URL", "https://x.example/ide"},
           {"BERTH_MAX_PENDING_SOCKETS", "0"}, {"BERTH_PROJECT_QUOTA", "8m"}, {"BERTH_PROJECT_QUOTA", "none"},
           {"BERTH_CONTAINER_TMP_SIZE", "100k"}}) {
    auto c = Config::from({{name, value}});
    ASSERT_FALSE(c) << name << "=" << value;
    EXPECT_NE(c.error().message.find(name), std::string::npos) << c.error().message;
  }
}

TEST(Config, PublicUrlLosesItsTrailingSlash) {
  EXPECT_EQ(Config::from({{"BERTH_PUBLIC_URL", "https://code.example.com/"}})->public_url, "https://code.example.com");
  EXPECT_EQ(Config::from({{"BERTH_PUBLIC_URL", "http://10.0.0.5:3000"}})->public_url, "http://10.0.0.5:3000");
  EXPECT_EQ(Config::from({})->public_url, "");
}

TEST(Config, ShortJwtSecretRefused) {
  auto c = Config::from({{"JWT_SECRET", "short"}});
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("JWT_SECRET"), std::string::npos);
}

TEST(Config, SignupOpenOrClosed) {
  EXPECT_TRUE(Config::from({})->signup_open);
  EXPECT_TRUE(Config::from({{"BERTH_SIGNUP", "open"}})->signup_open);
  EXPECT_FALSE(Config::from({{"BERTH_SIGNUP", "closed"}})->signup_open);
  for (const char* v : {"invite", "Closed", "false", "0"}) {
    auto c = Config::from({{"BERTH_SIGNUP", v}});
    ASSERT_FALSE(c) << v;
    EXPECT_EQ(c.error().code, "bad_config");
    EXPECT_EQ(c.error().message, std::string("BERTH_SIGNUP='") + v + "' is not valid: expected open or closed");
  }
}

TEST(Config, TokenSecret) {
  EXPECT_TRUE(Config::from({})->token_secret.empty());  // derived from JWT_SECRET
  auto c = Config::from({{"JWT_SECRET", "0123456789abcdef0123"}, {"BERTH_TOKEN_SECRET", "another-secret-0123456789"}});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->token_secret, "another-secret-0123456789");
  auto short_one = Config::from({{"BERTH_TOKEN_SECRET", "short"}});
  ASSERT_FALSE(short_one);
  EXPECT_NE(short_one.error().message.find("BERTH_TOKEN_SECRET is too short"), std::string::npos);
  // The same as JWT_SECRET would make Berth's tokens valid where JWT_SECRET is.
  auto same = Config::from({{"JWT_SECRET", "0123456789abcdef0123"}, {"BERTH_TOKEN_SECRET", "0123456789abcdef0123"}});
  ASSERT_FALSE(same);
  EXPECT_NE(same.error().message.find("BERTH_TOKEN_SECRET must differ from JWT_SECRET"), std::string::npos);
}

TEST(Config, SupabaseStorageNeedsKey) {
  auto c = Config::from({{"SUPABASE_URL", "https://x.supabase.co"}});
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("SUPABASE_KEY"), std::string::npos);
}

TEST(Config, Durations) {
  EXPECT_EQ(Config::from({{"BERTH_IDLE_TIMEOUT", "10m"}})->idle_timeout.count(), 600);
  EXPECT_EQ(Config::from({{"BERTH_IDLE_TIMEOUT", "90"}})->idle_timeout.count(), 90);
  EXPECT_EQ(Config::from({{"BERTH_IDLE_TIMEOUT", "1h"}})->idle_timeout.count(), 3600);
}

TEST(Config, ByteSizes) {
  EXPECT_EQ(parse_byte_size("512m"), 512LL * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("1g"), 1024LL * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("1000"), 1000);
  EXPECT_FALSE(parse_byte_size("m"));
  EXPECT_FALSE(parse_byte_size("-1"));
}

TEST(Dotenv, ParsesCommentsQuotesAndExport) {
  auto vars = parse_dotenv(
      "# comment\n"
      "SUPABASE_URL=https://a.supabase.co\n"
      "export PORT=3001\n"
      "JWT_SECRET=\"with \\\"quote\\\" and # hash\"\n"
      "SINGLE='a b'\n"
      "TRAILING=value # comment\n"
      "EMPTY=\n"
      "garbage line\n");
  EXPECT_EQ(vars["SUPABASE_URL"], "https://a.supabase.co");
  EXPECT_EQ(vars["PORT"], "3001");
  EXPECT_EQ(vars["JWT_SECRET"], "with \"quote\" and # hash");
  EXPECT_EQ(vars["SINGLE"], "a b");
  EXPECT_EQ(vars["TRAILING"], "value");
  EXPECT_EQ(vars["EMPTY"], "");
  EXPECT_EQ(vars.count("garbage line"), 0u);
}

TEST(Config, ClockLeewayAndWebDir) {
  auto defaults = Config::from({});
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->clock_leeway, std::chrono::seconds(30));
  EXPECT_TRUE(defaults->web_dir.empty());
  auto set = Config::from({{"BERTH_CLOCK_LEEWAY", "0"}, {"BERTH_WEB_DIR", "/srv/berth-web"}});
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_EQ(set->clock_leeway, std::chrono::seconds(0));
  EXPECT_EQ(set->web_dir, "/srv/berth-web");
  auto too_long = Config::from({{"BERTH_CLOCK_LEEWAY", "1h"}});
  ASSERT_FALSE(too_long);
  EXPECT_NE(too_long.error().message.find("BERTH_CLOCK_LEEWAY"), std::string::npos);
}
