#pragma once
// Runs `count` awaitable jobs with at most `width` in flight: the bounded
// parallelism of bulk storage work (open a project: download what changed;
// copy a template; delete a project). The first failure stops new jobs from
// starting and is what the caller gets; jobs already running finish.
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <mutex>
#include <optional>

#include "core/result.hpp"

namespace berth {

template <class Job>  // Job: (std::size_t index) -> boost::asio::awaitable<Status>
boost::asio::awaitable<Status> for_each_parallel(std::size_t count, std::size_t width, Job job) {
  namespace asio = boost::asio;
  if (count == 0) co_return Ok{};
  width = std::max<std::size_t>(1, std::min(width, count));
  auto ex = co_await asio::this_coro::executor;
  struct Shared {
    Shared(asio::any_io_executor e, std::size_t w) : finished(e, w) {}
    std::atomic<std::size_t> next{0};
    std::atomic<bool> failed{false};
    std::mutex mu;
    std::optional<Error> first;
    asio::experimental::concurrent_channel<void(boost::system::error_code)> finished;
  };
  auto shared = std::make_shared<Shared>(ex, width);
  auto shared_job = std::make_shared<Job>(std::move(job));
  for (std::size_t w = 0; w < width; ++w) {
    asio::co_spawn(
        ex,
        [shared, shared_job, count]() -> asio::awaitable<void> {
          for (;;) {
            std::size_t i = shared->next++;
            if (i >= count || shared->failed) break;
            Status s = co_await (*shared_job)(i);
            if (!s) {
              std::lock_guard lock(shared->mu);
              if (!shared->first) shared->first = s.error();
              shared->failed = true;
            }
          }
          shared->finished.try_send(boost::system::error_code{});
        },
        asio::detached);
  }
  for (std::size_t w = 0; w < width; ++w) co_await shared->finished.async_receive(asio::use_awaitable);
  if (shared->first) co_return *shared->first;
  co_return Ok{};
}

}  // namespace berth
