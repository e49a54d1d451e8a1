// bench/workspace: opening a project from object storage (docs/BENCHMARKS.md,
// "Opening a project"). A fixed-seed synthetic project (default 500 files,
// 20 MB, 200 B–200 KB each, at the root and in nested folders) is put into a
// LocalStore (<tmp>/objects) under a project prefix; then, each --runs times:
//   - cold: FileSync::open with an empty mirror and a fresh journal (a new
//     data dir per run): list, plan, download everything in parallel
//     (SyncOptions::width), install each file, record it as synced;
//   - warm: "a restart with the mirror current": a new SyncJournal over the
//     journal file the last cold run left, a new Workspaces and FileSync over
//     the same mirror (nothing cached in memory), FileSync::open again;
//   - the reference, the original design's pattern: list the prefix, then
//     get_to_file every object one after another into its file, no skipping.
// All three use the same LocalStore and WorkerPool (4 threads, as `berth
// serve` on a 2-core machine) and one I/O thread. The local store is on
// local disk (and its objects in the page cache after the first run): this
// measures Berth's own overhead and parallelism, not network latency.
//   build/release/bench/berth_open_bench [--files N] [--megabytes M] [--runs N] [--width N]
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <optional>
#include <random>
#include <spdlog/spdlog.h>
#include <string>
#include <vector>

#include "core/worker_pool.hpp"
#include "storage/layout.hpp"
#include "storage/local/local_store.hpp"
#include "workspace/container_plan.hpp"
#include "workspace/file_sync.hpp"
#include "workspace/sync_journal.hpp"
#include "workspace/workspace.hpp"

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace berth;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kWorkerThreads = 4;  // as `berth serve` on a 2-core machine: max(4, threads)
constexpr const char* kOwner = "6f1c2a8e-4b7d-4c1e-9a3f-0d5e7b2c9a11";
constexpr const char* kProject = "0b9e4d2c-7a15-4f3e-8c6d-1e2f3a4b5c6d";

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Runs a coroutine to completion on `ioc`, then whatever it left behind
// (the uploader FileSync::open wakes, which finds nothing to do).
template <class T>
T run(asio::io_context& ioc, asio::awaitable<T> a) {
  std::optional<T> out;  // co_spawn needs a default-constructible result; Result<T> is not
  std::exception_ptr failed;
  asio::co_spawn(
      ioc, [&]() -> asio::awaitable<void> { out.emplace(co_await std::move(a)); },
      [&](std::exception_ptr e) { failed = e; });
  ioc.restart();
  ioc.run();
  if (failed) std::rethrow_exception(failed);
  return std::move(*out);
}

struct Project {
  std::vector<std::string> rel;  // "src/pkg2/mod1/f0042.py"
  std::vector<std::uint64_t> sizes;
  std::uint64_t total = 0;
  std::size_t folders = 0;
};

// Sizes log-uniform between 200 B and 200 KB, scaled to the total (most
// files small, a few large); about a tenth at the root, the rest one to
// three folders deep.
Project make_project(std::size_t files, std::uint64_t total, std::uint32_t seed) {
  Project p;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<double> raw(files);
  double sum = 0;
  for (auto& r : raw) sum += r = 200.0 * std::pow(1000.0, unit(rng));
  std::int64_t left = std::int64_t(total);
  for (auto r : raw) {
    auto s = std::max<std::uint64_t>(1, std::uint64_t(std::llround(r * double(total) / sum)));
    p.sizes.push_back(s);
    left -= std::int64_t(s);
  }
  p.sizes.back() = std::uint64_t(std::max<std::int64_t>(1, std::int64_t(p.sizes.back()) + left));
  std::uniform_int_distribution<int> depth(0, 3), pkg(0, 3), mod(0, 2), leaf(0, 1);
  static constexpr const char* kExt[] = {".py", ".js", ".json", ".md", ".txt", ".css"};
  std::vector<std::string> dirs;
  for (std::size_t i = 0; i < files; ++i) {
    int d = i % 10 == 0 ? 0 : 1 + depth(rng) % 3;
    std::string dir;
    if (d >= 1) dir += fmt::format("src/pkg{}/", pkg(rng));
    if (d >= 2) dir += fmt::format("mod{}/", mod(rng));
    if (d >= 3) dir += fmt::format("leaf{}/", leaf(rng));
    if (!dir.empty()) dirs.push_back(dir);
    p.rel.push_back(fmt::format("{}f{:04}{}", dir, i, kExt[i % 6]));
    p.total += p.sizes[i];
  }
  std::sort(dirs.begin(), dirs.end());
  p.folders = std::size_t(std::unique(dirs.begin(), dirs.end()) - dirs.begin());
  return p;
}

