#pragma once
// The one CORS policy of the HTTP server and the Engine.IO endpoint (which
// answers its own preflights): which origins may call, and the headers a
// preflight and an answer carry. Setting: "" off, "*" any origin, or a
// comma-separated list of origins (then credentials are allowed and the
// answer varies by Origin).
#include <string>
#include <string_view>

#include "net/http_types.hpp"

namespace berth::net {

class CorsPolicy {
 public:
  CorsPolicy(std::string setting, std::string methods) : setting_(std::move(setting)), methods_(std::move(methods)) {}

  bool allows(std::string_view origin) const {
    return !setting_.empty() && !origin.empty() && cors_origin_allowed(setting_, origin);
  }
  // The 204 answer to an allowed preflight (OPTIONS).
  HttpResponse preflight() const;
  // Adds the headers an answer to an allowed origin carries.
  void decorate(HttpResponse& res, std::string_view origin) const;

 private:
  std::string setting_, methods_;
};

}  // namespace berth::net
