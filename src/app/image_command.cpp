#include "app/image_command.hpp"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <array>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "docker/docker_client.hpp"
#include "docker/image_recipes.hpp"

namespace berth::app {
namespace asio = boost::asio;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// The CLI is a one-shot program: each engine call runs its own loop to completion.
template <class T>
T run(asio::io_context& ioc, asio::awaitable<T> op) {
  std::optional<T> out;  // Result<T> has no default constructor, so no use_future
  asio::co_spawn(
      ioc, [&]() -> asio::awaitable<void> { out.emplace(co_await std::move(op)); }, asio::detached);
  ioc.restart();
  ioc.run();
  return std::move(*out);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs a shell command, printing each line of its output with a prefix.
int run_shown(const std::string& command, const std::string& prefix) {
  std::cout << "$ " << command << std::endl;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) return -1;
  char line[4096];
  while (std::fgets(line, sizeof line, p)) std::cout << prefix << line << std::flush;
  int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string capture(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

long ms_since(Clock::time_point t) {
  return long(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count());
}

int build_test_image(asio::io_context& ioc, docker::DockerClient& docker, const ImageBuildOptions& o) {
  auto t0 = Clock::now();
  std::cout << "building " << docker::kTestImage << " from " << o.busybox << std::endl;
  auto busybox = read_file(o.busybox);
  if (busybox.empty()) {
    std::cerr << "berth: cannot read " << o.busybox << " (apt-get install busybox-static)\n";
    return 1;
  }
  if (busybox.find("/lib64/ld-linux") != std::string::npos || busybox.find("/lib/ld-linux") != std::string::npos) {
    std::cerr << "berth: " << o.busybox << " is dynamically linked; the test image needs busybox-static\n";
    return 1;
  }
  std::vector<std::string> applets;
  std::istringstream list(capture(shell_quote(o.busybox) + " --list"));
  for (std::string a; std::getline(list, a);)
    if (!a.empty()) applets.push_back(a);
  auto tar = docker::busybox_rootfs_tar(busybox, applets);
  if (!tar) {
    std::cerr << "berth: " << tar.error().message << "\n";
    return 1;
  }
  auto id = run(ioc, docker.import_image(std::move(*tar), docker::kTestImage, docker::image_changes("test"),
                                         [](const std::string& line) { std::cout << "  " << line << std::endl; }));
  if (!id) {
    std::cerr << "berth: " << id.error().message << "\n";
    return 1;
  }
  std::cout << "built " << docker::kTestImage << " (" << applets.size() << " busybox applets) in " << ms_since(t0)
            << " ms" << std::endl;
  return 0;
}

std::string os_codename() {
  std::ifstream in("/etc/os-release");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VERSION_CODENAME=", 0) == 0) return line.substr(17);
  return "bookworm";
}

std::string find_mirror(const std::string& suite) {
  std::vector<std::string> deb822, lists;
  if (fs::exists("/etc/apt/sources.list")) lists.push_back(read_file("/etc/apt/sources.list"));
  std::error_code ec;
  for (auto& e : fs::directory_iterator("/etc/apt/sources.list.d", ec)) {
    auto ext = e.path().extension();
    if (ext == ".sources") deb822.push_back(read_file(e.path()));
    if (ext == ".list") lists.push_back(read_file(e.path()));
  }
  return docker::apt_mirror_for(deb822, lists, suite).value_or("");
}

std::vector<std::string> mounts_under(const std::string& root) {
  std::ifstream in("/proc/mounts");
  std::vector<std::string> points;
  for (std::string dev, point, rest; in >> dev >> point && std::getline(in, rest);)
    if (point.rfind(root + "/", 0) == 0) points.push_back(point);
  return points;
}

// Unmounts whatever is mounted under `root` (our /proc, anything debootstrap
// left), deepest first, before the tree is archived or deleted.
void unmount_under(const std::string& root) {
  auto points = mounts_under(root);
  for (auto it = points.rbegin(); it != points.rend(); ++it) run_shown("umount -l " + shell_quote(*it), "  ");
}

// A signal while the root is being built stops the build at the next step
// instead of killing Berth, so the root is still unmounted and deleted. A
// handler (unlike SIG_IGN) is not inherited across exec: the running command
// gets Ctrl-C itself, as it is in our process group. SA_RESTART keeps us
// reading its output until it exits.
volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_interrupt(int) { g_interrupted = 1; }

class InterruptGuard {
 public:
  InterruptGuard() {
    g_interrupted = 0;
    struct sigaction sa {};
    sa.sa_handler = on_interrupt;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    for (std::size_t i = 0; i < kSignals.size(); ++i) ::sigaction(kSignals[i], &sa, &old_[i]);
  }
  ~InterruptGuard() {
    for (std::size_t i = 0; i < kSignals.size(); ++i) ::sigaction(kSignals[i], &old_[i], nullptr);
  }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

 private:
  static constexpr std::array<int, 3> kSignals{SIGINT, SIGTERM, SIGHUP};
  std::array<struct sigaction, 3> old_{};
};

// Unmounts and deletes the build directory however the build ends.
class WorkDir {
 public:
  WorkDir(std::string work, std::string root) : work_(std::move(work)), root_(std::move(root)) {}
  ~WorkDir() {
    unmount_under(root_);
    if (!mounts_under(root_).empty()) {  // never delete through a mount (e.g. a bound /dev)
      std::cerr << "berth: something is still mounted under " << root_ << "; leaving " << work_ << " in place\n";
      return;
    }
    std::error_code ec;
    fs::remove_all(work_, ec);  // our own fresh directory; nothing is mounted in it any more
  }
  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;

 private:
  std::string work_, root_;
};

std::string joined(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (auto& item : items) out += (out.empty() ? "" : sep) + item;
  return out;
}

int build_workspace_image(asio::io_context& ioc, docker::DockerClient& docker, const ImageBuildOptions& o) {
  auto t0 = Clock::now();
  if (::geteuid() != 0) {
    std::cerr << "berth: building " << docker::kWorkspaceImage << " runs debootstrap and chroot, which need root\n";
    return 1;
  }
  auto suite = o.suite.empty() ? os_codename() : o.suite;
  auto mirror = o.mirror.empty() ? find_mirror(suite) : o.mirror;
  if (mirror.empty()) {
    std::cerr << "berth: no Debian mirror for '" << suite << "' in /etc/apt/sources.list{,.d}; pass --mirror URL\n";
    return 1;
  }
  char tmpl[] = "/var/tmp/berth-image-XXXXXX";
  if (!::mkdtemp(tmpl)) {
    std::cerr << "berth: cannot make a temporary directory in /var/tmp\n";
    return 1;
  }
  std::string work = tmpl, root = work + "/rootfs", tar = work + "/rootfs.tar";
  InterruptGuard interrupts;
  WorkDir work_dir(work, root);
  auto failed = [](const std::string& what) {
    if (g_interrupted)
      std::cerr << "berth: interrupted; removing the partial root\n";
    else
      std::cerr << "berth: " << what << " failed (see above)\n";
    return g_interrupted ? 130 : 1;
  };
  auto timed = [](Clock::time_point t) { std::cout << "  (" << ms_since(t) / 1000 << " s)" << std::endl; };

  // 1. A minimal Debian root: only what apt needs. Its --include does not
  //    resolve big dependency trees (npm's) reliably, so apt-get does the rest.
  std::cout << "building " << docker::kWorkspaceImage << ": Debian " << suite << " from " << mirror
            << " (debootstrap, then apt-get: a few minutes)" << std::endl;
  auto t = Clock::now();
  if (run_shown("debootstrap --variant=minbase --include=" + joined(docker::workspace_bootstrap_packages(), ",") +
                    " " + shell_quote(suite) + " " + shell_quote(root) + " " + shell_quote(mirror),
                "  [debootstrap] ") != 0 ||
      g_interrupted)
    return failed("debootstrap");
  timed(t);

  // 2. The development packages, with apt's dependency resolution, from the
  //    sources.list debootstrap wrote (the same mirror). apt needs /proc, and
  //    /dev when debootstrap could not make device nodes.
  if (run_shown("mount -t proc proc " + shell_quote(root + "/proc"), "  ") != 0) return failed("mounting /proc");
  std::error_code ec;
  if (!fs::is_character_file(root + "/dev/null", ec) &&
      run_shown("mount --bind /dev " + shell_quote(root + "/dev"), "  ") != 0)
    return failed("mounting /dev");
  std::string chroot = "chroot " + shell_quote(root) + " /usr/bin/env -i";
  for (auto& var : docker::workspace_chroot_env()) chroot += " " + shell_quote(var);
  for (auto& step : docker::workspace_chroot_steps(docker::workspace_packages())) {
    t = Clock::now();
    if (run_shown(chroot + " /bin/sh -c " + shell_quote(step.script), "  [" + step.label + "] ") != 0 ||
        g_interrupted)
      return failed(step.label);
    timed(t);
  }
  unmount_under(root);  // nothing of the host's /proc or /dev goes into the image
  if (!mounts_under(root).empty()) return failed("unmounting /proc and /dev");

  // 3. The image: the root as a tar, imported with the user, /workspace and PATH.
  t = Clock::now();
  if (run_shown("tar --numeric-owner -C " + shell_quote(root) + " -cf " + shell_quote(tar) + " .", "  [tar] ") != 0 ||
      g_interrupted)
    return failed("archiving the root file system");
  std::cout << "importing " << (fs::file_size(tar) >> 20) << " MiB into the Docker Engine" << std::endl;
  auto id = run(ioc, docker.import_image_file(tar, docker::kWorkspaceImage, docker::image_changes("workspace"),
                                              [](const std::string& line) { std::cout << "  " << line << std::endl; }));
  if (!id) {
    std::cerr << "berth: " << id.error().message << "\n";
    return 1;
  }
  timed(t);
  std::cout << "built " << docker::kWorkspaceImage << " in " << ms_since(t0) / 1000 << " s" << std::endl;
  return 0;
}

}  // namespace

int run_image_build(const Config& config, const ImageBuildOptions& options) {
  asio::io_context ioc;
  auto docker = docker::DockerClient::connect(ioc.get_executor(), config.docker_host);
  if (!docker) {
    std::cerr << "berth: " << docker.error().message << "\n";
    return 2;
  }
  auto version = run(ioc, (*docker)->version());
  if (!version) {
    std::cerr << "berth: " << version.error().message << "\n";
    return 1;
  }
  std::cout << "Docker Engine " << version->version << " (API " << (*docker)->api_version() << ")" << std::endl;
  // --missing-only (make run): a present image is kept, so a second run starts at once.
  auto wanted = [&](const char* name) {
    if (!options.missing_only) return true;
    bool present = bool(run(ioc, (*docker)->inspect_image(name)));
    if (present) std::cout << name << " is present" << std::endl;
    return !present;
  };
  if (!options.workspace_only && wanted(docker::kTestImage))
    if (int rc = build_test_image(ioc, **docker, options); rc != 0) return rc;
  if (!options.test_only && wanted(docker::kWorkspaceImage)) {
    if (options.missing_only)
      std::cout << "building " << docker::kWorkspaceImage << " (the image projects run in): about 5 minutes, once"
                << std::endl;
    if (int rc = build_workspace_image(ioc, **docker, options); rc != 0) return rc;
  }
  return 0;
}

int run_image_list(const Config& config) {
  asio::io_context ioc;
  auto docker = docker::DockerClient::connect(ioc.get_executor(), config.docker_host);
  if (!docker) {
    std::cerr << "berth: " << docker.error().message << "\n";
    return 2;
  }
  for (const char* name : {docker::kTestImage, docker::kWorkspaceImage}) {
    auto info = run(ioc, (*docker)->inspect_image(name));
    if (info)
      std::cout << name << "  " << info->id.substr(0, 19) << "  " << (info->size >> 20) << " MiB\n";
    else
      std::cout << name << "  missing: " << info.error().message << "\n";
  }
  return 0;
}

}  // namespace berth::app
