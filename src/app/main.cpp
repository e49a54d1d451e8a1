// berth: the one binary. Subcommands: serve, token, (dev ...). Every
// subcommand has --help; configuration comes from the environment and .env.
#include <CLI/CLI.hpp>
#include <iostream>

#include "app/serve_command.hpp"
#include "auth/authenticator.hpp"
#include "core/config.hpp"
#include "core/log.hpp"
#include "core/worker_pool.hpp"

using namespace berth;

namespace {

// Loads the configuration or prints one line naming the bad setting.
std::optional<Config> load_config() {
  auto config = Config::from(load_environment());
  if (!config) {
    std::cerr << "berth: " << config.error().message << "\n";
    return std::nullopt;
  }
  return *config;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Berth: the backend of a cloud code editor.\n"
               "Configuration comes from the environment and ./.env (see .env.example)."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "berth 0.1.0");

  auto* serve = app.add_subcommand("serve", "Run the server (REST API and Socket.IO) on PORT (default 3000)");

  auto* token = app.add_subcommand("token", "Print an access token for a user id, for local use (curl, scripts)");
  std::string user_id, email;
  int ttl_seconds = 3600;
  token->add_option("--user", user_id, "User id to put in `sub`")->required();
  token->add_option("--email", email, "Email to put in the token");
  token->add_option("--ttl", ttl_seconds, "Lifetime in seconds")->check(CLI::Range(1, 365 * 24 * 3600));

  CLI11_PARSE(app, argc, argv);

  auto config = load_config();
  if (!config) return 2;
  init_logging(config->log_level);

  if (*serve) return app::run_serve(*config);
  if (*token) {
    auto secret = app::resolve_jwt_secret(*config);
    if (!secret) {
      std::cerr << "berth: " << secret.error().message << "\n";
      return 2;
    }
    WorkerPool none(1);
    auth::Authenticator authenticator(*secret, "", nullptr, none);
    std::cout << authenticator.issue_access_token(user_id, email, std::chrono::seconds(ttl_seconds)) << "\n";
    return 0;
  }
  return 0;
}
