#include "app/server_loop.hpp"

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <sys/resource.h>
#include <thread>

#include "core/log.hpp"

namespace berth::app {
namespace asio = boost::asio;

namespace {
// Every WebSocket is a file descriptor: the usual soft limit of 1,024 would
// refuse connections long before memory or CPU run out. Raise it to the hard
// limit, as Node does at start-up.
void raise_open_file_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  if (lim.rlim_cur < lim.rlim_max) {
    auto before = lim.rlim_cur;
    lim.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &lim) == 0)
      spdlog::debug("open file limit raised from {} to {}", before, lim.rlim_cur);
    else
      lim.rlim_cur = before;
  }
  if (lim.rlim_cur < 4096)
    spdlog::warn("the open file limit is {}: Berth can hold only about that many connections (raise it: ulimit -n)",
                 lim.rlim_cur);
}
}  // namespace

void run_until_signal(asio::io_context& ioc, net::HttpServer& server, unsigned threads, std::function<void()> on_stop) {
  raise_open_file_limit();
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  asio::steady_timer drain(ioc);
  std::chrono::steady_clock::time_point deadline;
  std::function<void()> wait_drained = [&] {
    if (!server.draining() || std::chrono::steady_clock::now() > deadline) {
      if (on_stop) on_stop();
      spdlog::info("stopped");
      ioc.stop();
      return;
    }
    drain.expires_after(std::chrono::milliseconds(20));
    drain.async_wait([&](boost::system::error_code) { wait_drained(); });
  };
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (ec) return;
    spdlog::info("{} received: finishing in-flight requests", sig == SIGINT ? "SIGINT" : "SIGTERM");
    server.shutdown();
    deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    signals.async_wait([&](boost::system::error_code e, int) {
      if (!e) ioc.stop();
    });
    wait_drained();
  });

  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
}

}  // namespace berth::app
