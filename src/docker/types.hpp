#pragma once
// The subset of the Docker Engine API's objects Berth uses, as plain structs
// (no JSON types leak out of docker/). Field names follow the Engine API so
// its reference documents them.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace berth::docker {

using Labels = std::map<std::string, std::string>;

struct EngineVersion {
  std::string version;          // "20.10.24+dfsg1"
  std::string api_version;      // the engine's newest: "1.41"
  std::string min_api_version;  // the engine's oldest: "1.12"
  std::string os, arch;
};

struct ImageInfo {
  std::string id;
  std::vector<std::string> repo_tags;
  std::int64_t size = 0;
  std::string user;     // Config.User
  std::string workdir;  // Config.WorkingDir
  Labels labels;
};

// What POST /containers/create needs. Empty/zero fields are left out, so the
// engine's defaults apply.
struct ContainerSpec {
  std::string name;
  std::string image;
  std::vector<std::string> cmd;
  std::optional<std::vector<std::string>> entrypoint;  // [] clears the image's
  std::vector<std::string> env;                        // "KEY=value"
  std::string user;
  std::string working_dir;
  std::string hostname;
  Labels labels;
  std::vector<std::string> binds;  // "host:container[:opts]"
  bool init = false;
  bool readonly_rootfs = false;
  std::map<std::string, std::string> tmpfs;  // container path -> mount options ("size=64m,mode=1777")
  std::int64_t shm_size = 0;                 // bytes of /dev/shm; 0: the engine's 64 MiB
  std::vector<std::string> cap_drop;
  std::vector<std::string> security_opt;
  std::int64_t memory = 0;       // bytes
  std::int64_t memory_swap = 0;  // bytes, memory + swap; equal to memory: no swap
  std::int64_t nano_cpus = 0;
  std::int64_t pids_limit = 0;
  std::string network_mode;
  std::optional<int> stop_timeout;  // seconds
};

struct ContainerState {
  std::string status;  // created | running | paused | restarting | removing | exited | dead
  bool running = false;
  bool oom_killed = false;
  bool dead = false;
  int exit_code = 0;
  int pid = 0;
  std::string error;
};

struct ContainerInfo {
  std::string id;
  std::string name;          // without the leading '/'
  std::string image;         // the image id it was created from
  std::string config_image;  // the name it was created with: "berth-test:latest"
  Labels labels;
  ContainerState state;
  std::int64_t memory = 0, nano_cpus = 0, pids_limit = 0;
  bool readonly_rootfs = false;
  std::string network_mode;
  std::vector<std::string> exec_ids;  // execs the engine still knows of (running or recently ended)
};

struct ContainerSummary {
  std::string id;
  std::vector<std::string> names;
  std::string image;
  std::string state;  // running, exited, ...
  Labels labels;
};

struct ExecSpec {
  std::vector<std::string> cmd;
  std::vector<std::string> env;
  std::string working_dir;
  std::string user;
  bool tty = false;
  bool attach_stdin = false;
  bool attach_stdout = true;
  bool attach_stderr = true;
};

struct ExecInfo {
  std::string id;
  std::string container_id;
  bool running = false;
  std::optional<int> exit_code;  // null while running
  int pid = 0;                   // host pid of the exec's process (0 before start)
  std::string user;              // ProcessConfig.user
};

struct Event {
  std::string type;    // container, image, ...
  std::string action;  // create, start, die, oom, ...
  std::string id;
  Labels attributes;
  std::int64_t time_nano = 0;
};

}  // namespace berth::docker
