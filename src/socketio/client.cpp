#include "socketio/client.hpp"

#include <algorithm>

#include <boost/asio/dispatch.hpp>

#include "core/encoding.hpp"
#include "core/log.hpp"
#include "socketio/json_text.hpp"
#include "socketio/namespace.hpp"
#include "socketio/socket.hpp"

namespace berth::socketio {

namespace asio = boost::asio;

std::string_view to_string(DisconnectReason reason) {
  switch (reason) {
    case DisconnectReason::server_namespace_disconnect: return "server namespace disconnect";
    case DisconnectReason::client_namespace_disconnect: return "client namespace disconnect";
    case DisconnectReason::transport_close: return "transport close";
    case DisconnectReason::transport_error: return "transport error";
    case DisconnectReason::ping_timeout: return "ping timeout";
    case DisconnectReason::parse_error: return "parse error";
    case DisconnectReason::forced_close: return "forced close";
  }
  return "transport error";
}

namespace {
DisconnectReason from_engine(engineio::CloseReason r) {
  using engineio::CloseReason;
  switch (r) {
    case CloseReason::transport_close:
    case CloseReason::client_close: return DisconnectReason::transport_close;
    case CloseReason::ping_timeout: return DisconnectReason::ping_timeout;
    case CloseReason::parse_error: return DisconnectReason::parse_error;
    case CloseReason::server_close: return DisconnectReason::forced_close;
    case CloseReason::transport_error:
    case CloseReason::queue_full:
    case CloseReason::duplicate_poll: return DisconnectReason::transport_error;
  }
  return DisconnectReason::transport_error;
}
}  // namespace

Next::Next(std::shared_ptr<ConnectAttempt> attempt, std::size_t index)
    : attempt_(std::move(attempt)), index_(index), used_(std::make_shared<bool>(false)) {}

void Next::operator()() const {
  asio::dispatch(attempt_->client->executor(), [a = attempt_, i = index_, used = used_] {
    if (*used) return;
    *used = true;
    a->client->run_middleware(a, i + 1);
  });
}

void Next::operator()(ConnectError error) const {
  asio::dispatch(attempt_->client->executor(), [a = attempt_, used = used_, e = std::move(error)] {
    if (*used) return;
    *used = true;
    a->client->refuse(a, e);
  });
}

Client::Client(std::shared_ptr<NamespaceTable> namespaces, ClientSettings settings, engineio::SessionPtr session)
    : namespaces_(std::move(namespaces)),
      settings_(settings),
      session_(std::move(session)) {}

Client::~Client() = default;

void Client::start() {
  connect_timer_ = std::make_unique<boost::asio::steady_timer>(session_->executor(), settings_.connect_timeout);
  connect_timer_->async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    if (ec) return;
    auto self = weak.lock();
    if (!self || self->closed_ || !self->sockets_.empty()) return;
    self->session_->close_now(engineio::CloseReason::server_close);
  });
}

void Client::fail(std::string_view why) {
  spdlog::debug("socket.io session {}: closing: {}", session_->id(), why);
  session_->close_now(engineio::CloseReason::parse_error);
}

void Client::on_message(std::string data, bool binary) {
  if (closed_) return;
  if (binary) {
    if (!partial_) return fail("a binary message that no packet announced");
    parts_.push_back(std::move(data));
    if (parts_.size() < partial_->attachments) return;
    Packet p = std::move(*partial_);
    partial_.reset();
    auto parts = std::move(parts_);
    parts_.clear();
    dispatch(std::move(p), std::move(parts));
    return;
  }
  if (partial_) return fail("a text message while binary attachments were due");
  auto p = decode_owned(std::move(data), settings_.limits);
  if (!p) return fail(p.error().message);
  if ((p->type == PacketType::binary_event || p->type == PacketType::binary_ack) && p->attachments > 0) {
    partial_ = std::make_unique<Packet>(std::move(p).value());
    parts_.clear();
    return;
  }
  dispatch(std::move(p).value(), {});
}

void Client::dispatch(Packet p, std::vector<std::string> attachments) {
  if (p.type == PacketType::connect) return connect(std::move(p));
  if (p.type == PacketType::connect_error) return fail("CONNECT_ERROR from a client");
  auto it = find_socket(p.nsp);
  if (it == sockets_.end()) return;  // not connected to that namespace: ignored, as the reference does
  auto socket = it->second;
  switch (p.type) {
    case PacketType::disconnect: socket->closed(DisconnectReason::client_namespace_disconnect); break;
    case PacketType::event:
    case PacketType::binary_event: socket->handle_event(std::move(p), std::move(attachments)); break;
    case PacketType::ack:
    case PacketType::binary_ack: socket->handle_ack(std::move(p), std::move(attachments)); break;
    default: break;
  }
}

