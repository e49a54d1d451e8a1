#include "net/metrics.hpp"

#include <fmt/format.h>

namespace berth::net {

namespace {
// Labels must be a bounded set: a client can send any method token, so
// unknown ones share one label (routes are patterns, never raw paths).
const std::string& method_label(const std::string& method) {
  static const std::string known[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  static const std::string other = "OTHER";
  for (auto& k : known)
    if (k == method) return k;
  return other;
}
}  // namespace

void Metrics::request_finished(const std::string& method, const std::string& route, int status, double seconds) {
  in_flight_--;
  std::lock_guard lock(mu_);
  requests_[{method_label(method), route.empty() ? std::string("unmatched") : route, status}]++;
  std::size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  histogram_[i]++;
  latency_sum_ += seconds;
  latency_count_++;
}

void Metrics::add_gauge(std::string name, std::string help, std::function<double()> read) {
  std::lock_guard lock(mu_);
  gauges_[std::move(name)] = Gauge{std::move(help), std::move(read)};
}

void Metrics::add_counter(std::string name, std::string help, std::function<double()> read) {
  std::lock_guard lock(mu_);
  gauges_[std::move(name)] = Gauge{std::move(help), std::move(read), "counter"};
}

std::string Metrics::render() const {
  std::lock_guard lock(mu_);
  std::string out;
  out += "# HELP berth_http_requests_total HTTP requests by method, route and status.\n";
  out += "# TYPE berth_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [method, route, status] = key;
    out += fmt::format("berth_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}\n", method, route,
                       status, n);
  }
  out += "# HELP berth_http_request_duration_seconds HTTP request latency.\n";
  out += "# TYPE berth_http_request_duration_seconds histogram\n";
  long cumulative = 0;
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    cumulative += histogram_[i];
    out += fmt::format("berth_http_request_duration_seconds_bucket{{le=\"{}\"}} {}\n", kBuckets[i], cumulative);
  }
  cumulative += histogram_[kBuckets.size()];
  out += fmt::format("berth_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {}\n", cumulative);
  out += fmt::format("berth_http_request_duration_seconds_sum {}\n", latency_sum_);
  out += fmt::format("berth_http_request_duration_seconds_count {}\n", latency_count_);
  out += "# HELP berth_http_requests_in_flight HTTP requests being served.\n";
  out += "# TYPE berth_http_requests_in_flight gauge\n";
  out += fmt::format("berth_http_requests_in_flight {}\n", in_flight_.load());
  for (const auto& [name, g] : gauges_) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, g.help, name, g.type, name, g.read());
  }
  return out;
}

}  // namespace berth::net
