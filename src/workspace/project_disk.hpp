#pragma once
// Where a project's files live on this node, and what bounds them (DESIGN
// §6, "Disk"). With a quota, <project>/disk is the mount point of
// <project>/disk.img: an ext4 image of exactly the quota, allocated up front,
// loop-mounted nosuid,nodev. The editor and the container then both meet
// ENOSPC at the quota, and the host's disk never holds more than the image.
// Without one (BERTH_PROJECT_QUOTA=off) disk/ is a plain directory.
//
// disk/files is the mirror (bound at /workspace, owned by the container's
// user); disk/staging holds downloads until they are renamed in, which needs
// the same filesystem. Blocking (mkfs, mount, chown): call from the worker
// pool.
#include <cstdint>
#include <string>

#include "core/result.hpp"

namespace berth::workspace {

// Makes the disk ready: creates, formats and mounts the image the first
// time, mounts it again after a host reboot, moves in the files of a project
// that had no image (an older layout, or quota off before), and creates
// files/ (handed to uid:gid) and staging/. Idempotent; safe between threads
// and between Berth processes on one data dir. Errors: disk_full (the host
// cannot hold the image), quota_exceeded (older files do not fit), internal
// (no loop devices, mkfs.ext4 missing: the message says what to do).
Status prepare_project_disk(const std::string& project_dir, std::int64_t quota, int uid, int gid);

// Unmounts the disk (lazily: a container still running keeps its view until
// it is removed) and removes the whole project directory, image included.
Status remove_project_disk(const std::string& project_dir);

// Whether `dir` is the root of a mount: its device differs from its parent's.
bool is_mount_point(const std::string& dir);

}  // namespace berth::workspace
