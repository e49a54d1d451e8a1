// bench/storage: the ObjectStore backends under a project-sized load
// (docs/BENCHMARKS.md, "Object storage"). A fixed-seed set of text files
// (default 500 files, 20 MB, 1–120 KB each, in 10 folders) is uploaded with
// put(PutSource::from_file), downloaded with get_to_file, listed once and
// removed with remove_many, at each concurrency asked for (N coroutines
// pulling from one shared index, one I/O thread), on
//   - the local store (a temp dir; file work on a WorkerPool), and
//   - the Supabase client against the Supabase Storage stand-in
//     (tests/support/storage-server.mjs) with --latency-ms added to every
//     request, a fresh client and pool for each row.
// References measured in the same run: concurrency 1 (one by one, the
// original design's pattern), and the original Node pattern itself
// (bench/storage/original_pattern.mjs: await fetch per file) against the
// same stand-in. Loopback only.
//   build/default/bench/berth_storage_bench [--files N] [--megabytes M] [--latency-ms N] [--concurrency 1,8,32]
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <spdlog/spdlog.h>
#include <string>
#include <vector>

#include "core/digest.hpp"
#include "core/worker_pool.hpp"
#include "stand_in.hpp"  // tests/storage: starts the stand-in, run_coro
#include "storage/local/local_store.hpp"
#include "storage/supabase/supabase_store.hpp"

#ifndef BERTH_SOURCE_DIR
#define BERTH_SOURCE_DIR "."
#endif

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
namespace json = boost::json;
using namespace berth;
using Clock = std::chrono::steady_clock;

constexpr const char* kBucket = "berth-bench";
constexpr int kFolders = 10;
constexpr std::size_t kWorkerThreads = 4;  // as `berth serve` on a 2-core machine: max(4, threads)

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// ---- the data set

struct DataSet {
  fs::path root;
  std::vector<std::string> rel;  // "d3/f0042.txt"
  std::vector<std::uint64_t> sizes;
  std::vector<std::string> sha256;  // hex, to check what put() says it stored
  std::uint64_t total = 0;
};

