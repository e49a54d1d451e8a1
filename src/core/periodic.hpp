#pragma once
// A task that runs every `interval` on an executor until stop(): lease
// renewals, port polling. One timer; each round waits for the one before
// it, so a slow round delays the next instead of piling up. stop() may come
// from any thread; the loop ends at its next wake at the latest.
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <functional>

namespace berth {

class Periodic {
 public:
  using Round = std::function<boost::asio::awaitable<void>()>;
  Periodic(boost::asio::any_io_executor executor, std::chrono::milliseconds interval, Round round)
      : executor_(executor), interval_(interval), round_(std::move(round)), timer_(executor) {}

  void start() {
    boost::asio::co_spawn(executor_, [this]() -> boost::asio::awaitable<void> {
      while (!stopped_) {
        timer_.expires_after(interval_);
        auto [ec] = co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
        if (ec || stopped_) co_return;
        co_await round_();
      }
    }, boost::asio::detached);
  }
  void stop() {
    stopped_ = true;
    boost::asio::post(executor_, [this] { timer_.cancel(); });  // the timer is the executor's to touch
  }

 private:
  boost::asio::any_io_executor executor_;
  std::chrono::milliseconds interval_;
  Round round_;
  boost::asio::steady_timer timer_;
  std::atomic<bool> stopped_{false};
};

}  // namespace berth
