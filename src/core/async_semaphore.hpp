#pragma once
// A counting semaphore for coroutines: `co_await acquire()` suspends (never
// blocks a thread) while `capacity` holders are inside. It bounds how many
// connections a pool opens and serialises one project's lifecycle steps
// (capacity 1, workspace/async_mutex.hpp). Built on a concurrent channel of
// that capacity: holding a permit is having a token in it.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <utility>

namespace berth {

class AsyncSemaphore {
 public:
  AsyncSemaphore(boost::asio::any_io_executor ex, std::size_t capacity) : slots_(ex, capacity) {}

  // Gives the permit back when it goes out of scope.
  class Permit {
   public:
    explicit Permit(AsyncSemaphore* s) : s_(s) {}
    Permit(Permit&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
    Permit(const Permit&) = delete;
    ~Permit() {
      if (s_) s_->release();
    }

   private:
    AsyncSemaphore* s_;
  };

  boost::asio::awaitable<Permit> acquire() {
    co_await slots_.async_send(boost::system::error_code{}, boost::asio::use_awaitable);
    co_return Permit(this);
  }

  void release() {
    slots_.try_receive([](boost::system::error_code) {});
  }

 private:
  boost::asio::experimental::concurrent_channel<void(boost::system::error_code)> slots_;
};

}  // namespace berth
