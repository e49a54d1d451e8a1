#include "workspace/container_plan.hpp"

#include <filesystem>
#include <fstream>

#include "core/encoding.hpp"
#include "docker/image_recipes.hpp"
#include "workspace/project_disk.hpp"

namespace berth::workspace {

namespace {
// Reads <data_dir>/instance-id, creating it (a random UUID) the first time.
Result<std::string> read_or_create_instance_id(const std::string& data_dir) {
  auto path = std::filesystem::path(data_dir) / "instance-id";
  if (std::ifstream in(path); in) {
    std::string id;
    std::getline(in, id);
    if (is_uuid(id)) return id;
  }
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  std::string id = new_uuid();
  std::ofstream out(path, std::ios::trunc);
  out << id << "\n";
  if (!out) return make_error("bad_config", "BERTH_DATA_DIR: cannot write " + path.string());
  return id;
}
}  // namespace

Result<RuntimeOptions> RuntimeOptions::from(const Config& config) {
  RuntimeOptions o;
  std::error_code ec;
  o.data_dir = std::filesystem::absolute(config.data_dir, ec).lexically_normal().string();
  if (ec) return make_error("bad_config", "BERTH_DATA_DIR: " + ec.message());
  while (o.data_dir.size() > 1 && o.data_dir.back() == '/') o.data_dir.pop_back();
  o.image = config.image;
  o.network = config.container_network;
  auto memory = parse_byte_size(config.container_memory);
  if (!memory || *memory < (6 << 20))
    return make_error("bad_config", "BERTH_CONTAINER_MEMORY: '" + config.container_memory +
                                        "' is not a size of at least 6m (such as 512m or 2g)");
  o.memory = *memory;
  if (config.container_cpus <= 0) return make_error("bad_config", "BERTH_CONTAINER_CPUS must be above 0");
  o.nano_cpus = std::int64_t(config.container_cpus * 1e9);
  if (config.container_pids <= 0) return make_error("bad_config", "BERTH_CONTAINER_PIDS must be above 0");
  o.pids = config.container_pids;
  o.idle_timeout = config.idle_timeout;
  o.max_running = config.max_running;
  o.max_running_per_user = config.max_running_per_user;
  o.max_execs_per_project = config.max_execs_per_project;
  if (config.project_quota == "off") {
    o.project_quota = 0;
  } else {
    auto quota = parse_byte_size(config.project_quota);
    if (!quota || *quota < (16 << 20))
      return make_error("bad_config", "BERTH_PROJECT_QUOTA: '" + config.project_quota +
                                          "' is not a size of at least 16m (such as 1g), or off");
    o.project_quota = *quota;
  }
  auto tmp = parse_byte_size(config.container_tmp_size);
  if (!tmp || *tmp < (1 << 20))
    return make_error("bad_config", "BERTH_CONTAINER_TMP_SIZE: '" + config.container_tmp_size +
                                        "' is not a size of at least 1m (such as 256m)");
  o.tmp_size = *tmp;
  auto id = read_or_create_instance_id(o.data_dir);
  if (!id) return id.error();
  o.instance_id = *id;
  return o;
}

std::string container_name(const std::string& project_id) { return "berth-" + project_id; }

std::string project_dir(const RuntimeOptions& options, const std::string& project_id) {
  return options.data_dir + "/projects/" + project_id;
}

std::string mirror_dir(const RuntimeOptions& options, const std::string& project_id) {
  return project_dir(options, project_id) + "/disk/files";
}

std::string staging_dir(const RuntimeOptions& options, const std::string& project_id) {
  return project_dir(options, project_id) + "/disk/staging";
}

Status prepare_project_disk(const RuntimeOptions& options, const std::string& project_id) {
  return prepare_project_disk(project_dir(options, project_id), options.project_quota, docker::kContainerUid,
                              docker::kContainerUid);
}

docker::ContainerSpec container_spec_for(const RuntimeOptions& o, const std::string& project_id,
                                         const std::string& image) {
  docker::ContainerSpec s;
  s.name = container_name(project_id);
  s.image = image;
  s.hostname = "berth";
  // The image's command is not trusted to idle: this one waits for SIGTERM
  // (docker-init forwards it), so a stop takes milliseconds.
  // $HOME is a fresh tmpfs: it gets the image's /etc/skel (.bashrc, .profile)
  // first, as useradd gave the image's own /home/user.
  s.entrypoint = std::vector<std::string>{};
  s.cmd = {"sh", "-c", "cp -a /etc/skel/. \"$HOME\"/ 2>/dev/null; exec sleep infinity"};
  s.user = std::to_string(docker::kContainerUid) + ":" + std::to_string(docker::kContainerUid);
  s.working_dir = "/workspace";
  s.env = {"HOME=/home/user", "TERM=xterm-256color", "BERTH_PROJECT_ID=" + project_id};
  s.labels = {{kManagedLabel, "true"}, {kProjectLabel, project_id}, {kInstanceLabel, o.instance_id}};
  s.binds = {mirror_dir(o, project_id) + ":/workspace"};
  s.init = true;
  // Nothing but these mounts is writable, and each has a size: the image's
  // own filesystem (overlay2 on the host's disk, which the engine cannot
  // bound here) is read-only. tmpfs pages also count against `memory`.
  s.readonly_rootfs = true;
  auto tmpfs = [&](const char* owner) {
    return "rw,nosuid,nodev,size=" + std::to_string(o.tmp_size / 1024) + "k," + owner;
  };
  const std::string user_owned = "uid=" + std::to_string(docker::kContainerUid) +
                                 ",gid=" + std::to_string(docker::kContainerUid) + ",mode=0755";
  s.tmpfs = {{"/tmp", tmpfs("mode=1777")}, {"/var/tmp", tmpfs("mode=1777")}, {"/home/user", tmpfs(user_owned.c_str())}};
  s.shm_size = o.tmp_size;
  s.cap_drop = {"ALL"};
  s.security_opt = {"no-new-privileges"};
  s.memory = o.memory;
  s.memory_swap = o.memory;  // equal: no swap on top
  s.nano_cpus = o.nano_cpus;
  s.pids_limit = o.pids;
  s.network_mode = o.network;
  s.stop_timeout = int(o.stop_timeout.count());
  return s;
}

std::string image_for_template(const RuntimeOptions& o, const std::string& template_image) {
  if (template_image.empty() || template_image == docker::kWorkspaceImage) return o.image;
  return template_image;
}

}  // namespace berth::workspace
