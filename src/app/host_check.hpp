#pragma once
// What Berth needs from the host, checked when `berth serve` starts so that
// a missing piece is one clear line instead of a mysterious failure later:
//   - root, or the capabilities it uses: CAP_CHOWN, CAP_FOWNER and
//     CAP_DAC_OVERRIDE (files in the mirror belong to the container's user,
//     uid 1000), CAP_SYS_ADMIN (mounting project disks, entering a
//     container's network namespace for previews), CAP_SYS_PTRACE (reading another process's namespaces);
//   - with BERTH_PROJECT_QUOTA (the default), loop devices and mkfs.ext4:
//     each project's files are an ext4 image mounted through one;
//   - the host's PID namespace, shared with the Docker Engine: terminals and
//     previews find a container's processes by the host pids the engine reports.
#include <string>
#include <vector>

#include "core/config.hpp"

namespace berth::app {

// One line per missing requirement, saying what it breaks and what to do.
std::vector<std::string> missing_host_requirements(const Config& config);

}  // namespace berth::app
