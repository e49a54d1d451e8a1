#include "app/serve_command.hpp"

#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "api/rest/routes.hpp"
#include "auth/authenticator.hpp"
#include "auth/password_hasher.hpp"
#include "core/encoding.hpp"
#include "core/log.hpp"
#include "db/database.hpp"
#include "net/http_server.hpp"

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
  {
    std::ofstream out(path, std::ios::trunc);
    out << secret << "\n";
    if (!out) return make_error("bad_config", "cannot write " + path.string());
  }
  ::chmod(path.c_str(), 0600);
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
  spdlog::info("opening the database ({})", config.database_url.empty() ? "SQLite in " + config.data_dir : "PostgreSQL");
  auto db = db::open_database(config);
  if (!db) {
    spdlog::error("{}", db.error().message);
    return 2;
  }

  asio::io_context ioc(int(config.threads));
  WorkerPool workers(std::max(4u, config.threads));
  auth::Authenticator authenticator(*secret, config.jwks, nullptr, workers);
  if (auto loaded = authenticator.load(); !loaded) {
    spdlog::error("{}", loaded.error().message);
    return 2;
  }
  auth::PasswordHasher hasher(config.hash_queue);
  net::Metrics metrics;
  net::Router router;
  api::ApiContext ctx{config, **db, authenticator, hasher, workers, metrics, router};
  api::add_rest_routes(router, ctx);

  net::HttpServer::Options options;
  options.host = config.host;
  options.port = config.port;
  options.max_body_bytes = config.max_body_bytes;
  options.cors_origin = config.cors_origin;
  net::HttpServer server(ioc, options, router, metrics);
  if (auto listening = server.listen(); !listening) {
    spdlog::error("{}", listening.error().message);
    return 2;
  }
  server.start();
  spdlog::info("Berth listening on http://{}:{} ({} threads, storage {}, data in {})",
               config.host == "0.0.0.0" ? "localhost" : config.host, server.port(), config.threads, config.storage,
               config.data_dir);

  // Graceful shutdown: stop accepting, let in-flight requests finish (up to
  // 10 s), then stop the loop. A second signal stops at once.
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  asio::steady_timer drain(ioc);
  auto deadline = std::make_shared<std::chrono::steady_clock::time_point>();
  std::function<void()> wait_drained = [&] {
    if (server.in_flight() <= 0 || std::chrono::steady_clock::now() > *deadline) {
      spdlog::info("stopped");
      ioc.stop();
      return;
    }
    drain.expires_after(std::chrono::milliseconds(20));
    drain.async_wait([&](boost::system::error_code) { wait_drained(); });
  };
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (ec) return;
    spdlog::info("{} received: finishing in-flight requests", sig == SIGINT ? "SIGINT" : "SIGTERM");
    server.shutdown();
    *deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    signals.async_wait([&](boost::system::error_code e, int) {
      if (!e) ioc.stop();
    });
    wait_drained();
  });

  std::vector<std::thread> threads;
  for (unsigned i = 1; i < config.threads; ++i) threads.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();
  workers.stop();
  return 0;
}

}  // namespace berth::app
