#include "core/config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace berth {
namespace {

// First variable present wins: Berth's own name, then the original's.
std::optional<std::string> get(const EnvMap& vars, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    auto it = vars.find(n);
    if (it != vars.end() && !it->second.empty()) return it->second;
  }
  return std::nullopt;
}

template <class Int>
std::optional<Int> parse_int(const std::string& s) {
  Int v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// "600", "600s", "10m", "1h" → seconds.
std::optional<std::chrono::seconds> parse_duration(const std::string& s) {
  if (s.empty()) return std::nullopt;
  long mult = 1;
  std::string num = s;
  switch (s.back()) {
    case 's': num.pop_back(); break;
    case 'm': mult = 60; num.pop_back(); break;
    case 'h': mult = 3600; num.pop_back(); break;
    default: break;
  }
  auto v = parse_int<long>(num);
  if (!v || *v < 0) return std::nullopt;
  return std::chrono::seconds(*v * mult);
}

Error bad(const char* name, const std::string& value, const char* expected) {
  return make_error("bad_config", std::string(name) + "='" + value + "' is not valid: expected " + expected);
}

}  // namespace

std::optional<std::int64_t> parse_byte_size(const std::string& text) {
  if (text.empty()) return std::nullopt;
  std::string num = text;
  std::int64_t mult = 1;
  char last = char(std::tolower((unsigned char)num.back()));
  if (last == 'b') { num.pop_back(); last = num.empty() ? 0 : char(std::tolower((unsigned char)num.back())); }
  if (last == 'k') mult = 1024;
  else if (last == 'm') mult = 1024 * 1024;
  else if (last == 'g') mult = 1024LL * 1024 * 1024;
  if (mult != 1) num.pop_back();
  auto v = parse_int<std::int64_t>(num);
  if (!v || *v <= 0) return std::nullopt;
  return *v * mult;
}

