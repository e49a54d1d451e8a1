#pragma once
// The "worker threads" of the original design (DESIGN §3): blocking work
// (SQLite, libpq, fsync, password hashing, tar) runs here, never on an I/O
// thread. `co_await pool.run(fn)` runs fn on a worker and resumes the caller
// on its own executor with fn's result.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <type_traits>

namespace berth {

class WorkerPool {
 public:
  explicit WorkerPool(std::size_t threads) : pool_(threads) {}
  ~WorkerPool() { stop(); }

  template <class F>
  auto run(F fn) -> boost::asio::awaitable<std::invoke_result_t<F>> {
    using R = std::invoke_result_t<F>;
    // co_spawn needs a default-constructible result; Result<T> is not.
    auto out = co_await boost::asio::co_spawn(
        pool_.get_executor(),
        [fn = std::move(fn)]() mutable -> boost::asio::awaitable<std::optional<R>> { co_return std::optional<R>(fn()); },
        boost::asio::use_awaitable);
    co_return std::move(*out);
  }

  boost::asio::thread_pool::executor_type executor() { return pool_.get_executor(); }
  void stop() {
    pool_.stop();
    pool_.join();
  }

 private:
  boost::asio::thread_pool pool_;
};

}  // namespace berth
