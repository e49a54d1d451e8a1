#pragma once
// One timer for the heartbeats of every Engine.IO session of a server. A
// session's ping, pong deadline and closing grace are entries in a heap
// here, not an Asio timer per session: an idle connection then holds a
// heap entry (~40 bytes) instead of a timer object and its pending wait
// (~300 bytes; docs/BENCHMARKS.md).
//
// schedule() may be called from any thread; the due call arrives on the
// session's strand as Session::heartbeat(ticket). A session supersedes its
// earlier entries by scheduling again with a new ticket (it ignores stale
// ones), so nothing is ever removed from the heap early.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace berth::engineio {

class Session;

class HeartbeatClock : public std::enable_shared_from_this<HeartbeatClock> {
 public:
  using Clock = std::chrono::steady_clock;

  explicit HeartbeatClock(boost::asio::any_io_executor executor);

  void schedule(Clock::time_point when, std::weak_ptr<Session> session, std::uint64_t ticket);
  void stop();  // drops every entry; nothing is called afterwards

 private:
  struct Entry {
    Clock::time_point when;
    std::weak_ptr<Session> session;
    std::uint64_t ticket;
  };
  static bool later(const Entry& a, const Entry& b) { return a.when > b.when; }
  void rearm();  // on the strand
  void fire();   // on the strand

  boost::asio::any_io_executor strand_;
  boost::asio::steady_timer timer_;  // touched on the strand only
  std::mutex mu_;
  std::vector<Entry> heap_;  // a min-heap on `when`
  Clock::time_point armed_for_ = Clock::time_point::max();
  bool stopped_ = false;
};

}  // namespace berth::engineio
