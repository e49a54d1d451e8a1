#include "api/error_status.hpp"

#include <spdlog/spdlog.h>

#include <map>

#include "core/encoding.hpp"

namespace berth::api {

int http_status_for(const std::string& code) {
  static const std::map<std::string, int> statuses{
      {"bad_request", 400},         {"invalid_path", 400},    {"unauthorized", 401},   {"forbidden", 403},
      {"not_found", 404},           {"conflict", 409},        {"too_large", 413},      {"quota_exceeded", 413},
      {"rate_limited", 429},        {"limit_reached", 429},   {"runtime_unavailable", 503},
      {"image_not_found", 503},     {"storage_unavailable", 503}, {"unavailable", 503}, {"disk_full", 507}, {"internal", 500},
  };
  auto it = statuses.find(code);
  return it == statuses.end() ? 500 : it->second;
}

net::HttpResponse error_reply(const Error& e) {
  int status = http_status_for(e.code);
  if (status != 500) return net::error_response(status, e.code, e.message);
  // An internal failure's detail (a driver's message, SQL, paths) stays in
  // the log; the client gets a request id to quote, found in that log line.
  std::string id = hex_encode(random_bytes(8));
  spdlog::error("request {} failed: {} ({})", id, e.message, e.code);
  auto r = net::error_response(500, "internal", "internal error (request " + id + "); the server log has the details");
  r.with_header("X-Request-Id", id);
  return r;
}

}  // namespace berth::api