// Sizes skewed towards small files (lo + (hi-lo)·u^p, p chosen for the
// wanted mean), scaled to the exact total; printable ASCII lines, so the
// original pattern's UTF-8 reading keeps every byte.
DataSet make_data(const fs::path& root, std::size_t files, std::uint64_t total, std::uint32_t seed) {
  DataSet d;
  d.root = root;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  double mean = double(total) / double(files);
  double lo = std::min(1000.0, mean / 2), hi = std::max(120'000.0, 3 * mean);
  double p = std::max(0.0, (hi - lo) / (mean - lo) - 1);
  std::vector<double> raw(files);
  double sum = 0;
  for (auto& r : raw) sum += r = lo + (hi - lo) * std::pow(unit(rng), p);
  // Scale to the total, keep within [lo, hi], and spread what the rounding
  // and the bounds left over across the files that have room.
  auto lo_b = std::max<std::uint64_t>(1, std::uint64_t(lo)), hi_b = std::uint64_t(hi);
  std::int64_t left = std::int64_t(total);
  for (auto r : raw) {
    auto s = std::clamp<std::uint64_t>(std::uint64_t(std::llround(r * double(total) / sum)), lo_b, hi_b);
    d.sizes.push_back(s);
    left -= std::int64_t(s);
  }
  for (int round = 0; left != 0 && round < 64; ++round) {
    auto share = std::max<std::int64_t>(1, std::abs(left) / std::int64_t(files));
    for (auto& s : d.sizes) {
      if (left == 0) break;
      auto step = std::min(share, std::abs(left));
      auto room = left > 0 ? std::int64_t(hi_b - s) : std::int64_t(s - lo_b);
      step = std::min(step, room);
      s = left > 0 ? s + std::uint64_t(step) : s - std::uint64_t(step);
      left += left > 0 ? -step : step;
    }
  }
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 (){};=+-*/_.,";
  std::uniform_int_distribution<int> pick(0, int(sizeof kAlphabet) - 2), line(20, 100);
  std::string buf;
  for (std::size_t i = 0; i < files; ++i) {
    auto rel = fmt::format("d{}/f{:04}.txt", i % kFolders, i);
    fs::create_directories((root / rel).parent_path());
    buf.clear();
    int until_newline = line(rng);
    while (buf.size() < d.sizes[i]) {
      if (--until_newline == 0) {
        buf.push_back('\n');
        until_newline = line(rng);
      } else {
        buf.push_back(kAlphabet[pick(rng)]);
      }
    }
    std::ofstream(root / rel, std::ios::binary).write(buf.data(), std::streamsize(buf.size()));
    Digest sha;
    sha.update(buf);
    d.sha256.push_back(sha.hex());
    d.rel.push_back(rel);
    d.total += d.sizes[i];
  }
  return d;
}

// ---- running N coroutines over a shared index

struct Phase {
  double seconds = 0;
  std::size_t errors = 0;
  std::string first_error;
};

// `op(i)` returns "" or what went wrong with item i.
template <class Op>
asio::awaitable<Phase> run_parallel(std::size_t n, int concurrency, Op op) {
  auto ex = co_await asio::this_coro::executor;
  Phase out;
  std::size_t next = 0;
  int running = concurrency;
  asio::steady_timer done(ex, asio::steady_timer::time_point::max());
  auto note = [&](std::string e) {
    if (out.errors++ == 0) out.first_error = std::move(e);
  };
  auto t0 = Clock::now();
  for (int w = 0; w < concurrency; ++w) {
    asio::co_spawn(
        ex,
        [&]() -> asio::awaitable<void> {
          while (next < n) {
            auto i = next++;
            if (auto e = co_await op(i); !e.empty()) note(std::move(e));
          }
        },
        [&](std::exception_ptr e) {
          if (e) try {
              std::rethrow_exception(e);
            } catch (const std::exception& x) {
              note(std::string("exception: ") + x.what());
            }
          if (--running == 0) done.cancel();
        });
  }
  if (running > 0) co_await done.async_wait(asio::as_tuple(asio::use_awaitable));
  out.seconds = seconds_since(t0);
  co_return out;
}

std::string describe(const Error& e) { return e.code + ": " + e.message; }

// ---- one backend × concurrency

struct Row {
  std::string backend;
  int concurrency = 0;  // 0: the original Node pattern
  std::string pool;     // connections allowed / opened
  Phase up, down;
  double list_ms = -1, remove_ms = -1;
  std::vector<std::string> problems;
  std::string server;  // what the stand-in counted
};

asio::awaitable<void> run_row(storage::ObjectStore& store, const DataSet& d, int c, fs::path out_dir,
                              std::string prefix, Row& row) {
  const std::size_t n = d.rel.size();
  std::vector<std::string> keys;
  for (auto& r : d.rel) keys.push_back(prefix + r);

  row.up = co_await run_parallel(n, c, [&](std::size_t i) -> asio::awaitable<std::string> {
    auto r = co_await store.put(keys[i], storage::PutSource::from_file((d.root / d.rel[i]).string(), "text/plain"));
    if (!r) co_return "upload " + keys[i] + ": " + describe(r.error());
    if (r->size != d.sizes[i]) co_return fmt::format("upload {}: sent {} bytes of {}", keys[i], r->size, d.sizes[i]);
    if (r->sha256 != d.sha256[i] || !r->stable) co_return "upload " + keys[i] + ": wrong sha256 or unstable";
    co_return std::string();
  });
  row.down = co_await run_parallel(n, c, [&](std::size_t i) -> asio::awaitable<std::string> {
    auto r = co_await store.get_to_file(keys[i], (out_dir / d.rel[i]).string());
    if (!r) co_return "download " + keys[i] + ": " + describe(r.error());
    if (r->size != d.sizes[i]) co_return fmt::format("download {}: got {} bytes of {}", keys[i], r->size, d.sizes[i]);
    co_return std::string();
  });

  auto t0 = Clock::now();
  auto listed = co_await store.list(prefix);
  row.list_ms = seconds_since(t0) * 1000;
  if (!listed) {
    row.problems.push_back("list: " + describe(listed.error()));
  } else {
    std::uint64_t bytes = 0;
    for (auto& o : *listed) bytes += o.size;
    if (listed->size() != n || bytes != d.total)
      row.problems.push_back(fmt::format("list: {} objects, {} bytes (expected {}, {})", listed->size(), bytes, n, d.total));
  }

  t0 = Clock::now();
  auto removed = co_await store.remove_many(keys);
  row.remove_ms = seconds_since(t0) * 1000;
  if (!removed)
    row.problems.push_back("remove_many: " + describe(removed.error()));
  else if (*removed != n)
    row.problems.push_back(fmt::format("remove_many: removed {} of {}", *removed, n));
}

// Downloaded files byte for byte against the originals (not timed).
std::size_t count_mismatches(const DataSet& d, const fs::path& out_dir) {
  std::size_t bad = 0;
  auto slurp = [](const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), {});
  };
  for (auto& r : d.rel)
    if (slurp(d.root / r) != slurp(out_dir / r)) ++bad;
  return bad;
}