Result<Config> Config::from(const EnvMap& vars) {
  Config c;
  if (auto v = get(vars, {"PORT", "_PORT"})) {
    auto p = parse_int<int>(*v);
    if (!p || *p < 0 || *p > 65535) return bad("PORT", *v, "a TCP port number 0-65535");
    c.port = std::uint16_t(*p);
  }
  if (auto v = get(vars, {"BERTH_HOST", "HOST"})) c.host = *v;
  if (auto v = get(vars, {"BERTH_THREADS"})) {
    auto n = parse_int<unsigned>(*v);
    if (!n || *n > 1024) return bad("BERTH_THREADS", *v, "a number of threads 1-1024 (0 = one per core)");
    c.threads = *n;
  }
  if (c.threads == 0) c.threads = std::max(1u, std::thread::hardware_concurrency());
  if (auto v = get(vars, {"BERTH_DATA_DIR"})) c.data_dir = *v;
  if (auto v = get(vars, {"DATABASE_URL"})) {
    if (v->rfind("postgres://", 0) != 0 && v->rfind("postgresql://", 0) != 0)
      return bad("DATABASE_URL", *v, "a postgres:// or postgresql:// connection string");
    c.database_url = *v;
  }
  if (auto v = get(vars, {"JWT_SECRET", "_JWT_SECRET"})) {
    if (v->size() < 16) return make_error("bad_config", "JWT_SECRET is too short: use at least 16 characters (32 random bytes recommended)");
    c.jwt_secret = *v;
  }
  if (auto v = get(vars, {"BERTH_TOKEN_SECRET"})) {
    if (v->size() < 16)
      return make_error("bad_config", "BERTH_TOKEN_SECRET is too short: use at least 16 characters (32 random bytes recommended)");
    if (*v == c.jwt_secret)
      return make_error("bad_config", "BERTH_TOKEN_SECRET must differ from JWT_SECRET: Berth's own tokens must not be valid "
                                      "where JWT_SECRET is (Supabase); leave it unset to derive one");
    c.token_secret = *v;
  }
  if (auto v = get(vars, {"SUPABASE_URL", "_SUPABASE_URL"})) {
    while (!v->empty() && v->back() == '/') v->pop_back();
    c.supabase_url = *v;
    c.storage = "supabase";
  }
  if (auto v = get(vars, {"SUPABASE_KEY", "_SUPABASE_SERVICE_ROLE_KEY", "SUPABASE_SERVICE_ROLE_KEY"})) c.supabase_key = *v;
  if (auto v = get(vars, {"BERTH_JWKS"})) c.jwks = *v;
  else if (!c.supabase_url.empty()) c.jwks = c.supabase_url + "/auth/v1/.well-known/jwks.json";
  if (auto v = get(vars, {"BERTH_JWKS_REFRESH_INTERVAL"})) {
    auto d = parse_duration(*v);
    if (!d) return bad("BERTH_JWKS_REFRESH_INTERVAL", *v, "a duration such as 30 or 5m");
    c.jwks_refresh_interval = *d;
  }
  if (auto v = get(vars, {"BERTH_CLOCK_LEEWAY"})) {
    auto d = parse_duration(*v);
    if (!d || *d > std::chrono::minutes(5)) return bad("BERTH_CLOCK_LEEWAY", *v, "a duration from 0 to 5m, such as 30");
    c.clock_leeway = *d;
  }
  if (auto v = get(vars, {"BERTH_STORAGE"})) {
    if (*v != "local" && *v != "supabase") return bad("BERTH_STORAGE", *v, "local or supabase");
    c.storage = *v;
  }
  if (c.storage == "supabase" && (c.supabase_url.empty() || c.supabase_key.empty()))
    return make_error("bad_config", "BERTH_STORAGE=supabase needs SUPABASE_URL and SUPABASE_KEY (the service-role key)");
  if (auto v = get(vars, {"BERTH_BUCKET"})) c.bucket = *v;
  if (auto v = get(vars, {"BERTH_CA_FILE"})) c.ca_file = *v;
  if (auto v = get(vars, {"BERTH_MAX_FILE_SIZE"})) {
    auto n = parse_byte_size(*v);
    if (!n || *n < 1) return bad("BERTH_MAX_FILE_SIZE", *v, "a size such as 50m or 1g");
    c.max_file_size = std::uint64_t(*n);
  }
  if (auto v = get(vars, {"BERTH_IMAGE"})) c.image = *v;
  if (auto v = get(vars, {"BERTH_CONTAINER_NETWORK"})) c.container_network = *v;
  if (auto v = get(vars, {"BERTH_CONTAINER_MEMORY"})) {
    if (!parse_byte_size(*v)) return bad("BERTH_CONTAINER_MEMORY", *v, "a size such as 512m or 1g");
    c.container_memory = *v;
  }
  if (auto v = get(vars, {"BERTH_PROJECT_QUOTA"})) {
    auto n = parse_byte_size(*v);
    if (*v != "off" && (!n || *n < (16 << 20))) return bad("BERTH_PROJECT_QUOTA", *v, "a size of at least 16m (such as 1g), or off");
    c.project_quota = *v;
  }
  if (auto v = get(vars, {"BERTH_CONTAINER_TMP_SIZE"})) {
    auto n = parse_byte_size(*v);
    if (!n || *n < (1 << 20)) return bad("BERTH_CONTAINER_TMP_SIZE", *v, "a size of at least 1m (such as 256m)");
    c.container_tmp_size = *v;
  }
  if (auto v = get(vars, {"BERTH_CONTAINER_CPUS"})) {
    try {
      std::size_t used = 0;
      c.container_cpus = std::stod(*v, &used);
      if (used != v->size() || c.container_cpus <= 0) throw std::invalid_argument("");
    } catch (...) {
      return bad("BERTH_CONTAINER_CPUS", *v, "a positive number of CPUs such as 0.5 or 2");
    }
  }
  if (auto v = get(vars, {"BERTH_CONTAINER_PIDS"})) {
    auto n = parse_int<int>(*v);
    if (!n || *n < 16) return bad("BERTH_CONTAINER_PIDS", *v, "a process limit of at least 16");
    c.container_pids = *n;
  }
  struct Bound {
    const char* name;
    int* field;
  };
  for (auto [name, field] : {Bound{"BERTH_MAX_PROJECTS_PER_USER", &c.max_projects_per_user},
                             Bound{"BERTH_MAX_RUNNING_PER_USER", &c.max_running_per_user},
                             Bound{"BERTH_MAX_RUNNING", &c.max_running},
                             Bound{"BERTH_MAX_EXECS_PER_PROJECT", &c.max_execs_per_project},
                             Bound{"BERTH_MAX_TERMINALS_PER_PROJECT", &c.max_terminals_per_project},
                             Bound{"BERTH_MAX_CONNECTIONS", &c.max_connections},
                             Bound{"BERTH_MAX_PENDING_SOCKETS", &c.max_pending_sockets},
                             Bound{"BERTH_LOGIN_FAILURES_PER_ACCOUNT", &c.login_failures_per_account},
                             Bound{"BERTH_LOGIN_ATTEMPTS_PER_ADDRESS", &c.login_attempts_per_address},
                             Bound{"BERTH_PREVIEW_MAX_CONNECTIONS", &c.preview_max_connections}}) {
    if (auto v = get(vars, {name})) {
      auto n = parse_int<int>(*v);
      if (!n || *n < 1) return bad(name, *v, "a whole number of at least 1");
      *field = *n;
    }
  }
  if (auto v = get(vars, {"BERTH_IDLE_TIMEOUT"})) {
    auto d = parse_duration(*v);
    if (!d) return bad("BERTH_IDLE_TIMEOUT", *v, "a duration such as 600, 600s, 10m or 1h");
    c.idle_timeout = *d;
  }
  if (auto v = get(vars, {"BERTH_TERMINAL_SCROLLBACK"})) {
    auto n = parse_byte_size(*v);
    if (!n || *n < 1024 || *n > (std::int64_t(64) << 20))
      return bad("BERTH_TERMINAL_SCROLLBACK", *v, "a size from 1k to 64m such as 256k");
    c.terminal_scrollback = std::size_t(*n);
  }
  if (auto v = get(vars, {"DOCKER_HOST"})) {
    if (v->rfind("unix://", 0) != 0 && v->rfind("tcp://", 0) != 0)
      return bad("DOCKER_HOST", *v, "unix:///path/to/docker.sock or tcp://host:port");
    c.docker_host = *v;
  }
  if (auto v = get(vars, {"BERTH_CORS_ORIGIN", "_CLIENT_ORIGIN", "CLIENT_ORIGIN"})) c.cors_origin = *v;
  if (auto v = get(vars, {"BERTH_WEB_DIR"})) c.web_dir = *v;
  if (auto v = get(vars, {"BERTH_NODE_ID"})) c.node_id = *v;
  if (auto v = get(vars, {"BERTH_PREVIEW_DOMAIN"})) {
    std::string domain(*v);
    while (!domain.empty() && domain.front() == '.') domain.erase(0, 1);
    if (domain.empty() || domain.find_first_of(":/ ") != std::string::npos)
      return bad("BERTH_PREVIEW_DOMAIN", *v, "a domain whose subdomains reach Berth, such as preview.example.com");
    c.preview_domain = domain;
  }
  if (auto v = get(vars, {"BERTH_PREVIEW_MAX_HEADER"})) {
    auto n = parse_byte_size(*v);
    if (!n || *n < 1024 || *n > (1 << 20)) return bad("BERTH_PREVIEW_MAX_HEADER", *v, "a size from 1k to 1m such as 16k");
    c.preview_max_header = std::size_t(*n);
  }
  if (auto v = get(vars, {"BERTH_PREVIEW_IDLE_TIMEOUT"})) {
    auto d = parse_duration(*v);
    if (!d || d->count() < 1) return bad("BERTH_PREVIEW_IDLE_TIMEOUT", *v, "a duration of at least 1 s, such as 300 or 5m");
    c.preview_idle_timeout = *d;
  }
  if (auto v = get(vars, {"BERTH_OBJECTS_DIR"})) c.objects_dir = *v;
  if (auto v = get(vars, {"BERTH_MIRROR_BUDGET"})) {
    if (*v != "off" && !parse_byte_size(*v)) return bad("BERTH_MIRROR_BUDGET", *v, "a size such as 20g, or off");
    c.mirror_budget = *v;
  }
  if (auto v = get(vars, {"BERTH_LEASE"})) {
    auto d = parse_duration(*v);
    if (!d || *d < std::chrono::seconds(3)) return bad("BERTH_LEASE", *v, "a duration of at least 3 s, such as 30");
    c.lease = *d;
  }
  if (auto v = get(vars, {"BERTH_PUBLIC_URL"})) {
    std::string url(*v);
    while (!url.empty() && url.back() == '/') url.pop_back();
    bool scheme = url.starts_with("http://") || url.starts_with("https://");
    auto host = scheme ? url.substr(url.find("//") + 2) : std::string();
    if (!scheme || host.empty() || host.find_first_of("?#/ ") != std::string::npos)
      return bad("BERTH_PUBLIC_URL", *v, "the address users open, such as https://code.example.com (no path)");
    c.public_url = url;
  }
  if (auto v = get(vars, {"BERTH_TRUSTED_PROXIES"})) c.trusted_proxies = *v;  // checked by serve (net/client_address.hpp)
  if (auto v = get(vars, {"BERTH_MAX_BODY"})) {
    auto n = parse_byte_size(*v);
    if (!n) return bad("BERTH_MAX_BODY", *v, "a size such as 1000000 or 10m");
    c.max_body_bytes = std::size_t(*n);
  }
  if (auto v = get(vars, {"BERTH_ACCESS_TOKEN_TTL"})) {
    auto d = parse_duration(*v);
    if (!d || d->count() == 0) return bad("BERTH_ACCESS_TOKEN_TTL", *v, "a duration such as 900 or 15m");
    c.access_token_ttl = *d;
  }
  if (auto v = get(vars, {"BERTH_SIGNUP"})) {
    if (*v != "open" && *v != "closed") return bad("BERTH_SIGNUP", *v, "open or closed");
    c.signup_open = *v == "open";
  }
  if (auto v = get(vars, {"BERTH_LOG_LEVEL"})) {
    static const char* levels[] = {"trace", "debug", "info", "warn", "error", "off"};
    if (std::find(std::begin(levels), std::end(levels), *v) == std::end(levels))
      return bad("BERTH_LOG_LEVEL", *v, "trace, debug, info, warn, error or off");
    c.log_level = *v;
  }
  return c;
}

