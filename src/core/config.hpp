#pragma once
// Berth's settings, read from the environment and an optional `.env` file
// (DESIGN §7). The original Node design's names (SUPABASE_URL, SUPABASE_KEY,
// JWT_SECRET, PORT) work unchanged; the original code's underscore spellings
// (_SUPABASE_URL, ...) are aliases. Parsing is pure: `Config::from` takes the
// variables as a map so tests need no process environment.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/result.hpp"

namespace berth {

using EnvMap = std::map<std::string, std::string>;

struct Config {
  std::string host = "0.0.0.0";
  std::uint16_t port = 3000;
  unsigned threads = 0;  // 0: one per hardware thread
  std::string data_dir = "./data";
  std::string database_url;  // empty: SQLite under data_dir
  std::string jwt_secret;    // empty: a dev secret is generated under data_dir
  // Signs Berth's own access tokens (iss and aud "berth"). Empty: a key
  // derived from jwt_secret, so a token Berth issues is never valid at
  // Supabase even when jwt_secret is the Supabase project's.
  std::string token_secret;
  std::string jwks;          // JWKS file path or URL for RS256/ES256 tokens
  std::chrono::seconds jwks_refresh_interval{30};  // least time between two fetches of a JWKS URL
  std::chrono::seconds clock_leeway{30};  // BERTH_CLOCK_LEEWAY: skew tolerated for a token's exp and nbf
  std::string supabase_url;
  std::string supabase_key;
  std::string storage = "local";  // local | supabase
  std::string bucket = "berth-projects";
  std::string ca_file;  // an extra CA certificate (PEM) trusted for HTTPS to storage
  std::uint64_t max_file_size = std::uint64_t(50) << 20;  // per file, in the editor and in storage
  std::string image = "berth-workspace:latest";
  std::string container_network = "none";
  std::string container_memory = "1g";
  double container_cpus = 1.0;
  int container_pids = 512;
  // Disk: each project's mirror is a filesystem image of this size ("off":
  // a plain directory, unbounded), and the container's writable places
  // besides /workspace are tmpfs mounts of container_tmp_size each.
  std::string project_quota = "1g";
  std::string container_tmp_size = "256m";
  // Resource bounds (each refusal is `limit_reached` with the setting's name).
  int max_projects_per_user = 100;  // projects a user owns
  int max_running_per_user = 5;     // of them running at once
  int max_running = 50;             // running projects on this node
  int max_execs_per_project = 8;    // commands running at once in one project
  int max_terminals_per_project = 8;  // terminals open at once in one project
  int max_connections = 10'000;     // HTTP connections open on this node
  int max_pending_sockets = 1'000;  // Socket.IO connections not yet authenticated (joined no namespace)
  int login_failures_per_account = 10;  // failed log-ins per account per 15 minutes
  int login_attempts_per_address = 60;  // log-in attempts per client address per minute
  std::chrono::seconds idle_timeout{600};
  std::size_t terminal_scrollback = 256 << 10;  // bytes of output a terminal keeps for re-attach
  std::string docker_host = "unix:///var/run/docker.sock";
  std::string cors_origin;  // empty: CORS off; "*" or a comma-separated list
  std::string node_id;  // BERTH_NODE_ID: this node in project leases; empty: made once, kept in data_dir/node-id
  std::chrono::seconds lease{30};  // BERTH_LEASE: how long a node's hold on an open project lasts unrenewed
  std::string mirror_budget = "20g";  // BERTH_MIRROR_BUDGET: project disks this node keeps; "off": no bound
  std::string objects_dir;  // BERTH_OBJECTS_DIR: the local store's folder; empty: data_dir/objects
  std::string preview_domain = "localhost";  // BERTH_PREVIEW_DOMAIN: previews at <port>-<projectId>.<this>
  int preview_max_connections = 256;       // BERTH_PREVIEW_MAX_CONNECTIONS: per project, at once
  std::size_t preview_max_header = 16 << 10;  // BERTH_PREVIEW_MAX_HEADER: a proxied request's or response's
  std::chrono::seconds preview_idle_timeout{300};  // BERTH_PREVIEW_IDLE_TIMEOUT: a proxied connection quiet this long ends
  std::string web_dir;  // BERTH_WEB_DIR: the built web IDE; empty: the build tree's (cmake/web.cmake)
  std::string public_url;       // BERTH_PUBLIC_URL: how users reach Berth; empty: http://localhost:PORT
  std::string trusted_proxies;  // BERTH_TRUSTED_PROXIES: addresses/CIDRs whose X-Forwarded-For is believed
  std::size_t max_body_bytes = 1'000'000;
  std::chrono::seconds access_token_ttl{900};
  std::chrono::seconds refresh_token_ttl{30 * 24 * 3600};
  std::size_t hash_queue = 8;  // password hashes waiting before 429
  bool signup_open = true;     // BERTH_SIGNUP=open|closed: closed refuses POST /api/v1/auth/signup
  std::string log_level = "info";

  // Builds a Config from variables (environment over .env). An unparsable
  // value gives an error whose message names the variable.
  static Result<Config> from(const EnvMap& vars);
};

// Parses the text of a .env file: KEY=VALUE lines, `#` comments, optional
// `export ` prefix, single or double quotes (double quotes honour \n).
EnvMap parse_dotenv(const std::string& text);

// Reads `.env` in the working directory (if present) and the process
// environment; the environment wins.
EnvMap load_environment(const std::string& dotenv_path = ".env");

// Parses "512m", "1g", "1073741824" into bytes.
std::optional<std::int64_t> parse_byte_size(const std::string& text);

}  // namespace berth
