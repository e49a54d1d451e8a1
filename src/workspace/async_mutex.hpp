#pragma once
// A mutex for coroutines: `co_await lock()` suspends (never blocks a
// thread) until the holder unlocks. It serialises the lifecycle steps of one
// project, so two concurrent starts create one container. Built on a
// capacity-1 concurrent channel: holding the lock is having a token in it.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace berth::workspace {

class AsyncMutex {
 public:
  explicit AsyncMutex(boost::asio::any_io_executor ex) : slot_(ex, 1) {}

  // Releases the lock when it goes out of scope.
  class Guard {
   public:
    explicit Guard(AsyncMutex* m) : m_(m) {}
    Guard(Guard&& o) noexcept : m_(std::exchange(o.m_, nullptr)) {}
    Guard(const Guard&) = delete;
    ~Guard() {
      if (m_) m_->unlock();
    }

   private:
    AsyncMutex* m_;
  };

  boost::asio::awaitable<Guard> lock() {
    co_await slot_.async_send(boost::system::error_code{}, boost::asio::use_awaitable);
    co_return Guard(this);
  }

  void unlock() {
    slot_.try_receive([](boost::system::error_code) {});
  }

 private:
  boost::asio::experimental::concurrent_channel<void(boost::system::error_code)> slot_;
};

}  // namespace berth::workspace
