#pragma once
// How Berth makes its images without a registry (issue #4): a tiny test
// image from busybox-static, imported from a tar built in memory, and the
// development image from a minimal debootstrap root whose mirror comes from
// the machine's own apt sources (never a host name written into Berth), with
// the development packages then installed by apt-get inside that root.
// The recipes are data and pure functions; app/image_command.cpp runs them.
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace berth::docker {

inline constexpr const char* kTestImage = "berth-test:latest";
inline constexpr const char* kWorkspaceImage = "berth-workspace:latest";
inline constexpr int kContainerUid = 1000;

// Dockerfile-style changes applied at import: the non-root user, /workspace,
// and an idle command that keeps the container up and dies on SIGTERM.
std::vector<std::string> image_changes(const std::string& kind);

// The root file system of the test image: /bin/busybox with a symlink per
// applet, a user `user` (uid 1000), /workspace and /tmp. `applets` is what
// `busybox --list` prints.
Result<std::string> busybox_rootfs_tar(const std::string& busybox_binary, const std::vector<std::string>& applets);

// The Debian archive URI for `suite` from apt sources: the texts of the
// deb822 files (/etc/apt/sources.list.d/*.sources) and of one-line lists
// (/etc/apt/sources.list, *.list). nullopt when none names the suite.
std::optional<std::string> apt_mirror_for(const std::vector<std::string>& deb822_texts,
                                          const std::vector<std::string>& list_texts, const std::string& suite);

// What debootstrap adds to its minbase root: only what apt needs (its
// --include does not resolve big dependency trees such as npm's reliably).
std::vector<std::string> workspace_bootstrap_packages();

// Packages of the development image, installed with apt-get in the root.
std::vector<std::string> workspace_packages();

// One shell script run in the chroot, shown under its label.
struct ChrootStep {
  std::string label;
  std::string script;
};

// What runs in the debootstrap root, in order: apt-get update and install of
// `packages` (the apt sources are the ones debootstrap wrote, so the same
// mirror), the user `user` (uid 1000) and /workspace, then apt-get clean and
// no package lists, to keep the image small.
std::vector<ChrootStep> workspace_chroot_steps(const std::vector<std::string>& packages);

// The environment the chroot steps run with (`env -i` then these): no
// questions from debconf, a locale the bare root has.
std::vector<std::string> workspace_chroot_env();

}  // namespace berth::docker