void prepare_out_dir(const fs::path& out_dir) {
  fs::remove_all(out_dir);
  for (int f = 0; f < kFolders; ++f) fs::create_directories(out_dir / fmt::format("d{}", f));
}

// ---- the stand-in's own counts

json::object stand_in_stats(testing::StandIn& s, asio::io_context& ioc) {
  auto r = s.control(ioc, "GET", "/__control/stats");
  return json::parse(r.body).as_object();
}

std::int64_t route_count(const json::object& stats, const char* route) {
  auto& routes = stats.at("routes").as_object();
  auto it = routes.find(route);
  return it == routes.end() ? 0 : it->value().to_number<std::int64_t>();
}

std::string server_summary(const json::object& stats, std::int64_t extra_connections) {
  return fmt::format("PUT {}, GET {}, list {}, delete {}; peak in flight {}; connections accepted {}",
                     route_count(stats, "PUT /object/{bucket}/{key}"), route_count(stats, "GET /object/{bucket}/{key}"),
                     route_count(stats, "POST /object/list/{bucket}"), route_count(stats, "DELETE /object/{bucket}"),
                     stats.at("peakInFlight").to_number<std::int64_t>(),
                     stats.at("totalConnections").to_number<std::int64_t>() - extra_connections);
}

// ---- the original Node pattern, as a child process

struct ChildOutput {
  int status = -1;
  std::string out;
};

ChildOutput run_child(std::vector<std::string> args) {
  auto child = testing::spawn_child(std::move(args));
  pid_t pid = child.pid;
  ChildOutput r;
  char buf[4096];
  for (ssize_t got; (got = ::read(child.stdout_fd, buf, sizeof buf)) != 0;) {
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) break;
    r.out.append(buf, std::size_t(got));
  }
  ::close(child.stdout_fd);
  int st = 0;
  ::waitpid(pid, &st, 0);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

// ---- the report

std::string rate(double v) { return v >= 100 ? fmt::format("{:.0f}", v) : fmt::format("{:.1f}", v); }
std::string ratio(double ours, double ref) { return ref > 0 && ours > 0 ? fmt::format("{:.2f}×", ours / ref) : "—"; }
std::string ms(double v) { return v < 0 ? "—" : v >= 100 ? fmt::format("{:.0f} ms", v) : fmt::format("{:.1f} ms", v); }

struct Rates {
  double up_files = 0, up_mb = 0, down_files = 0, down_mb = 0;
};

Rates rates_of(const Row& r, const DataSet& d) {
  auto n = double(d.rel.size()), mb = double(d.total) / 1e6;
  Rates x;
  if (r.up.seconds > 0 && r.up.errors == 0) x.up_files = n / r.up.seconds, x.up_mb = mb / r.up.seconds;
  if (r.down.seconds > 0 && r.down.errors == 0) x.down_files = n / r.down.seconds, x.down_mb = mb / r.down.seconds;
  return x;
}

