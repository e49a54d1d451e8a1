// The OpenAPI document and the router must describe the same API: every
// route is documented and every documented operation is routed.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <filesystem>
#include <set>

#include "api/rest/routes.hpp"
#include "core/encoding.hpp"

using namespace berth;

namespace {

std::set<std::pair<std::string, std::string>> routed() {
  Config config;
  config.data_dir = (std::filesystem::temp_directory_path() / ("berth-openapi-" + random_token(6))).string();
  auto db = db::open_database(config, 1);
  EXPECT_TRUE(db) << db.error().message;
  WorkerPool workers(1);
  auth::Authenticator authenticator("secret-for-the-openapi-test", "", nullptr, workers);
  auth::PasswordHasher hasher(1, 1);
  net::Metrics metrics;
  net::Router router;
  api::ApiContext ctx{config, **db, authenticator, hasher, workers, metrics, router};
  api::add_rest_routes(router, ctx);
  std::set<std::pair<std::string, std::string>> out;
  for (auto& r : router.routes()) out.emplace(r.method, r.pattern);
  std::filesystem::remove_all(config.data_dir);
  return out;
}

std::set<std::pair<std::string, std::string>> documented() {
  auto doc = boost::json::parse(api::openapi_document());
  std::set<std::pair<std::string, std::string>> out;
  for (auto& [path, item] : doc.at("paths").as_object()) {
    for (auto& [method, op] : item.as_object()) {
      if (method == "parameters") continue;
      std::string m(method);
      std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return char(std::toupper(c)); });
      out.emplace(m, std::string(path));
    }
  }
  return out;
}

}  // namespace

TEST(OpenApi, IsValidJsonOf31) {
  auto doc = boost::json::parse(api::openapi_document());
  EXPECT_EQ(doc.at("openapi").as_string(), "3.1.0");
}

TEST(OpenApi, EveryRouteIsDocumentedAndEveryDocumentedRouteExists) {
  auto routes = routed();
  auto docs = documented();
  ASSERT_FALSE(routes.empty());
  for (auto& r : routes) EXPECT_TRUE(docs.count(r)) << "undocumented route: " << r.first << " " << r.second;
  for (auto& d : docs) EXPECT_TRUE(routes.count(d)) << "documented but not routed: " << d.first << " " << d.second;
}
