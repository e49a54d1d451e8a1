#pragma once
// Test harness for the storage tests: starts the Supabase Storage stand-in
// (tests/support/storage-server.mjs, which follows the real server's
// behaviour point by point) as a child process, and drives a coroutine to
// completion on an io_context.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "net/http_client.hpp"

// Where node and the stand-in are: set by the build (tests/CMakeLists.txt),
// overridable at run time with NODE and BERTH_STORAGE_SERVER.
#ifndef BERTH_NODE
#define BERTH_NODE "node"
#endif
#ifndef BERTH_STORAGE_SERVER
#ifdef BERTH_SOURCE_DIR
#define BERTH_STORAGE_SERVER BERTH_SOURCE_DIR "/tests/support/storage-server.mjs"
#else
#define BERTH_STORAGE_SERVER "tests/support/storage-server.mjs"
#endif
#endif

namespace berth::testing {

inline std::string env_or(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

// Runs `op` on `ioc` until it finishes; returns its result.
template <class T>
T run_coro(boost::asio::io_context& ioc, boost::asio::awaitable<T> op) {
  std::optional<T> out;
  boost::asio::co_spawn(ioc, [&]() -> boost::asio::awaitable<void> { out.emplace(co_await std::move(op)); },
                        boost::asio::detached);
  ioc.restart();
  while (!out && ioc.run_one() > 0) {
  }
  if (!out) throw std::runtime_error("coroutine did not finish");
  return std::move(*out);
}

// A child process running `args`, its stdout on a pipe we read; with
// `stdin_pipe`, its stdin on a pipe we hold (closing ours tells it to end).
struct Child {
  pid_t pid = -1;
  int stdout_fd = -1;
  int stdin_fd = -1;
};

inline Child spawn_child(std::vector<std::string> args, bool stdin_pipe = false) {
  int out[2], in[2] = {-1, -1};
  if (::pipe(out) != 0 || (stdin_pipe && ::pipe(in) != 0)) throw std::runtime_error("pipe");
  Child c;
  c.pid = ::fork();
  if (c.pid == 0) {
    ::dup2(out[1], 1);
    ::close(out[0]);
    if (stdin_pipe) {
      ::dup2(in[0], 0);
      ::close(in[1]);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    _exit(127);
  }
  ::close(out[1]);
  c.stdout_fd = out[0];
  if (stdin_pipe) {
    ::close(in[0]);
    c.stdin_fd = in[1];
  }
  return c;
}

class StandIn {
 public:
  static constexpr const char* kKey = "test-service-role-key";
  static constexpr const char* kAnonKey = "test-anon-key";

  explicit StandIn(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{env_or("NODE", BERTH_NODE), env_or("BERTH_STORAGE_SERVER", BERTH_STORAGE_SERVER),
                                  "--key", kKey, "--anon-key", kAnonKey, "--exit-on-stdin-eof"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto child = spawn_child(std::move(args), true);
    pid_ = child.pid;
    stdin_ = child.stdin_fd;  // closing it ends the child even if we crash
    FILE* f = ::fdopen(child.stdout_fd, "r");
    char line[512] = {};
    if (!std::fgets(line, sizeof line, f)) throw std::runtime_error("the storage stand-in did not start");
    std::fclose(f);
    std::string s(line);
    auto at = s.find("\"url\":\"");
    if (at == std::string::npos) throw std::runtime_error("unexpected first line from the stand-in: " + s);
    url_ = s.substr(at + 7, s.find('"', at + 7) - at - 7);
  }
  ~StandIn() {
    ::close(stdin_);
    ::kill(pid_, SIGTERM);
    int st = 0;
    ::waitpid(pid_, &st, 0);
  }
  StandIn(const StandIn&) = delete;

  const std::string& url() const { return url_; }
  pid_t pid() const { return pid_; }

  // A test-control call (/__control/...), outside the Storage API.
  net::ClientResponse control(boost::asio::io_context& ioc, std::string method, std::string path, std::string body = "") {
    auto ep = net::Endpoint::parse(url_);  // plain HTTP stand-ins only
    net::HttpClient client(ioc.get_executor(), *ep);
    net::ClientRequest req;
    req.method = std::move(method);
    req.target = std::move(path);
    req.body = std::move(body);
    if (!req.body.empty()) req.content_type = "application/json";
    auto r = run_coro(ioc, client.request(req, std::chrono::seconds(10)));
    if (!r) throw std::runtime_error("control call failed: " + r.error().message);
    return *r;
  }
  void faults(boost::asio::io_context& ioc, const std::string& json) { control(ioc, "POST", "/__control/faults", json); }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  std::string url_;
};

}  // namespace berth::testing
