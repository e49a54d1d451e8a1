#pragma once
// What a project's container looks like (DESIGN §8): the settings from the
// configuration turned into a docker::ContainerSpec. Pure, so the security
// defaults are unit-tested line by line.
#include <chrono>
#include <string>

#include "core/config.hpp"
#include "core/result.hpp"
#include "docker/types.hpp"

namespace berth::workspace {

struct RuntimeOptions {
  std::string data_dir;  // absolute: Docker binds need absolute host paths
  std::string image;     // BERTH_IMAGE: replaces berth-workspace:latest in templates
  std::string network = "none";
  std::int64_t memory = 1LL << 30;
  std::int64_t nano_cpus = 1'000'000'000;
  std::int64_t pids = 512;
  std::chrono::seconds idle_timeout{600};
  std::chrono::seconds stop_timeout{2};
  int max_running = 50;           // BERTH_MAX_RUNNING: on this node
  int max_running_per_user = 5;   // BERTH_MAX_RUNNING_PER_USER: projects one owner runs at once
  int max_execs_per_project = 8;  // BERTH_MAX_EXECS_PER_PROJECT
  std::int64_t project_quota = 1LL << 30;  // BERTH_PROJECT_QUOTA, bytes; 0: unbounded (project_disk.hpp)
  std::int64_t tmp_size = 256LL << 20;     // BERTH_CONTAINER_TMP_SIZE: each tmpfs of the container
  // Which Berth owns a container: several Berths (nodes, test servers) may
  // share one Docker engine, and each adopts or removes only its own. Kept
  // in <data_dir>/instance-id, so it survives restarts.
  std::string instance_id;

  static Result<RuntimeOptions> from(const Config& config);
};

inline constexpr const char* kManagedLabel = "io.berth.managed";
inline constexpr const char* kProjectLabel = "io.berth.project";
inline constexpr const char* kInstanceLabel = "io.berth.instance";

std::string container_name(const std::string& project_id);  // berth-<projectId>
// <data>/projects/<id>: disk.img (the project's filesystem) and disk/, where
// it is mounted, holding files/ (the mirror, bound at /workspace) and
// staging/ (downloads on their way in, on the same filesystem).
std::string project_dir(const RuntimeOptions& options, const std::string& project_id);
std::string mirror_dir(const RuntimeOptions& options, const std::string& project_id);
std::string staging_dir(const RuntimeOptions& options, const std::string& project_id);
// Makes the project's disk and mirror ready (project_disk.hpp). Blocking.
Status prepare_project_disk(const RuntimeOptions& options, const std::string& project_id);

docker::ContainerSpec container_spec_for(const RuntimeOptions& options, const std::string& project_id,
                                         const std::string& image);

// The image a template names, with the default development image swapped
// for BERTH_IMAGE (how tests and small deployments pick another image).
std::string image_for_template(const RuntimeOptions& options, const std::string& template_image);

}  // namespace berth::workspace
