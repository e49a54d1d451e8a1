#include "app/server_loop.hpp"

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <thread>

#include "core/log.hpp"

namespace berth::app {
namespace asio = boost::asio;

void run_until_signal(asio::io_context& ioc, net::HttpServer& server, unsigned threads, std::function<void()> on_stop) {
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
