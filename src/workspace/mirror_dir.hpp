#pragma once
// The host directory bind-mounted at /workspace. It must belong to the
// container's user (uid 1000) or the project's own processes could not write
// their files. Blocking (mkdir, chown): call it from the worker pool.
#include <string>

#include "core/result.hpp"

namespace berth::workspace {

// Creates `path` (and its parents) and hands `path` itself to uid:gid.
// Fails when Berth runs as root and cannot chown; as another user the
// directory keeps its owner and a warning says why files may be read-only.
Status ensure_mirror_dir(const std::string& path, int uid, int gid);

}  // namespace berth::workspace