std::string label(const Row& r) {
  if (r.concurrency == 0) return "original Node pattern: `await fetch` per file (reference)";
  if (r.concurrency == 1) return "concurrency 1: one by one (reference)";
  return fmt::format("concurrency {}", r.concurrency);
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t files = 500;
  double megabytes = 20;
  int latency_ms = 50;
  std::vector<int> concurrency{1, 8, 32};
  std::uint32_t seed = 20261126;
  bool skip_original = false;
  CLI::App app{
      "Object storage benchmark: the local store and the Supabase client (against the Supabase Storage stand-in\n"
      "with added latency) upload, download, list and remove a project-sized set of files at each concurrency;\n"
      "concurrency 1 and the original Node pattern (bench/storage/original_pattern.mjs) are the references.\n"
      "Needs node (NODE overrides). MB = 10^6 bytes."};
  app.add_option("--files", files, "number of files")->capture_default_str()->check(CLI::Range(std::size_t(1), std::size_t(100'000)));
  app.add_option("--megabytes", megabytes, "total size of the files, in MB (10^6 bytes)")->capture_default_str()->check(CLI::Range(0.001, 2000.0));
  app.add_option("--latency-ms", latency_ms, "latency the stand-in adds to every Storage request")->capture_default_str()->check(CLI::Range(0, 10'000));
  app.add_option("--concurrency", concurrency, "requests in flight, comma-separated")->delimiter(',')->capture_default_str()->check(CLI::Range(1, 1024));
  app.add_option("--seed", seed, "seed of the file sizes and contents")->capture_default_str();
  app.add_flag("--no-original", skip_original, "skip the original Node pattern");
  CLI11_PARSE(app, argc, argv);
  std::sort(concurrency.begin(), concurrency.end());
  concurrency.erase(std::unique(concurrency.begin(), concurrency.end()), concurrency.end());

  spdlog::set_level(spdlog::level::warn);  // retries and give-ups still show
  std::string node = testing::env_or("NODE", "node");

  char tmpl[] = "/tmp/berth-storage-bench-XXXXXX";
  if (!::mkdtemp(tmpl)) {
    std::perror("mkdtemp");
    return 1;
  }
  fs::path tmp = tmpl;
  struct Cleanup {
    fs::path p;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(p, ec);
    }
  } cleanup{tmp};

  auto total = std::uint64_t(std::llround(megabytes * 1e6));
  auto d = make_data(tmp / "data", files, total, seed);
  auto [smallest, largest] = std::minmax_element(d.sizes.begin(), d.sizes.end());
  std::cout << fmt::format("data: {} files, {} bytes ({:.1f} MB), {}–{} bytes each, {} folders, seed {}\n", d.rel.size(),
                           d.total, double(d.total) / 1e6, *smallest, *largest, kFolders, seed)
            << std::flush;

  asio::io_context ioc;  // the one I/O thread
  WorkerPool workers(kWorkerThreads);
  std::vector<Row> rows;
  int failures = 0;

  auto report_row = [&](const Row& r) {
    auto x = rates_of(r, d);
    std::cout << fmt::format("  {:<12} {:<40} up {:>7} files/s {:>7.2f} MB/s   down {:>7} files/s {:>7.2f} MB/s   list {}   remove {}",
                             r.backend, label(r), rate(x.up_files), x.up_mb, rate(x.down_files), x.down_mb, ms(r.list_ms),
                             ms(r.remove_ms))
              << (r.pool.empty() ? "" : "   pool " + r.pool) << "\n";
    if (!r.server.empty()) std::cout << "      stand-in saw: " << r.server << "\n";
    for (const Phase* p : {&r.up, &r.down})
      if (p->errors) std::cout << fmt::format("      {} {} errors, first: {}\n", p == &r.up ? "upload" : "download", p->errors, p->first_error);
    for (auto& p : r.problems) std::cout << "      problem: " << p << "\n";
    std::cout << std::flush;
    if (r.up.errors || r.down.errors || !r.problems.empty()) ++failures;
  };

  // (a) the local store
  std::cout << fmt::format("local store: {} worker threads (put and get_to_file fsync each file)\n", kWorkerThreads);
  for (int c : concurrency) {
    Row row{.backend = "local", .concurrency = c};
    auto out_dir = tmp / "out";
    prepare_out_dir(out_dir);
    {
      auto root = tmp / fmt::format("objects-c{}", c);
      storage::local::LocalStore store(root.string(), workers);
      if (auto p = testing::run_coro(ioc, store.prepare()); !p) {
        std::cerr << "local store: " << describe(p.error()) << "\n";
        return 1;
      }
      testing::run_coro(ioc, [&]() -> asio::awaitable<bool> {
        co_await run_row(store, d, c, out_dir, fmt::format("bench-owner/local-c{}/", c), row);
        co_return true;
      }());
    }
    if (auto bad = count_mismatches(d, out_dir)) row.problems.push_back(fmt::format("{} downloaded files differ", bad));
    report_row(row);
    rows.push_back(std::move(row));
  }

  // (b) the Supabase client against the stand-in
  std::uint64_t upload_limit = std::max<std::uint64_t>(std::uint64_t(50) << 20, 2 * *largest);
  std::optional<testing::StandIn> stand_in;
  try {
    stand_in.emplace(std::vector<std::string>{"--latency-ms", std::to_string(latency_ms), "--max-upload-bytes",
                                              std::to_string(upload_limit)});
  } catch (const std::exception& e) {
    std::cerr << "cannot start the storage stand-in (" << BERTH_SOURCE_DIR << "/tests/support/storage-server.mjs): " << e.what() << "\n";
    return 1;
  }
  std::cout << fmt::format("Supabase client: stand-in at {}, {} ms added to every request, bucket {}\n", stand_in->url(),
                           latency_ms, kBucket)
            << std::flush;
  for (int c : concurrency) {
    Row row{.backend = "supabase", .concurrency = c};
    auto out_dir = tmp / "out";
    prepare_out_dir(out_dir);
    storage::supabase::SupabaseOptions o;
    o.url = stand_in->url();
    o.key = testing::StandIn::kKey;
    o.bucket = kBucket;
    o.max_object_size = upload_limit;
    // The pool would cap the requests in flight at its default 16.
    o.pool.max_connections = std::max<std::size_t>(o.pool.max_connections, std::size_t(c));
    {
      auto created = storage::supabase::SupabaseStore::create(ioc.get_executor(), workers, o);
      if (!created) {
        std::cerr << "supabase client: " << describe(created.error()) << "\n";
        return 1;
      }
      auto& store = **created;
      if (auto p = testing::run_coro(ioc, store.prepare()); !p) {
        std::cerr << "supabase client: " << describe(p.error()) << "\n";
        return 1;
      }
      stand_in->control(ioc, "POST", "/__control/stats/reset");
      testing::run_coro(ioc, [&]() -> asio::awaitable<bool> {
        co_await run_row(store, d, c, out_dir, fmt::format("bench-owner/supabase-c{}/", c), row);
        co_return true;
      }());
      row.pool = fmt::format("max_connections {}, opened {}", o.pool.max_connections, store.connections_opened());
      row.server = server_summary(stand_in_stats(*stand_in, ioc), 1);  // 1: the stats call's own
    }
    if (auto bad = count_mismatches(d, out_dir)) row.problems.push_back(fmt::format("{} downloaded files differ", bad));
    report_row(row);
    rows.push_back(std::move(row));
  }

  // The original Node pattern, against the same stand-in.
  std::string node_version;
  if (!skip_original) {
    Row row{.backend = "supabase", .concurrency = 0};
    auto out_dir = tmp / "original-out";
    std::string prefix = "bench-owner/original/";
    stand_in->control(ioc, "POST", "/__control/stats/reset");
    auto child = run_child({node, BERTH_SOURCE_DIR "/bench/storage/original_pattern.mjs", "--url", stand_in->url(), "--key",
                            testing::StandIn::kKey, "--dir", d.root.string(), "--bucket", kBucket, "--prefix", prefix,
                            "--out", out_dir.string()});
    auto stats = stand_in_stats(*stand_in, ioc);
    auto last_line = child.out.substr(child.out.rfind('{') == std::string::npos ? child.out.size() : child.out.rfind('{'));
    json::value got;
    boost::system::error_code ec;
    if (child.status == 0) got = json::parse(last_line, ec);
    if (child.status != 0 || ec || !got.is_object()) {
      row.problems.push_back(fmt::format("original_pattern.mjs exited {}, printed: {}", child.status, child.out));
    } else {
      auto& j = got.as_object();
      node_version = json::value_to<std::string>(j.at("node"));
      row.up.seconds = j.at("upload_s").to_number<double>();
      row.down.seconds = j.at("download_s").to_number<double>();
      if (j.at("bytes").to_number<std::uint64_t>() != d.total || j.at("files").to_number<std::size_t>() != d.rel.size())
        row.problems.push_back("original_pattern.mjs sent another amount: " + last_line);
      if (auto bad = count_mismatches(d, out_dir)) row.problems.push_back(fmt::format("{} downloaded files differ", bad));
      row.pool = "fetch's keep-alive agent";
      row.server = server_summary(stats, 1);
    }
    // Not part of the pattern: clean the bucket.
    {
      auto created = storage::supabase::SupabaseStore::create(ioc.get_executor(), workers, {.url = stand_in->url(), .key = testing::StandIn::kKey, .bucket = kBucket});
      if (created) {
        std::vector<std::string> keys;
        for (auto& r : d.rel) keys.push_back(prefix + r);
        (void)testing::run_coro(ioc, (*created)->remove_many(std::move(keys)));
      }
    }
    report_row(row);
    rows.push_back(std::move(row));
  }

  // ---- the table
  auto find = [&](const std::string& backend, int c) -> const Row* {
    for (auto& r : rows)
      if (r.backend == backend && r.concurrency == c) return &r;
    return nullptr;
  };
  std::cout << fmt::format(
      "\n{} files, {:.1f} MB ({}–{} B each); Supabase = the client against the stand-in with {} ms per request; "
      "1 I/O thread, {} worker threads{}\n\n",
      d.rel.size(), double(d.total) / 1e6, *smallest, *largest, latency_ms, kWorkerThreads,
      node_version.empty() ? "" : "; node " + node_version);
  std::cout << "| backend | pattern | upload files/s | upload MB/s | download files/s | download MB/s | list | "
               "remove_many | speed-up vs concurrency 1 (up / down) | vs original Node (up / down) |\n"
               "|---|---|---|---|---|---|---|---|---|---|\n";
  for (auto& r : rows) {
    auto x = rates_of(r, d);
    std::string vs_c1 = "—", vs_orig = "—";
    if (r.concurrency > 0)
      if (auto ref = find(r.backend, 1)) {
        auto y = rates_of(*ref, d);
        vs_c1 = ratio(x.up_files, y.up_files) + " / " + ratio(x.down_files, y.down_files);
      }
    if (r.backend == "supabase")
      if (auto ref = find("supabase", 0)) {
        auto y = rates_of(*ref, d);
        vs_orig = ratio(x.up_files, y.up_files) + " / " + ratio(x.down_files, y.down_files);
      }
    std::string name = r.backend == "local" ? "local store" : fmt::format("Supabase ({} ms)", latency_ms);
    std::string pattern = label(r);
    if (r.backend == "supabase" && r.concurrency > 0) pattern += ", pool " + r.pool;
    std::cout << fmt::format("| {} | {} | {} | {:.2f} | {} | {:.2f} | {} | {} | {} | {} |\n", name, pattern, rate(x.up_files),
                             x.up_mb, rate(x.down_files), x.down_mb, ms(r.list_ms), ms(r.remove_ms), vs_c1, vs_orig);
  }
  if (failures) std::cout << fmt::format("\n{} row(s) had errors: see above; their rates are shown as 0.\n", failures);
  return failures ? 1 : 0;
}