std::string contents(std::uint64_t size, std::mt19937_64& rng) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 (){};=+-*/_.,";
  std::uniform_int_distribution<int> pick(0, int(sizeof kAlphabet) - 2);
  std::string s(size, ' ');
  for (std::size_t i = 0; i < size; ++i) s[i] = (i % 80 == 79) ? '\n' : kAlphabet[pick(rng)];
  return s;
}

struct Sample {
  double seconds = 0;
  std::size_t downloaded = 0;
  std::string error;
};

// One FileSync::open over <dir> (journal, mirror, staging), all made anew.
Sample open_once(asio::io_context& ioc, WorkerPool& workers, storage::ObjectStore& store, const fs::path& dir,
                 workspace::SyncOptions sync_options) {
  Sample s;
  auto journal = workspace::SyncJournal::open((dir / "sync/journal.db").string());
  if (!journal) return {0, 0, "journal: " + journal.error().message};
  workspace::RuntimeOptions options;
  options.data_dir = dir.string();
  // A plain mirror directory, as the reference copies into: the project disk
  // (an image made and mounted once per project and node) is not part of an
  // open, and this way the bench runs without root.
  options.project_quota = 0;
  workspace::Workspaces workspaces(options);
  workspace::FileSync sync(ioc.get_executor(), workers, store, **journal, workspaces, sync_options);
  workspaces.use_journal(journal->get(), [&sync](const std::string& id) { sync.changed(id); });
  sync.on_progress([&](const std::string&, std::size_t, std::size_t total) { s.downloaded = total; });
  auto status = run(ioc, [&]() -> asio::awaitable<Status> {
    auto t0 = Clock::now();
    auto r = co_await sync.open(kProject, kOwner);
    s.seconds = seconds_since(t0);
    co_return r;
  }());
  if (!status) s.error = status.error().code + ": " + status.error().message;
  sync.shutdown();
  return s;
}

// The original design's pattern: list, then one get_to_file after another.
Sample sequential_once(asio::io_context& ioc, storage::ObjectStore& store, const fs::path& dir) {
  Sample s;
  auto prefix = storage::project_prefix(kOwner, kProject);
  s.error = run(ioc, [&]() -> asio::awaitable<std::string> {
    auto t0 = Clock::now();
    auto listed = co_await store.list(prefix);
    if (!listed) co_return "list: " + listed.error().message;
    for (auto& o : *listed) {
      auto path = dir / o.key.substr(prefix.size());
      std::error_code ec;
      fs::create_directories(path.parent_path(), ec);
      auto got = co_await store.get_to_file(o.key, path.string());
      if (!got) co_return "get " + o.key + ": " + got.error().message;
      ++s.downloaded;
    }
    s.seconds = seconds_since(t0);
    co_return std::string();
  }());
  return s;
}

struct Stats {
  double median = 0, min = 0;
  std::size_t downloaded = 0;
  bool ok = true;
};

Stats stats_of(std::vector<Sample> v) {
  Stats st;
  std::vector<double> t;
  for (auto& s : v) {
    if (!s.error.empty()) st.ok = false;
    t.push_back(s.seconds);
    st.downloaded = std::max(st.downloaded, s.downloaded);
  }
  std::sort(t.begin(), t.end());
  st.min = t.front();
  st.median = t.size() % 2 ? t[t.size() / 2] : (t[t.size() / 2 - 1] + t[t.size() / 2]) / 2;
  return st;
}

std::string ms(double s) { return s * 1000 >= 100 ? fmt::format("{:.0f} ms", s * 1000) : fmt::format("{:.1f} ms", s * 1000); }

}  // namespace

