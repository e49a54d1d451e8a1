#include "api/rest/request_auth.hpp"


namespace berth::api {

boost::asio::awaitable<Result<auth::Principal>> authenticate_request(ApiContext& ctx, const net::HttpRequest& req) {
  std::string_view h = req.header("Authorization");
  if (h.size() < 8 || (h.substr(0, 7) != "Bearer " && h.substr(0, 7) != "bearer "))
    co_return make_error("unauthorized", "missing 'Authorization: Bearer <token>' header");
  co_return co_await authenticate_token(ctx, h.substr(7));
}

net::HttpResponse json_reply(int status, std::string body) {
  net::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

net::HttpResponse no_content() {
  net::HttpResponse r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

}  // namespace berth::api
