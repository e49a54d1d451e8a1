#include "core/run_program.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/unique_fd.hpp"

extern char** environ;

namespace berth {

Result<ProgramOutcome> run_program(const std::vector<std::string>& argv) {
  if (argv.empty()) return make_error("internal", "run_program: no program");
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return make_error("internal", std::string("pipe: ") + std::strerror(errno));
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), 2);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0)
    return make_error("internal", "cannot run " + argv[0] + " (" + std::strerror(rc) + "): is it installed and on PATH?");
  write_end.reset();
  ProgramOutcome outcome;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(read_end.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (outcome.output.size() < (64 << 10)) outcome.output.append(buf, std::size_t(n));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  while (!outcome.output.empty() && (outcome.output.back() == '\n' || outcome.output.back() == ' '))
    outcome.output.pop_back();
  return outcome;
}

}  // namespace berth
