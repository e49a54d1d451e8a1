#include "engineio/heartbeat_clock.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "engineio/session.hpp"

namespace berth::engineio {
namespace asio = boost::asio;

HeartbeatClock::HeartbeatClock(asio::any_io_executor executor)
    : strand_(asio::make_strand(executor)), timer_(strand_) {}

void HeartbeatClock::schedule(Clock::time_point when, std::weak_ptr<Session> session, std::uint64_t ticket) {
  std::lock_guard lock(mu_);
  if (stopped_) return;
  heap_.push_back(Entry{when, std::move(session), ticket});
  std::push_heap(heap_.begin(), heap_.end(), later);
  if (when >= armed_for_) return;  // the timer fires earlier anyway, and looks again then
  armed_for_ = when;
  asio::post(strand_, [self = shared_from_this()] { self->rearm(); });
}

void HeartbeatClock::stop() {
  std::lock_guard lock(mu_);
  stopped_ = true;
  heap_.clear();
  heap_.shrink_to_fit();
  asio::post(strand_, [self = shared_from_this()] { self->timer_.cancel(); });
}

void HeartbeatClock::rearm() {
  Clock::time_point next;
  {
    std::lock_guard lock(mu_);
    if (stopped_ || heap_.empty()) return;
    next = heap_.front().when;
    armed_for_ = next;
  }
  timer_.expires_at(next);  // cancels a wait for a later time
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->fire();
  });
}

void HeartbeatClock::fire() {
  std::vector<Entry> due;
  {
    std::lock_guard lock(mu_);
    auto now = Clock::now();
    while (!heap_.empty() && heap_.front().when <= now) {
      std::pop_heap(heap_.begin(), heap_.end(), later);
      due.push_back(std::move(heap_.back()));
      heap_.pop_back();
    }
    armed_for_ = Clock::time_point::max();
  }
  rearm();
  for (auto& e : due) {
    auto s = e.session.lock();
    if (!s) continue;
    asio::post(s->executor(), [s, ticket = e.ticket] { s->heartbeat(ticket); });
  }
}

}  // namespace berth::engineio
