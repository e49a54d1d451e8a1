#pragma once
// Prometheus metrics for the HTTP server: requests by route and status, a
// latency histogram, and requests in flight. Other modules register their
// own gauges as callbacks so this file needs to know nothing of them.
#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace berth::net {

class Metrics {
 public:
  void request_started() { in_flight_++; }
  void request_finished(const std::string& method, const std::string& route, int status, double seconds);

  // A gauge read when /metrics is scraped, e.g. open Socket.IO connections.
  void add_gauge(std::string name, std::string help, std::function<double()> read);
  // A counter kept elsewhere (it only ever grows), read the same way; the
  // name should end in _total, e.g. berth_log_messages_dropped_total.
  void add_counter(std::string name, std::string help, std::function<double()> read);

  std::string render() const;  // Prometheus text exposition format 0.0.4
  long in_flight() const { return in_flight_; }

 private:
  static constexpr std::array<double, 11> kBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5};
  std::atomic<long> in_flight_{0};
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, long> requests_;
  std::array<long, kBuckets.size() + 1> histogram_{};
  double latency_sum_ = 0;
  long latency_count_ = 0;
  struct Gauge {
    std::string help;
    std::function<double()> read;
    const char* type = "gauge";
  };
  std::map<std::string, Gauge> gauges_;
};

}  // namespace berth::net
