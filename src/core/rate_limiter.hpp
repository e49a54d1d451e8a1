#pragma once
// Counts events per key (an account, an address) in a fixed window and
// says how long a key must wait once it passed its limit: the bound on
// log-in attempts, so a password cannot be guessed at network speed.
// Memory is bounded: past max_keys the oldest windows are dropped (an
// attacker spreading over many keys then meets the per-address limit).
// Thread-safe.
#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace berth {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  RateLimiter(std::size_t limit, std::chrono::seconds window, std::size_t max_keys = 100'000)
      : limit_(limit), window_(window), max_keys_(max_keys) {}

  // How long `key` must still wait; 0 when it may go on. Counts nothing.
  std::chrono::seconds wait(const std::string& key, Clock::time_point now = Clock::now()) const {
    std::lock_guard lock(mu_);
    auto it = windows_.find(key);
    if (it == windows_.end() || now >= it->second.end || it->second.count < limit_) return std::chrono::seconds(0);
    return std::chrono::ceil<std::chrono::seconds>(it->second.end - now);
  }
  // Counts one event for `key`.
  void hit(const std::string& key, Clock::time_point now = Clock::now()) {
    std::lock_guard lock(mu_);
    auto& w = windows_[key];
    if (now >= w.end) w = Window{now + window_, 0};
    ++w.count;
    if (windows_.size() > max_keys_) prune(now);
  }
  void reset(const std::string& key) {
    std::lock_guard lock(mu_);
    windows_.erase(key);
  }

 private:
  struct Window {
    Clock::time_point end;
    std::size_t count = 0;
  };
  void prune(Clock::time_point now) {
    std::erase_if(windows_, [now](const auto& e) { return now >= e.second.end; });
    while (windows_.size() > max_keys_) windows_.erase(windows_.begin());
  }
  std::size_t limit_;
  std::chrono::seconds window_;
  std::size_t max_keys_;
  mutable std::mutex mu_;
  std::map<std::string, Window> windows_;
};

}  // namespace berth
