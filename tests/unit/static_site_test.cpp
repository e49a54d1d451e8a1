#include "net/static_site.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace berth::net;
namespace fs = std::filesystem;

namespace {
struct SiteDir {
  fs::path root = fs::temp_directory_path() / ("berth-site-" + std::to_string(::getpid()));
  SiteDir() {
    fs::remove_all(root);
    fs::create_directories(root / "assets");
    write("index.html", "<!doctype html><title>IDE</title>");
    write("assets/app-1a2b.js", "console.log(1)");
    write("favicon.svg", "<svg/>");
  }
  ~SiteDir() { fs::remove_all(root); }
  void write(const std::string& name, const std::string& text) { std::ofstream(root / name) << text; }
};
HttpRequest get(std::string path) {
  HttpRequest r;
  r.method = "GET";
  r.path = std::move(path);
  return r;
}
std::string header(const HttpResponse& res, std::string_view name) {
  for (auto& [k, v] : res.headers)
    if (k == name) return v;
  return "";
}
}  // namespace

TEST(StaticSite, ServesFilesWithTypesAndCaching) {
  SiteDir dir;
  auto site = StaticSite::load(dir.root.string(), {"/api"});
  ASSERT_TRUE(site);
  EXPECT_EQ((*site)->file_count(), 3u);
  auto js = (*site)->answer(get("/assets/app-1a2b.js"));
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.body, "console.log(1)");
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_NE(header(js, "Cache-Control").find("immutable"), std::string::npos);
  auto index = (*site)->answer(get("/index.html"));
  EXPECT_EQ(header(index, "Cache-Control"), "no-cache");
  EXPECT_FALSE(header(index, "Content-Security-Policy").empty());
  auto again = get("/index.html");
  again.headers.emplace("If-None-Match", header(index, "ETag"));
  EXPECT_EQ((*site)->answer(again).status, 304);
}

TEST(StaticSite, UnknownPagesGetTheIndexButAssetsAndApiPathsDoNot) {
  SiteDir dir;
  auto site = StaticSite::load(dir.root.string(), {"/api", "/socket.io"});
  ASSERT_TRUE(site);
  auto page = (*site)->answer(get("/projects/p1"));
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.body, "<!doctype html><title>IDE</title>");
  EXPECT_EQ((*site)->answer(get("/assets/old-9f9f.js")).status, 404);
  auto api = (*site)->answer(get("/api/v1/nothing"));
  EXPECT_EQ(api.status, 404);
  EXPECT_NE(api.body.find("not_found"), std::string::npos);
  EXPECT_EQ((*site)->answer(get("/api")).status, 404);
  EXPECT_EQ((*site)->answer(get("/apiary")).status, 200);  // a prefix is a whole segment
  EXPECT_EQ((*site)->answer(get("/../../etc/passwd")).body, page.body);  // only files it loaded
}

TEST(StaticSite, AMissingFolderServesAPageThatSaysHowToBuildIt) {
  auto site = StaticSite::load("/nonexistent/berth-web", {"/api"});
  ASSERT_TRUE(site);
  EXPECT_FALSE((*site)->has_index());
  auto root = (*site)->answer(get("/"));
  EXPECT_EQ(root.status, 404);
  EXPECT_NE(root.body.find("BERTH_WEB_DIR"), std::string::npos);
}

TEST(StaticSite, DoesNotFollowSymlinks) {
  SiteDir dir;
  fs::create_symlink("/etc/hostname", dir.root / "leak.txt");
  auto site = StaticSite::load(dir.root.string(), {});
  ASSERT_TRUE(site);
  EXPECT_EQ((*site)->answer(get("/leak.txt")).body, "<!doctype html><title>IDE</title>");
}
