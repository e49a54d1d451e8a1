#pragma once
// Runs one command in a running container and collects its result: exit
// code, stdout and stderr each cut at a bound (the command keeps running and
// its further output is drained and dropped, so a flood cannot block it or
// fill our memory), and a deadline that kills the command together with its
// children (DockerClient::kill_exec_process; Docker has no exec kill).
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "docker/docker_client.hpp"

namespace berth::docker {

struct CommandSpec {
  std::vector<std::string> argv;
  std::string cwd;               // empty: the container's working dir
  std::vector<std::string> env;  // "KEY=value"
  std::string user;              // empty: the container's user
  std::chrono::milliseconds timeout{30'000};
  std::size_t max_output = 1 << 20;  // per stream
};

struct CommandResult {
  int exit_code = -1;  // -1 when the engine could not tell
  std::string stdout_text;
  std::string stderr_text;
  bool truncated = false;
  bool timed_out = false;
};

boost::asio::awaitable<Result<CommandResult>> run_command(DockerClient& docker, const std::string& container,
                                                          CommandSpec spec);

}  // namespace berth::docker
