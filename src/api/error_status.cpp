#include "api/error_status.hpp"

#include <map>

namespace berth::api {

int http_status_for(const std::string& code) {
  static const std::map<std::string, int> statuses{
      {"bad_request", 400},         {"invalid_path", 400},    {"unauthorized", 401},   {"forbidden", 403},
      {"not_found", 404},           {"conflict", 409},        {"too_large", 413},      {"quota_exceeded", 413},
      {"rate_limited", 429},        {"limit_reached", 429},   {"runtime_unavailable", 503},
      {"image_not_found", 503},     {"storage_unavailable", 503}, {"unavailable", 503}, {"internal", 500},
  };
  auto it = statuses.find(code);
  return it == statuses.end() ? 500 : it->second;
}

net::HttpResponse error_reply(const Error& e) {
  // Codes that are not in the public catalogue (a driver's own) become internal.
  int status = http_status_for(e.code);
  if (status == 500 && e.code != "internal") return net::error_response(500, "internal", e.message);
  return net::error_response(status, e.code, e.message);
}

}  // namespace berth::api
