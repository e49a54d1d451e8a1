#pragma once
// Runs one command in a running container and collects its result: exit
// code, stdout and stderr each cut at a bound (the command keeps running and
// its further output is drained and dropped, so a flood cannot block it or
// fill our memory), and a deadline that kills the command together with its
// children (DockerClient::kill_exec_process; Docker has no exec kill).
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "docker/docker_client.hpp"

namespace berth::docker {

// Ends a command early, with its whole process group, as the deadline does:
// for a command whose asker has gone (a socket that disconnected). Safe to
// call from any thread, before the command starts or while it runs.
class CommandCancel {
 public:
  void cancel();
  bool cancelled() const;

  // For run_command: what cancel() does once the process runs. Called at
  // once when cancel() came first; disarm() when the command is over.
  void arm(std::function<void()> kill);
  void disarm();

 private:
  mutable std::mutex mu_;
  bool cancelled_ = false;
  std::function<void()> kill_;
};

struct CommandSpec {
  std::vector<std::string> argv;
  std::string cwd;               // empty: the container's working dir
  std::vector<std::string> env;  // "KEY=value"
  std::string user;              // empty: the container's user
  std::chrono::milliseconds timeout{30'000};
  std::size_t max_output = 1 << 20;  // per stream
  std::shared_ptr<CommandCancel> cancel;  // optional
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
