// The local image recipes: a ustar archive that GNU tar reads back, the
// busybox root file system, and the Debian mirror taken from apt sources.
#include <gtest/gtest.h>

#include <algorithm>
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

TEST(ImageRecipes, DebootstrapsOnlyWhatAptNeedsAndAptInstallsTheRest) {
  auto boot = workspace_bootstrap_packages();
  EXPECT_EQ(boot, std::vector<std::string>{"ca-certificates"});  // npm's tree is apt-get's job
  auto steps = workspace_chroot_steps(workspace_packages());
  ASSERT_EQ(steps.size(), 4u);
  EXPECT_EQ(steps[0].script, "apt-get update");
  auto& install = steps[1].script;
  EXPECT_EQ(install.rfind("apt-get install -y --no-install-recommends", 0), 0u) << install;
  for (auto& p : workspace_packages()) EXPECT_NE(install.find(" " + p), std::string::npos) << p;
  EXPECT_NE(steps[2].script.find("useradd --create-home --uid 1000"), std::string::npos) << steps[2].script;
  EXPECT_NE(steps[2].script.find("chown 1000:1000 /workspace"), std::string::npos) << steps[2].script;
  EXPECT_EQ(steps.back().script, "apt-get clean && rm -rf /var/lib/apt/lists/*");
  auto env = workspace_chroot_env();
  EXPECT_NE(std::find(env.begin(), env.end(), "DEBIAN_FRONTEND=noninteractive"), env.end());
  auto changes = image_changes("workspace");
  EXPECT_NE(std::find(changes.begin(), changes.end(), "WORKDIR /workspace"), changes.end());
  EXPECT_NE(std::find(changes.begin(), changes.end(), "LABEL io.berth.image=workspace"), changes.end());
}