void Client::connect(Packet p) {
  Namespace* ns = namespaces_->find(p.nsp);
  if (!ns) {
    Packet error;
    error.type = PacketType::connect_error;
    error.nsp = p.nsp;
    error.data = R"({"message":"Invalid namespace"})";
    send(to_frames(error));
    return;
  }
  if (find_socket(p.nsp) != sockets_.end() || connecting(p.nsp)) return;
  auto hs = std::make_shared<Handshake>();
  hs->nsp = p.nsp;
  if (!p.data.empty()) hs->auth = std::move(p.data);
  hs->request = session_->shared_request();
  connecting_.push_back(p.nsp);
  auto attempt = std::make_shared<ConnectAttempt>(ConnectAttempt{shared_from_this(), ns, std::move(hs)});
  run_middleware(attempt, 0);
}

void Client::run_middleware(const std::shared_ptr<ConnectAttempt>& a, std::size_t index) {
  if (closed_ || !connecting(a->handshake->nsp)) return;
  const auto& chain = a->nsp->middlewares();
  if (index >= chain.size()) return accept(a);
  try {
    chain[index](*a->handshake, Next(a, index));
  } catch (const std::exception& e) {
    spdlog::error("socket.io middleware of {} threw: {}", a->nsp->name(), e.what());
    refuse(a, ConnectError{"internal error", ""});
  }
}

void Client::refuse(const std::shared_ptr<ConnectAttempt>& a, const ConnectError& error) {
  if (closed_ || !stop_connecting(a->handshake->nsp)) return;
  Packet p;
  p.type = PacketType::connect_error;
  p.nsp = a->nsp->name();
  p.data = "{\"message\":" + json_quote(error.message);
  if (!error.data.empty()) {
    if (is_json(error.data)) {
      p.data += ",\"data\":" + error.data;
    } else {
      spdlog::error("socket.io middleware refusal data is not JSON; sent without it");
    }
  }
  p.data += '}';
  send(to_frames(p));
}

void Client::accept(const std::shared_ptr<ConnectAttempt>& a) {
  const std::string& nsp = a->nsp->name();
  if (closed_ || !stop_connecting(nsp)) return;
  auto socket = std::make_shared<Socket>(random_token(15), *a->nsp, shared_from_this(), a->handshake);
  socket->data() = std::move(a->handshake->data);
  sockets_.emplace_back(nsp, socket);
  a->nsp->add(socket);
  connect_timer_.reset();  // cancels its wait
  session_->establish();
  Packet p;
  p.type = PacketType::connect;
  p.nsp = nsp;
  p.data = "{\"sid\":\"" + socket->id() + "\"}";  // the id is base64url: nothing to escape
  send(to_frames(p));
  if (const auto& handler = a->nsp->connection_handler()) {
    try {
      handler(socket);
    } catch (const std::exception& e) {
      spdlog::error("socket.io connection handler of {} threw: {}", nsp, e.what());
    }
  }
  socket->settle();
}

void Client::forget(const std::string& nsp, const Socket* socket) {
  auto it = find_socket(nsp);
  if (it != sockets_.end() && it->second.get() == socket) sockets_.erase(it);
}

std::vector<Client::SocketEntry>::iterator Client::find_socket(std::string_view nsp) {
  return std::find_if(sockets_.begin(), sockets_.end(), [&](const SocketEntry& e) { return e.first == nsp; });
}

bool Client::connecting(std::string_view nsp) const {
  return std::find(connecting_.begin(), connecting_.end(), nsp) != connecting_.end();
}

bool Client::stop_connecting(std::string_view nsp) {
  auto it = std::find(connecting_.begin(), connecting_.end(), nsp);
  if (it == connecting_.end()) return false;
  connecting_.erase(it);
  return true;
}

void Client::on_close(engineio::CloseReason reason) {
  closed_ = true;
  connect_timer_.reset();
  connecting_.clear();
  partial_.reset();
  parts_.clear();
  auto sockets = std::move(sockets_);
  sockets_.clear();
  for (auto& [nsp, socket] : sockets) socket->closed(from_engine(reason));
}

}  // namespace berth::socketio