int main(int argc, char** argv) {
  std::size_t files = 500;
  double megabytes = 20;
  int runs = 5;
  std::size_t width = workspace::SyncOptions{}.width;
  std::uint32_t seed = 20261202;
  CLI::App app{
      "Opening a project from object storage: FileSync::open cold (empty mirror, fresh journal) and warm (a restart\n"
      "with the mirror current), beside the original design's sequential get_to_file loop, on the local store.\n"
      "MB = 10^6 bytes."};
  app.add_option("--files", files, "number of files")->capture_default_str()->check(CLI::Range(std::size_t(1), std::size_t(100'000)));
  app.add_option("--megabytes", megabytes, "total size, in MB (10^6 bytes)")->capture_default_str()->check(CLI::Range(0.001, 2000.0));
  app.add_option("--runs", runs, "runs of each case")->capture_default_str()->check(CLI::Range(1, 1000));
  app.add_option("--width", width, "FileSync's downloads in flight (SyncOptions::width)")->capture_default_str()->check(CLI::Range(std::size_t(1), std::size_t(256)));
  app.add_option("--seed", seed, "seed of the file sizes and contents")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  spdlog::set_level(spdlog::level::warn);
  char tmpl[] = "/tmp/berth-open-bench-XXXXXX";
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

  asio::io_context ioc;
  WorkerPool workers(kWorkerThreads);
  storage::local::LocalStore store((tmp / "objects").string(), workers);
  if (auto s = run(ioc, store.prepare()); !s) {
    std::cerr << "prepare: " << s.error().message << "\n";
    return 1;
  }

  auto p = make_project(files, std::uint64_t(std::llround(megabytes * 1e6)), seed);
  {
    auto prefix = storage::project_prefix(kOwner, kProject);
    std::mt19937_64 rng(seed + 1);
    auto put = run(ioc, [&]() -> asio::awaitable<std::string> {
      for (std::size_t i = 0; i < p.rel.size(); ++i) {
        auto r = co_await store.put(prefix + p.rel[i], storage::PutSource::from_bytes(contents(p.sizes[i], rng), "text/plain"));
        if (!r) co_return p.rel[i] + ": " + r.error().message;
      }
      co_return std::string();
    }());
    if (!put.empty()) {
      std::cerr << "put " << put << "\n";
      return 1;
    }
  }
  auto [smallest, largest] = std::minmax_element(p.sizes.begin(), p.sizes.end());
  std::cout << fmt::format("project: {} files, {} bytes ({:.1f} MB), {}–{} bytes each, {} folders, seed {}\n", p.rel.size(),
                           p.total, double(p.total) / 1e6, *smallest, *largest, p.folders, seed)
            << std::flush;

  workspace::SyncOptions sync_options;
  sync_options.width = width;
  std::vector<Sample> cold, warm, seq;
  fs::path last_cold;
  // Interleaved, so a disturbance on the shared machine hits all three.
  for (int r = 0; r < runs; ++r) {
    auto dir = tmp / fmt::format("cold{}", r);
    cold.push_back(open_once(ioc, workers, store, dir, sync_options));
    last_cold = dir;
    warm.push_back(open_once(ioc, workers, store, last_cold, sync_options));
    seq.push_back(sequential_once(ioc, store, tmp / fmt::format("seq{}", r)));
    for (auto* v : {&cold, &warm, &seq})
      if (!v->back().error.empty()) std::cerr << "run " << r << ": " << v->back().error << "\n";
    std::cout << fmt::format("  run {}: cold {} ({} downloaded)   warm {} ({} downloaded)   sequential {} ({})\n", r + 1,
                             ms(cold.back().seconds), cold.back().downloaded, ms(warm.back().seconds),
                             warm.back().downloaded, ms(seq.back().seconds), seq.back().downloaded)
              << std::flush;
    if (r > 0) fs::remove_all(tmp / fmt::format("cold{}", r - 1));
    fs::remove_all(tmp / fmt::format("seq{}", r));
  }

  auto c = stats_of(cold), w = stats_of(warm), s = stats_of(seq);
  std::cout << fmt::format("\n{} files, {:.1f} MB; local store; {} runs each; 1 I/O thread, {} worker threads, "
                           "FileSync width {} (SyncOptions default {})\n\n",
                           p.rel.size(), double(p.total) / 1e6, runs, kWorkerThreads, width, workspace::SyncOptions{}.width);
  std::cout << "| case | median | min | files downloaded | sequential median / this median |\n|---|---|---|---|---|\n";
  auto row = [&](const char* name, const Stats& x) {
    std::cout << fmt::format("| {} | {} | {} | {} | {:.3g}× |\n", name, ms(x.median), ms(x.min), x.downloaded,
                             x.median > 0 ? s.median / x.median : 0.0);
  };
  row("FileSync::open, cold (empty mirror, fresh journal)", c);
  row("FileSync::open, warm (restart, mirror current)", w);
  row("sequential get_to_file loop (reference)", s);
  bool ok = c.ok && w.ok && s.ok && c.downloaded == p.rel.size() && w.downloaded == 0 && s.downloaded == p.rel.size();
  if (!ok) std::cout << "\nerrors or unexpected download counts: see above\n";
  return ok ? 0 : 1;
}
