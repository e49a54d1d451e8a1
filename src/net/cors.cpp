#include "net/cors.hpp"

namespace berth::net {

HttpResponse CorsPolicy::preflight() const {
  HttpResponse res;
  res.status = 204;
  res.content_type.clear();
  res.with_header("Access-Control-Allow-Methods", methods_)
      .with_header("Access-Control-Allow-Headers", "Authorization, Content-Type")
      .with_header("Access-Control-Max-Age", "600");
  return res;
}

void CorsPolicy::decorate(HttpResponse& res, std::string_view origin) const {
  res.with_header("Access-Control-Allow-Origin", setting_ == "*" ? "*" : std::string(origin));
  if (setting_ != "*") res.with_header("Vary", "Origin").with_header("Access-Control-Allow-Credentials", "true");
}

}  // namespace berth::net
