#include "app/host_check.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace berth::app {

namespace {

// The effective capability set of this process (CapEff in /proc/self/status).
unsigned long long effective_capabilities() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("CapEff:", 0) == 0) return std::stoull(line.substr(7), nullptr, 16);
  return 0;
}

std::string pid_namespace(const std::string& pid) {
  char buf[128] = {};
  auto n = ::readlink(("/proc/" + pid + "/ns/pid").c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, std::size_t(n)) : "";
}

// The Docker Engine's pid as this process sees it, from the credentials of
// its unix socket: 0 when it lives in a PID namespace we cannot see.
long engine_pid(const std::string& socket_path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path.c_str(), sizeof addr.sun_path - 1);
  long pid = -1;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) pid = cred.pid;
  }
  ::close(fd);
  return pid;
}

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':'))
    if (!dir.empty() && ::access((dir + "/" + program).c_str(), X_OK) == 0) return true;
  return false;
}

}  // namespace

std::vector<std::string> missing_host_requirements(const Config& config) {
  std::vector<std::string> missing;
  struct Cap {
    int bit;
    const char* name;
    const char* why;
  };
  const Cap caps[] = {
      {0, "CAP_CHOWN", "files Berth writes into a project cannot be given to the container's user"},
      {1, "CAP_DAC_OVERRIDE", "Berth cannot write files the container's user owns"},
      {3, "CAP_FOWNER", "Berth cannot keep the modes of files the container's user owns"},
      {19, "CAP_SYS_PTRACE", "terminals cannot find their processes to end them"},
      {21, "CAP_SYS_ADMIN", "project disks cannot be mounted and previews cannot enter a container's network namespace"},
  };
  auto have = effective_capabilities();
  for (auto& c : caps)
    if (!(have & (1ULL << c.bit)))
      missing.push_back(std::string("missing ") + c.name + ": " + c.why + "; run berth serve as root (or grant " +
                        c.name + ")");
  if (config.project_quota != "off") {
    if (::access("/dev/loop-control", R_OK | W_OK) != 0)
      missing.push_back("no /dev/loop-control: project disks (BERTH_PROJECT_QUOTA) need loop devices (modprobe loop; "
                        "in a container, pass /dev/loop-control and the loop devices), or set BERTH_PROJECT_QUOTA=off");
    if (!on_path("mkfs.ext4") || !on_path("mount"))
      missing.push_back("mkfs.ext4 or mount is not on PATH: project disks need them (apt-get install e2fsprogs mount), "
                        "or set BERTH_PROJECT_QUOTA=off");
  }
  if (config.docker_host.rfind("unix://", 0) == 0) {
    auto pid = engine_pid(config.docker_host.substr(7));
    if (pid == 0 || (pid > 0 && pid_namespace(std::to_string(pid)) != pid_namespace("self")))
      missing.push_back(
          "the Docker Engine runs in another PID namespace: terminals and previews need the host's (in a container, "
          "run Berth with --pid=host)");
  } else {
    missing.push_back("DOCKER_HOST is " + config.docker_host +
                      ": terminals and previews need the engine on this host, in its PID namespace (a unix socket)");
  }
  return missing;
}

}  // namespace berth::app
