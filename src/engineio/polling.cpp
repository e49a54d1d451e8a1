#include "engineio/polling.hpp"

namespace berth::engineio {

namespace asio = boost::asio;

net::HttpResponse error_reply(ErrorCode code, int status) {
  static constexpr const char* messages[] = {"Transport unknown", "Session ID unknown", "Bad handshake method",
                                             "Bad request", "Forbidden", "Unsupported protocol version"};
  net::HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = "{\"code\":" + std::to_string(int(code)) + ",\"message\":\"" + messages[int(code)] + "\"}";
  return r;
}

net::HttpResponse text_reply(std::string body, std::string content_type) {
  net::HttpResponse r;
  r.status = 200;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

namespace {
// The body a GET gets once the session has closed under it.
std::string final_body(Session& s) {
  std::string body = s.drain_on_close() ? s.take_payload() : std::string();
  append_to_payload(body, Frame::control(PacketType(s.final_get_packet)));
  return body;
}
}  // namespace

asio::awaitable<net::HttpResponse> poll_get(SessionPtr s) {
  if (s->state() == Session::State::closed || s->transport() != Session::Transport::polling)
    co_return error_reply(ErrorCode::bad_request);
  if (s->get_pending) {
    // The pending GET answers with a close packet, this one with an error.
    s->final_get_packet = '1';
    s->close_now(CloseReason::duplicate_poll);
    co_return error_reply(ErrorCode::bad_request);
  }
  if (s->state() == Session::State::closing) {
    auto body = final_body(*s);
    s->finish_close();
    co_return text_reply(std::move(body));
  }
  if (!s->has_frames() && !s->probing) {
    s->get_pending = true;
    co_await s->wait_for_wake();
    s->get_pending = false;
  }
  if (s->state() == Session::State::closed) co_return text_reply(final_body(*s));
  std::string body;
  // Once the WebSocket took over, a parked GET just ends with a noop.
  if (s->transport() == Session::Transport::polling) body = s->take_payload();
  if (body.empty()) body = "6";
  co_return text_reply(std::move(body));
}

asio::awaitable<net::HttpResponse> poll_post(SessionPtr s, std::string body) {
  if (s->state() != Session::State::open || s->transport() != Session::Transport::polling)
    co_return error_reply(ErrorCode::bad_request);
  if (body.size() > s->options().max_payload) {
    net::HttpResponse r = error_reply(ErrorCode::bad_request, 413);
    r.body = R"({"code":3,"message":"Payload too large"})";
    co_return r;
  }
  if (s->post_pending) {
    s->close_now(CloseReason::duplicate_poll);
    co_return error_reply(ErrorCode::bad_request);
  }
  auto packets = decode_payload(body);
  if (!packets) {
    s->close_now(CloseReason::parse_error);
    co_return error_reply(ErrorCode::bad_request);
  }
  s->post_pending = true;
  for (auto& p : *packets) {
    if (!s->on_packet(std::move(p))) break;
  }
  s->post_pending = false;
  co_return text_reply("ok", "text/html");
}

}  // namespace berth::engineio