EnvMap parse_dotenv(const std::string& text) {
  EnvMap out;
  std::istringstream in(text);
  std::string line;
  auto trim = [](std::string s) {
    auto b = s.find_first_not_of(" \t\r");
    auto e = s.find_last_not_of(" \t\r");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  };
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("export ", 0) == 0) line = trim(line.substr(7));
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = trim(line.substr(0, eq));
    std::string value = trim(line.substr(eq + 1));
    if (value.size() >= 2 && (value[0] == '"' || value[0] == '\'')) {
      char q = value[0];
      // The closing quote is the first one not escaped by a backslash.
      std::size_t close = 1;
      while (close < value.size() && value[close] != q) close += (q == '"' && value[close] == '\\') ? 2 : 1;
      std::string raw = value.substr(1, close - 1);
      if (q == '"') {
        std::string un;
        for (std::size_t i = 0; i < raw.size(); ++i) {
          if (raw[i] == '\\' && i + 1 < raw.size()) {
            char n = raw[++i];
            un += n == 'n' ? '\n' : n;
          } else {
            un += raw[i];
          }
        }
        raw = un;
      }
      value = raw;
    } else if (auto hash = value.find(" #"); hash != std::string::npos) {
      value = trim(value.substr(0, hash));
    }
    if (!key.empty()) out[key] = value;
  }
  return out;
}

EnvMap load_environment(const std::string& dotenv_path) {
  EnvMap vars;
  if (std::ifstream f(dotenv_path); f) {
    std::stringstream ss;
    ss << f.rdbuf();
    vars = parse_dotenv(ss.str());
  }
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos) vars[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return vars;
}

}  // namespace berth
