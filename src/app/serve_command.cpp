#include "app/serve_command.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <filesystem>
#include <fstream>

#include "api/events/project_connection.hpp"
#include "api/rest/routes.hpp"
#include "api/preview_access.hpp"
#include "api/project_deletion.hpp"
#include "app/host_check.hpp"
#include "app/server_loop.hpp"
#include "app/template_command.hpp"
#include "auth/authenticator.hpp"
#include "auth/password_hasher.hpp"
#include "core/encoding.hpp"
#include "core/log.hpp"
#include "db/clock.hpp"
#include "db/database.hpp"
#include "docker/docker_client.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "net/static_site.hpp"
#include "preview/port_watch.hpp"
#include "preview/preview_proxy.hpp"
#include "storage/make_store.hpp"
#include "workspace/project_runtime.hpp"
#include "workspace/file_sync.hpp"
#include "workspace/mirror_watcher.hpp"
#include "workspace/project_leases.hpp"
#include "workspace/workspace.hpp"

namespace berth::app {
namespace asio = boost::asio;

Result<std::string> resolve_jwt_secret(const Config& config) {
  if (!config.jwt_secret.empty()) return config.jwt_secret;
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) return make_error("bad_config", "BERTH_DATA_DIR: cannot create " + config.data_dir + ": " + ec.message());
  auto path = std::filesystem::path(config.data_dir) / "dev-jwt-secret";
  if (std::ifstream in(path); in) {
    std::string secret;
    std::getline(in, secret);
    if (secret.size() >= 32) {
      spdlog::warn("JWT_SECRET is not set: using the development secret kept in {}; set JWT_SECRET in production",
                   path.string());
      return secret;
    }
  }
  std::string secret = random_token(32);
  // Mode 0600 from the first byte: a temporary file created O_EXCL (a new
  // inode, never an existing file or a symlink's target) with mode 0600 and
  // fchmod'ed to 0600 whatever the umask, written, fsynced, then renamed
  // into place, so the secret file is never readable by others nor half written.
  auto failed = [](const std::string& what, int err) {
    return make_error("bad_config", "cannot " + what + ": " + std::error_code(err, std::generic_category()).message());
  };
  std::string temp = path.string() + "." + random_token(6) + ".tmp";
  int fd = ::open(temp.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return failed("create " + temp, errno);
  std::string line = secret + "\n";
  std::string_view rest = line;
  bool ok = ::fchmod(fd, 0600) == 0;
  while (ok && !rest.empty()) {
    ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) ok = false;
    else rest.remove_prefix(std::size_t(n));
  }
  ok = ok && ::fsync(fd) == 0;
  int err = ok ? 0 : errno;
  if (::close(fd) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    ::unlink(temp.c_str());
    return failed("write " + temp, err);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    err = errno;
    ::unlink(temp.c_str());
    return failed("rename " + temp + " to " + path.string(), err);
  }
  if (int dir = ::open(config.data_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    ::fsync(dir);  // the rename survives a crash
    ::close(dir);
  }
  spdlog::warn("JWT_SECRET is not set: generated a development secret and kept it in {}; set JWT_SECRET in production",
               path.string());
  return secret;
}

int run_serve(Config config) {
  auto secret = resolve_jwt_secret(config);
  if (!secret) {
    spdlog::error("{}", secret.error().message);
    return 2;
  }
  auto proxies = net::TrustedProxies::parse(config.trusted_proxies);
  if (!proxies) {
    spdlog::error("BERTH_TRUSTED_PROXIES: {}", proxies.error().message);
    return 2;
  }
  if (auto missing = missing_host_requirements(config); missing.empty())
    spdlog::info("host: running with the privileges and PID namespace Berth needs");
  else
    for (auto& m : missing) spdlog::warn("host: {}", m);
  spdlog::info("opening the database ({})", config.database_url.empty() ? "SQLite in " + config.data_dir : "PostgreSQL");
  auto db = db::open_database(config);
  if (!db) {
    spdlog::error("{}", db.error().message);
    return 2;
  }

  asio::io_context ioc(int(config.threads));
  WorkerPool workers(std::max(4u, config.threads));
  auth::Authenticator authenticator(*secret, config.jwks,
                                    [](const std::string& url) { return net::http_get_blocking(url); }, workers);
  authenticator.set_refresh_interval(config.jwks_refresh_interval);
  authenticator.set_clock_leeway(config.clock_leeway);
  authenticator.set_token_secret(config.token_secret);
  if (auto loaded = authenticator.load(); !loaded) {
    spdlog::error("{}", loaded.error().message);
    return 2;
  }
  // Object storage is checked before anything listens: a wrong URL or key
  // is one line that says what to fix, not a failure at the first upload.
  auto store = storage::make_object_store(config, ioc.get_executor(), workers);
  if (!store) {
    spdlog::error("{}", store.error().message);
    return 2;
  }
  spdlog::info("storage: {}", (*store)->describe());
  // The guard keeps the io_context from stopping itself while its only
  // work is on another thread (the worker pool, the resolver): a stop that
  // lands between here and run() would end the server at once.
  auto keep_running = asio::make_work_guard(ioc);
  std::optional<Status> prepared;
  asio::co_spawn(ioc, [&]() -> asio::awaitable<void> { prepared = co_await (*store)->prepare(); }, asio::detached);
  while (!prepared) ioc.run_one();
  if (!*prepared) {
    spdlog::error("{}", prepared->error().message);
    return 2;
  }
  // Before anything listens, so no project is made from half a template.
  std::optional<Status> seeded;
  asio::co_spawn(ioc, [&]() -> asio::awaitable<void> {
    seeded = co_await seed_builtin_templates(**store, **db, workers, config.image);
  }, asio::detached);
  while (!seeded) ioc.run_one();
  if (!*seeded)
    spdlog::warn("cannot put the built-in templates into storage: {}; projects made from them start empty until a "
                 "restart succeeds", seeded->error().message);
  auth::PasswordHasher hasher(config.hash_queue);
  net::Metrics metrics;
  net::Router router;
  auto docker = docker::DockerClient::connect(ioc.get_executor(), config.docker_host);
  auto runtime_options = workspace::RuntimeOptions::from(config);
  if (!docker || !runtime_options) {
    spdlog::error("{}", !docker ? docker.error().message : runtime_options.error().message);
    return 2;
  }
  spdlog::info("limits: {} projects per user, {} running per user, {} running on this node, {} commands per project, "
               "{} HTTP connections", config.max_projects_per_user, runtime_options->max_running_per_user,
               runtime_options->max_running, runtime_options->max_execs_per_project, config.max_connections);
  workspace::ProjectRuntime runtime(ioc.get_executor(), **docker, **db, workers, *runtime_options);
  workspace::FileSync* files_ready = nullptr;  // set below, before the loop runs the adoption
  // Containers of a previous run: adopt the live ones, drop those of deleted
  // projects. An engine that is down is not fatal: /readyz reports it and
  // project starts answer runtime_unavailable until it is back.
  asio::co_spawn(ioc, [&]() -> asio::awaitable<void> {
    auto version = co_await (*docker)->version();
    if (!version) {
      spdlog::warn("{}", version.error().message);
      co_return;
    }
    spdlog::info("Docker Engine {} (API {}) on {}", version->version, (*docker)->api_version(),
                 (*docker)->endpoint().describe());
    if (auto image = co_await (*docker)->inspect_image(config.image); image)
      spdlog::info("project image {} is present", config.image);
    else
      spdlog::warn("project image {} is missing: projects cannot start until it is built; run `berth image build` "
                   "as root (about 5 minutes, once; `make run` does it for you)", config.image);
    if (auto adopted = co_await runtime.adopt(); !adopted) {
      spdlog::warn("cannot adopt existing containers: {}", adopted.error().message);
      co_return;
    }
    // Only now is it known which disks the adopted containers still use.
    if (files_ready) co_await files_ready->keep_within_budget();
  }, asio::detached);
  metrics.add_counter("berth_log_messages_dropped_total",
                      "Log messages dropped because the log queue was full (stderr could not keep up).",
                      [] { return double(log_messages_dropped()); });
  metrics.add_gauge("berth_projects_tracked", "Projects whose runtime state this node keeps (stopped ones are pruned).",
                    [&runtime] { return double(runtime.tracked_projects()); });
  runtime.start_reaper();
  // Housekeeping: refresh tokens that expired unused would stay forever.
  asio::co_spawn(ioc, [&]() -> asio::awaitable<void> {
    asio::steady_timer every(ioc);
    for (;;) {
      auto pruned = co_await workers.run([&] { return (*db)->refresh_tokens().prune_expired(db::now_ms()); });
      if (!pruned) spdlog::warn("cannot prune expired refresh tokens: {}", pruned.error().message);
      else if (*pruned) spdlog::info("pruned {} expired refresh tokens", *pruned);
      every.expires_after(std::chrono::hours(1));
      if (auto [ec] = co_await every.async_wait(asio::as_tuple(asio::use_awaitable)); ec) co_return;
    }
  }, asio::detached);
  runtime.start_watcher();
  workspace::Workspaces workspaces(*runtime_options);
  // Every acknowledged change is journalled here, on this node's disk, and
  // uploaded from it; a restart resumes what was left (file_sync.hpp).
  auto journal = workspace::SyncJournal::open(config.data_dir + "/sync/journal.db");
  if (!journal) {
    spdlog::error("{}", journal.error().message);
    return 2;
  }
  workspace::FileSync sync(ioc.get_executor(), workers, **store, **journal, workspaces);
  files_ready = &sync;
  // One node has a project open at a time, by a lease in its row (project_leases.hpp).
  auto node = workspace::node_identity(config.node_id, config.data_dir);
  if (!node) {
    spdlog::error("cannot name this node for project leases: {}", node.error().message);
    return 2;
  }
  workspace::ProjectLeases leases(ioc.get_executor(), workers, **db, *node,
                                  std::chrono::duration_cast<std::chrono::milliseconds>(config.lease));
  leases.start();
  sync.on_lease([&leases](const std::string& id) { return leases.claim(id); },
                [&leases](const std::string& id) { return leases.release(id); });
  spdlog::info("node {}: holds the projects it opens by a {} s lease", *node, config.lease.count());
  workspaces.use_journal(journal->get(), [&sync](const std::string& project_id) { sync.changed(project_id); });
  // What the containers change, seen as it happens (mirror_watcher.hpp).
  workspace::MirrorWatcher watcher(ioc.get_executor(), workers, workspaces);
  if (auto watching = watcher.start(); !watching) spdlog::warn("{}", watching.error().message);
  workspaces.use_watcher(&watcher);
  sync.on_opened([&watcher](const std::string& project_id) { return watcher.watch(project_id); });
  sync.on_progress([&runtime](const std::string& project_id, std::size_t done, std::size_t total) {
    runtime.report_progress(project_id, done, total);
  });
  runtime.set_file_hooks({
      [&sync](const db::Project& p) -> asio::awaitable<Status> { co_return co_await sync.open(p.id, p.owner_id); },
      [&sync](const std::string& project_id) -> asio::awaitable<void> {
        if (auto flushed = co_await sync.flush(project_id, std::chrono::seconds(60)); !flushed)
          spdlog::warn("project {}: stopping with changes not yet in storage: {}", project_id, flushed.error().message);
      },
      [&sync](const std::string& project_id) -> asio::awaitable<void> { co_await sync.close(project_id); },
  });
  // Disks of closed projects stay for a fast next open, up to a budget.
  auto budget = config.mirror_budget == "off" ? std::optional<std::int64_t>(0) : parse_byte_size(config.mirror_budget);
  sync.set_mirror_budget(std::uint64_t(budget.value_or(0)), [&runtime](const std::string& project_id) {
    return runtime.status(project_id).state != workspace::RuntimeState::stopped;
  });
  asio::co_spawn(ioc, sync.resume(), asio::detached);
  api::ApiContext ctx{config, **db, authenticator, hasher, workers, metrics, router, &runtime};
  ctx.storage = store->get();
  ctx.workspaces = &workspaces;
  ctx.sync = &sync;
  // Ports that programs in running containers listen on (preview/).
  preview::PortWatch ports(ioc.get_executor(), workers, **docker, std::chrono::seconds(1));
  ports.start();
  ctx.ports = &ports;
  // Their previews, on this same listener (preview/preview_proxy.hpp).
  api::PreviewAccess previews(ctx);
  ctx.previews = &previews;
  preview::ProxyLimits preview_limits;
  preview_limits.max_connections = std::size_t(config.preview_max_connections);
  preview_limits.max_header_bytes = config.preview_max_header;
  preview_limits.idle_timeout = config.preview_idle_timeout;
  preview::PreviewProxy preview_proxy(config.preview_domain, ports, previews, preview_limits);
  api::add_rest_routes(router, ctx);

  socketio::Options io_options;
  io_options.engine.max_payload = config.max_body_bytes;
  io_options.engine.max_unestablished = std::size_t(config.max_pending_sockets);
  socketio::Server io(ioc, io_options);
  api::ProjectConnections connections(ioc.get_executor(), io, ctx);
  ctx.revocations = &connections;
  connections.bind();
  api::start_deletion_sweeper(ctx, ioc.get_executor());  // deletions a crash or an outage interrupted
  io.engine().mount(router);
  // The web IDE at /, from memory; the API's own prefixes keep JSON 404s.
  std::string web_dir = config.web_dir.empty() ? BERTH_DEFAULT_WEB_DIR : config.web_dir;
  auto site = net::StaticSite::load(web_dir, {"/api", "/socket.io", "/healthz", "/readyz", "/metrics"});
  if (!site) {
    spdlog::error("{}", site.error().message);
    return 2;
  }
  if ((*site)->has_index())
    spdlog::info("web IDE: {} files ({} KiB) from {}", (*site)->file_count(), (*site)->total_bytes() >> 10, web_dir);
  else
    spdlog::warn("web IDE: not built ({} has no index.html): / says so; build it with `cmake --build --preset default` "
                 "or set BERTH_WEB_DIR", web_dir);
  router.set_fallback([&site](net::HttpRequest& req) -> asio::awaitable<net::HttpResponse> {
    co_return (*site)->answer(req);
  });

  net::HttpServer::Options options;
  options.host = config.host;
  options.port = config.port;
  options.max_body_bytes = config.max_body_bytes;
  options.cors_origin = config.cors_origin;
  options.max_connections = std::size_t(config.max_connections);
  options.trusted_proxies = *proxies;
  options.handoff = preview_proxy.handoff();
  net::HttpServer server(ioc, options, router, metrics);
  if (auto listening = server.listen(); !listening) {
    spdlog::error("{}", listening.error().message);
    return 2;
  }
  server.start();
  spdlog::info("Berth listening on http://{}:{} ({} threads, {}, data in {}){}",
               config.host == "0.0.0.0" ? "localhost" : config.host, server.port(), config.threads,
               (*store)->describe(), config.data_dir, (*site)->has_index() ? ": open it in a browser" : "");
  if (!config.public_url.empty())
    spdlog::info("users reach it at {}{}", config.public_url,
                 proxies->empty() ? "" : " (X-Forwarded-For believed from BERTH_TRUSTED_PROXIES)");

  run_until_signal(ioc, server, config.threads, [&] {
    io.close();
    watcher.shutdown();
    ports.shutdown();
    leases.shutdown();  // they lapse; a restart of this node claims them again at once
    sync.shutdown();  // pending rows stay journalled: the next start resumes them
    runtime.shutdown();  // containers keep running: the next start adopts them
  });
  workers.stop();
  return 0;
}

}  // namespace berth::app
