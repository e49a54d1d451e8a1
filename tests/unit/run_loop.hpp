#pragma once
// Drives an io_context in small slices until a condition holds or time is
// up: for unit tests of servers whose work is all callbacks and timers.
#include <boost/asio/io_context.hpp>
#include <chrono>

namespace berth::testing {

template <class Pred>
void run_until(boost::asio::io_context& ioc, Pred done, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    ioc.restart();
    ioc.run_for(std::chrono::milliseconds(5));
  }
}

inline void run_for(boost::asio::io_context& ioc, std::chrono::milliseconds d) {
  run_until(ioc, [] { return false; }, d);
}

}  // namespace berth::testing
