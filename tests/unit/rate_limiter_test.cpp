// RateLimiter: a fixed window per key, bounded memory.
#include <gtest/gtest.h>

#include "core/rate_limiter.hpp"

namespace berth {
namespace {

using namespace std::chrono_literals;

TEST(RateLimiter, WaitsOncePastTheLimitUntilTheWindowEnds) {
  RateLimiter limiter(3, 60s);
  auto t0 = RateLimiter::Clock::time_point{} + 1000s;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(limiter.wait("k", t0), 0s);
    limiter.hit("k", t0);
  }
  EXPECT_EQ(limiter.wait("k", t0), 60s);
  EXPECT_EQ(limiter.wait("k", t0 + 59s + 500ms), 1s);  // rounded up: never "retry in 0 s"
  EXPECT_EQ(limiter.wait("k", t0 + 60s), 0s);
  EXPECT_EQ(limiter.wait("other", t0), 0s);
  limiter.reset("k");
  EXPECT_EQ(limiter.wait("k", t0), 0s);
}

TEST(RateLimiter, KeepsNoMoreThanMaxKeys) {
  RateLimiter limiter(1, 60s, 100);
  auto t0 = RateLimiter::Clock::time_point{} + 1000s;
  for (int i = 0; i < 1000; ++i) limiter.hit("k" + std::to_string(i), t0);
  int locked = 0;
  for (int i = 0; i < 1000; ++i) locked += limiter.wait("k" + std::to_string(i), t0) > 0s;
  EXPECT_LE(locked, 101);
  EXPECT_GT(locked, 0);
}

}  // namespace
}  // namespace berth
