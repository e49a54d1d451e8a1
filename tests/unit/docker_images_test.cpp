// The local image recipes: a ustar archive that GNU tar reads back, the
// busybox root file system, and the Debian mirror taken from apt sources.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/encoding.hpp"
#include "docker/image_recipes.hpp"
#include "docker/tar_writer.hpp"

using namespace berth::docker;

namespace {
std::string tar_listing(const std::string& archive) {
  auto path = std::filesystem::temp_directory_path() / ("berth-tar-" + berth::random_token(6) + ".tar");
  std::ofstream(path, std::ios::binary) << archive;
  std::string out;
  FILE* p = ::popen(("tar --numeric-owner -tvf " + path.string() + " 2>&1").c_str(), "r");
  char buf[4096];
  while (p && std::fgets(buf, sizeof buf, p)) out += buf;
  if (p) ::pclose(p);
  std::filesystem::remove(path);
  return out;
}
}  // namespace

TEST(TarWriter, WritesAnArchiveTarReads) {
  TarWriter t;
  ASSERT_TRUE(t.add_directory("workspace", 0755, {1000, 1000}));
  ASSERT_TRUE(t.add_file("etc/passwd", "root:x:0:0::/:/bin/sh\n", 0644));
  ASSERT_TRUE(t.add_symlink("bin/sh", "busybox"));
  std::string deep = std::string(120, 'd') + "/" + std::string(90, 'f');
  ASSERT_TRUE(t.add_file(deep, "x"));
  EXPECT_FALSE(t.add_file(std::string(300, 'z'), "x"));
  auto archive = t.finish();
  EXPECT_EQ(archive.size() % 512, 0u);
  auto listing = tar_listing(archive);
  EXPECT_NE(listing.find("drwxr-xr-x 1000/1000"), std::string::npos) << listing;
  EXPECT_NE(listing.find("workspace/"), std::string::npos) << listing;
  EXPECT_NE(listing.find("etc/passwd"), std::string::npos) << listing;
  EXPECT_NE(listing.find("bin/sh -> busybox"), std::string::npos) << listing;
  EXPECT_NE(listing.find(deep), std::string::npos) << listing;
  EXPECT_EQ(listing.find("tar:"), std::string::npos) << listing;
}

TEST(ImageRecipes, BusyboxRootHasAUserAndAWorkspace) {
  auto tar = busybox_rootfs_tar(std::string(4096, '\x7f'), {"sh", "ls", "sleep"});
  ASSERT_TRUE(tar);
  auto listing = tar_listing(*tar);
  EXPECT_NE(listing.find("bin/sleep -> busybox"), std::string::npos) << listing;
  EXPECT_NE(listing.find("1000/1000"), std::string::npos) << listing;
  EXPECT_NE(tar->find("user:x:1000:1000"), std::string::npos);
  auto changes = image_changes("test");
  EXPECT_EQ(changes.front(), "USER 1000");
}

TEST(ImageRecipes, FindsTheMirrorInDeb822AndOneLineSources) {
  std::string deb822 =
      "Types: deb\n# a comment\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\n"
      "Components: main\n\nTypes: deb\nURIs: http://security.example/debian-security\nSuites: bookworm-security\n";
  EXPECT_EQ(apt_mirror_for({deb822}, {}, "bookworm").value_or(""), "http://mirror.example/debian");
  EXPECT_EQ(apt_mirror_for({deb822}, {}, "bookworm-security").value_or(""), "http://security.example/debian-security");
  EXPECT_FALSE(apt_mirror_for({deb822}, {}, "trixie"));
  std::string disabled = "Enabled: no\nTypes: deb\nURIs: http://off.example/debian\nSuites: bookworm\n";
  EXPECT_FALSE(apt_mirror_for({disabled}, {}, "bookworm"));
  std::string list =
      "# deb http://commented.example/debian bookworm main\n"
      "deb-src http://src.example/debian bookworm main\n"
      "deb [arch=amd64 signed-by=/k.gpg] https://list.example/debian bookworm main\n";
  EXPECT_EQ(apt_mirror_for({}, {list}, "bookworm").value_or(""), "https://list.example/debian");
}
