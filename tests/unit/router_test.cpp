#include "net/router.hpp"

#include <gtest/gtest.h>

using namespace berth::net;

namespace {
Handler noop() {
  return [](HttpRequest&) -> boost::asio::awaitable<HttpResponse> { co_return HttpResponse{}; };
}
HttpRequest request(std::string method, std::string path) {
  HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  return r;
}
}  // namespace

TEST(Router, MatchesParametersAndMethods) {
  Router router;
  router.add("GET", "/api/v1/projects", noop());
  router.add("GET", "/api/v1/projects/{id}", noop());
  router.add("DELETE", "/api/v1/projects/{id}", noop());
  router.add("PUT", "/api/v1/projects/{id}/members/{userId}", noop());

  auto r = request("GET", "/api/v1/projects/abc");
  auto m = router.match(r);
  ASSERT_TRUE(m.route);
  EXPECT_EQ(r.params["id"], "abc");
  EXPECT_EQ(r.route, "/api/v1/projects/{id}");

  auto r2 = request("PUT", "/api/v1/projects/p1/members/u2");
  ASSERT_TRUE(router.match(r2).route);
  EXPECT_EQ(r2.params["id"], "p1");
  EXPECT_EQ(r2.params["userId"], "u2");
}

TEST(Router, NotFoundAndMethodNotAllowed) {
  Router router;
  router.add("GET", "/api/v1/projects/{id}", noop());
  router.add("DELETE", "/api/v1/projects/{id}", noop());
  auto r = request("GET", "/api/v1/nothing");
  EXPECT_EQ(router.match(r).status, 404);
  auto r2 = request("POST", "/api/v1/projects/x");
  auto m = router.match(r2);
  EXPECT_FALSE(m.route);
  EXPECT_EQ(m.status, 405);
  EXPECT_EQ(m.allow, "GET, DELETE");
  auto r3 = request("GET", "/api/v1/projects/x/extra");
  EXPECT_EQ(router.match(r3).status, 404);
}

TEST(Router, TrailingAndDoubleSlashesAreOneSegmentBoundary) {
  Router router;
  router.add("GET", "/healthz", noop());
  auto r = request("GET", "/healthz/");
  EXPECT_TRUE(router.match(r).route);
  EXPECT_EQ(split_path("//a//b/"), (std::vector<std::string>{"a", "b"}));
}

TEST(Router, HeadUsesGet) {
  Router router;
  router.add("GET", "/healthz", noop());
  auto r = request("HEAD", "/healthz");
  EXPECT_TRUE(router.match(r).route);
}

TEST(PercentDecode, DecodesAndRejectsBadEscapes) {
  std::string out;
  EXPECT_TRUE(percent_decode("a%20b%2Fc", out, false));
  EXPECT_EQ(out, "a b/c");
  EXPECT_FALSE(percent_decode("%2", out, false));
  EXPECT_FALSE(percent_decode("%zz", out, false));
  EXPECT_TRUE(percent_decode("a+b", out, true));
  EXPECT_EQ(out, "a b");
  auto q = parse_query("path=src%2Fmain.cpp&x&y=1");
  EXPECT_EQ(q["path"], "src/main.cpp");
  EXPECT_EQ(q["y"], "1");
}

TEST(Router, FallbackTakesOnlyUnroutedGetsAndHeads) {
  Router router;
  router.add("POST", "/api/v1/things", noop());
  router.set_fallback(noop());
  auto page = request("GET", "/projects/abc");
  ASSERT_TRUE(router.match(page).route);
  EXPECT_EQ(page.route, "/*");
  auto head = request("HEAD", "/");
  EXPECT_TRUE(router.match(head).route);
  auto post = request("POST", "/projects/abc");
  EXPECT_EQ(router.match(post).status, 404);
  auto wrong_method = request("GET", "/api/v1/things");  // a route's path keeps its 405
  EXPECT_EQ(router.match(wrong_method).status, 405);
}
