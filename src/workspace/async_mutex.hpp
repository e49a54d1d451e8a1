#pragma once
// A mutex for coroutines: `co_await lock()` suspends (never blocks a
// thread) until the holder unlocks. It serialises the lifecycle steps of one
// project, so two concurrent starts create one container.
#include "core/async_semaphore.hpp"

namespace berth::workspace {

class AsyncMutex {
 public:
  explicit AsyncMutex(boost::asio::any_io_executor ex) : permits_(ex, 1) {}
  using Guard = AsyncSemaphore::Permit;
  boost::asio::awaitable<Guard> lock() { return permits_.acquire(); }

 private:
  AsyncSemaphore permits_;
};

}  // namespace berth::workspace
