#pragma once
// `berth image build`: makes the images Berth's projects run in, locally,
// with no registry (issue #4): berth-test:latest from busybox-static in a
// second, and berth-workspace:latest from a minimal debootstrap root with the
// development packages installed by apt-get in a chroot (minutes; the mirror
// comes from the machine's apt sources). images/ holds a Dockerfile of the
// same development image for machines with a registry.
#include <string>

#include "core/config.hpp"

namespace berth::app {

struct ImageBuildOptions {
  bool test_only = false;       // only the busybox test image
  bool workspace_only = false;  // only the debootstrap development image
  bool missing_only = false;    // skip images that are already present
  std::string mirror;           // empty: from /etc/apt/sources*
  std::string suite;            // empty: VERSION_CODENAME of /etc/os-release
  std::string busybox = "/bin/busybox";
};

int run_image_build(const Config& config, const ImageBuildOptions& options);
int run_image_list(const Config& config);

}  // namespace berth::app
