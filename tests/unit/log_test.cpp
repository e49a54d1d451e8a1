// The logger never makes its caller wait for the disk: with the writer
// stuck, a flood from several threads still returns, and what did not fit
// in the queue is counted for /metrics.
#include "core/log.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "net/metrics.hpp"

using namespace berth;

namespace {

// A sink that does not return until opened: a disk or pipe that hangs.
class StuckSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  void open() {
    {
      std::lock_guard lock(gate_mu_);
      open_ = true;
    }
    gate_.notify_all();
  }
  std::size_t written() const { return written_; }

 protected:
  void sink_it_(const spdlog::details::log_msg&) override {
    std::unique_lock lock(gate_mu_);
    gate_.wait(lock, [&] { return open_; });
    written_++;
  }
  void flush_() override {}

 private:
  std::mutex gate_mu_;
  std::condition_variable gate_;
  bool open_ = false;
  std::atomic<std::size_t> written_{0};
};

}  // namespace

TEST(Log, FullQueueDropsMessagesInsteadOfBlockingTheCaller) {
  auto previous = spdlog::default_logger();
  const auto dropped_before = log_messages_dropped();
  auto sink = std::make_shared<StuckSink>();
  constexpr std::size_t kQueue = 4;
  init_logging(LogOptions{.level = "info", .queue_size = kQueue, .sink = sink});

  constexpr int kThreads = 4, kEach = 2000;
  std::atomic<int> finished{0};
  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t)
    producers.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) spdlog::info("flood from thread {}: message {}", t, i);
      finished++;
    });
  // The writer thread is stuck in the sink for the whole flood: a logger that
  // waited for room in its queue would never let these threads end.
  for (auto& p : producers) p.join();
  EXPECT_EQ(finished.load(), kThreads);

  const auto dropped = log_messages_dropped() - dropped_before;
  EXPECT_GT(dropped, 0u);
  // Only the queue's worth and the one message stuck in the sink got through.
  EXPECT_GE(dropped, std::uint64_t(kThreads * kEach) - kQueue - 1);

  // What /metrics shows: the line serve registers.
  net::Metrics metrics;
  metrics.add_counter("berth_log_messages_dropped_total",
                      "Log messages dropped because the log queue was full (stderr could not keep up).",
                      [] { return double(log_messages_dropped()); });
  EXPECT_NE(metrics.render().find("# TYPE berth_log_messages_dropped_total counter\n"
                                  "berth_log_messages_dropped_total " +
                                  std::to_string(dropped_before + dropped) + "\n"),
            std::string::npos)
      << metrics.render();

  // Unstuck, everything still queued is written out at shutdown; every
  // message was either written or counted as dropped.
  sink->open();
  shutdown_logging();
  EXPECT_EQ(sink->written() + dropped, std::uint64_t(kThreads * kEach));
  EXPECT_EQ(log_messages_dropped() - dropped_before, dropped);  // still reported after shutdown

  spdlog::set_default_logger(previous);
}

TEST(Log, NothingDroppedWhenTheWriterKeepsUp) {
  auto previous = spdlog::default_logger();
  const auto dropped_before = log_messages_dropped();
  auto sink = std::make_shared<StuckSink>();
  sink->open();
  init_logging(LogOptions{.level = "info", .queue_size = 8192, .sink = sink});
  for (int i = 0; i < 100; ++i) spdlog::info("message {}", i);
  spdlog::debug("below the level: not even queued");
  shutdown_logging();
  EXPECT_EQ(sink->written(), 100u);
  EXPECT_EQ(log_messages_dropped(), dropped_before);
  spdlog::set_default_logger(previous);
}

TEST(Metrics, CounterCallbacksAreTypedCounter) {
  net::Metrics metrics;
  metrics.add_counter("berth_things_total", "Things.", [] { return 3.0; });
  metrics.add_gauge("berth_level", "Level.", [] { return 1.0; });
  auto text = metrics.render();
  EXPECT_NE(text.find("# HELP berth_things_total Things.\n# TYPE berth_things_total counter\nberth_things_total 3\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE berth_level gauge\nberth_level 1\n"), std::string::npos) << text;
}
