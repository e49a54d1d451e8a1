// ProjectManifest: what object storage cannot express, as JSON; and the
// rule that keeps symlinks inside the project.
#include <gtest/gtest.h>

#include "storage/layout.hpp"
#include "storage/project_manifest.hpp"

namespace berth::storage {
namespace {

TEST(StorageManifest, SymlinksMustStayInsideTheProject) {
  EXPECT_TRUE(symlink_stays_inside("a", "b"));
  EXPECT_TRUE(symlink_stays_inside("dir/link", "../file"));
  EXPECT_TRUE(symlink_stays_inside("a/b/c", "../../x/./y"));
  EXPECT_TRUE(symlink_stays_inside("link", "./sub//file"));
  EXPECT_FALSE(symlink_stays_inside("link", "../outside"));
  EXPECT_FALSE(symlink_stays_inside("a/link", "../../outside"));
  EXPECT_FALSE(symlink_stays_inside("a/link", "x/../../../outside"));
  EXPECT_FALSE(symlink_stays_inside("link", "/etc/passwd"));
  EXPECT_FALSE(symlink_stays_inside("link", ""));
  EXPECT_FALSE(symlink_stays_inside("../link", "x"));
  EXPECT_FALSE(symlink_stays_inside("link", std::string("a\0b", 3)));
}

TEST(StorageManifest, CleanPaths) {
  EXPECT_TRUE(is_clean_relative_path("src/main.py"));
  EXPECT_TRUE(is_clean_relative_path(".env"));
  for (auto bad : {"", "/abs", "a//b", "a/./b", "a/../b", "..", "a/", "./a"}) EXPECT_FALSE(is_clean_relative_path(bad)) << bad;
}

TEST(StorageManifest, RoundTripsAndDropsWhatIsUnsafe) {
  ProjectManifest m;
  m.empty_directories = {"a", "b/c"};
  m.modes = {{"run.sh", 0755}, {"secret", 0600}};
  m.symlinks = {{"l", "run.sh"}};
  auto back = ProjectManifest::decode(m.encode());
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, m);
  auto hostile = ProjectManifest::decode(
      R"({"emptyDirectories":["ok","../up","/abs"],"modes":{"x":4095,"../y":493},"symlinks":{"l":"/etc","m":"../../x","n":"ok"}})");
  ASSERT_TRUE(hostile);
  EXPECT_EQ(hostile->empty_directories, std::vector<std::string>{"ok"});
  EXPECT_EQ(hostile->modes, (std::map<std::string, unsigned>{{"x", 0777}}));  // setuid/sticky bits never return
  EXPECT_EQ(hostile->symlinks, (std::map<std::string, std::string>{{"n", "ok"}}));
  EXPECT_FALSE(ProjectManifest::decode("not json"));
}

TEST(StorageManifest, TheManifestKeyIsOutsideThePrefix) {
  auto prefix = project_prefix("0b5e-owner", "7c1d-project");
  EXPECT_EQ(prefix, "0b5e-owner/7c1d-project/");
  EXPECT_EQ(project_key("o", "p", "src/a.py"), "o/p/src/a.py");
  auto key = manifest_key(prefix);
  EXPECT_EQ(key, "_manifests/0b5e-owner/7c1d-project.json");
  EXPECT_NE(key.rfind(prefix, 0), 0u);
  EXPECT_EQ(manifest_key(template_prefix("node")), "_manifests/_templates/node.json");
}

}  // namespace
}  // namespace berth::storage
