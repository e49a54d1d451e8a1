// berth: the one binary. Subcommands: serve, token, image build|list, template add|list. Every
// subcommand has --help; configuration comes from the environment and .env.
#include <CLI/CLI.hpp>
#include <iostream>

#include "app/dev_commands.hpp"
#include "app/image_command.hpp"
#include "app/serve_command.hpp"
#include "app/template_command.hpp"
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

  auto* dev = app.add_subcommand("dev", "Servers for protocol test suites and benchmarks (loopback, no auth)");
  dev->require_subcommand(1);
  std::uint16_t dev_port = 3000;
  unsigned dev_threads = 1;
  auto* conformance = dev->add_subcommand(
      "conformance-server", "Engine.IO v4 / Socket.IO v5 reference servers for the official protocol test suites");
  auto* bench_server = dev->add_subcommand("bench-server", "Socket.IO server with echo/join/broadcast for bench/socketio");
  for (auto* sub : {conformance, bench_server}) {
    sub->add_option("--port", dev_port, "Port on 127.0.0.1")->capture_default_str();
    sub->add_option("--threads", dev_threads, "I/O threads")->capture_default_str()->check(CLI::Range(1u, 256u));
  }

  auto* image = app.add_subcommand("image", "Build or list the container images projects run in (no registry needed)");
  image->require_subcommand(1);
  auto* image_build = image->add_subcommand(
      "build", "Build berth-test:latest (busybox, seconds) and berth-workspace:latest (debootstrap, minutes)");
  app::ImageBuildOptions image_options;
  image_build->add_flag("--test-only", image_options.test_only, "Only the small busybox test image");
  image_build->add_flag("--workspace-only", image_options.workspace_only, "Only the Debian development image");
  image_build->add_flag("--missing-only", image_options.missing_only, "Build only the images that are not present yet");
  image_build->add_option("--mirror", image_options.mirror, "Debian mirror URL (default: from /etc/apt/sources*)");
  image_build->add_option("--suite", image_options.suite, "Debian suite (default: this machine's, e.g. bookworm)");
  image_build->add_option("--busybox", image_options.busybox, "Static busybox binary for the test image")
      ->capture_default_str();
  auto* image_list = image->add_subcommand("list", "Show whether Berth's images are present");

  auto* templates = app.add_subcommand("template", "Manage the starter templates new projects are made from");
  templates->require_subcommand(1);
  app::TemplateAddOptions template_options;
  auto* template_add = templates->add_subcommand(
      "add", "Make (or replace) template ID from the files of DIR (uploaded to storage under _templates/ID/)");
  template_add->add_option("ID", template_options.id, "Template id: letters, digits, '-', '_'")->required();
  template_add->add_option("DIR", template_options.dir, "Folder whose files the template holds")
      ->required()
      ->check(CLI::ExistingDirectory);
  template_add->add_option("--name", template_options.name, "Display name (default: the id)");
  template_add->add_option("--description", template_options.description, "One line shown in the template list");
  auto* template_list = templates->add_subcommand("list", "Show the templates new projects can start from");

  CLI11_PARSE(app, argc, argv);

  auto config = load_config();
  if (!config) return 2;
  init_logging(config->log_level);
  // The logger is asynchronous: whichever way main returns, what is queued is written out.
  struct FlushLogsAtExit {
    ~FlushLogsAtExit() { shutdown_logging(); }
  } flush_logs_at_exit;

  if (*serve) return app::run_serve(*config);
  if (*conformance) return app::run_conformance_server(dev_port, dev_threads);
  if (*bench_server) return app::run_bench_server(dev_port, dev_threads);
  if (*image_build) return app::run_image_build(*config, image_options);
  if (*image_list) return app::run_image_list(*config);
  if (*template_add) return app::run_template_add(*config, template_options);
  if (*template_list) return app::run_template_list(*config);
  if (*token) {
    auto secret = app::resolve_jwt_secret(*config);
    if (!secret) {
      std::cerr << "berth: " << secret.error().message << "\n";
      return 2;
    }
    WorkerPool none(1);
    auth::Authenticator authenticator(*secret, "", nullptr, none);
    authenticator.set_token_secret(config->token_secret);
    std::cout << authenticator.issue_access_token(user_id, email, std::chrono::seconds(ttl_seconds)) << "\n";
    return 0;
  }
  return 0;
}
