#include "socketio/socket.hpp"

#include <algorithm>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/log.hpp"
#include "socketio/client.hpp"
#include "socketio/json_text.hpp"
#include "socketio/namespace.hpp"

namespace berth::socketio {

namespace asio = boost::asio;

namespace {
// The arguments of a decoded EVENT or ACK payload, from element `first` on.
// decode() already found the elements; a packet built by hand is scanned.
Args to_args(const Packet& p, std::size_t first, std::vector<std::string> attachments, std::string* event_name) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> scanned_elements;
  std::vector<int> scanned_attachment;
  const auto* elements = &p.elements;
  const auto* attachment = &p.element_attachment;
  if (!p.scanned) {
    JsonScanOptions options;
    options.find_placeholders = p.type == PacketType::binary_event || p.type == PacketType::binary_ack;
    auto scan = scan_json(p.data, options);
    if (!scan) return {};  // decode() already refused such packets
    for (auto e : scan->elements) {
      auto begin = std::uint32_t(e.data() - p.data.data());
      scanned_elements.emplace_back(begin, begin + std::uint32_t(e.size()));
    }
    scanned_attachment.assign(scanned_elements.size(), -1);
    for (const auto& ph : scan->placeholders)
      if (ph.whole_element && ph.element < scanned_attachment.size()) scanned_attachment[ph.element] = int(ph.num);
    elements = &scanned_elements;
    attachment = &scanned_attachment;
  }
  auto text = [&](std::size_t i) {
    return std::string_view(p.data).substr((*elements)[i].first, (*elements)[i].second - (*elements)[i].first);
  };
  if (event_name && !elements->empty()) *event_name = json_unquote(text(0)).value_or("");
  std::vector<std::string> items;
  std::vector<int> binary_index;
  if (elements->size() > first) {
    items.reserve(elements->size() - first);
    binary_index.reserve(elements->size() - first);
  }
  for (std::size_t i = first; i < elements->size(); ++i) {
    items.emplace_back(text(i));
    binary_index.push_back((*attachment)[i]);
  }
  return Args::from_elements(std::move(items), std::move(binary_index), std::move(attachments));
}
}  // namespace

// ---- Ack ----

Ack::Ack(std::weak_ptr<Socket> socket, std::uint64_t id) : state_(std::make_shared<State>()) {
  state_->socket = std::move(socket);
  state_->id = id;
}

void Ack::operator()(const Args& args) const {
  if (!state_ || state_->sent.exchange(true)) return;
  auto socket = state_->socket.lock();
  if (!socket || !socket->connected()) return;
  auto frames = encode_ack(socket->nsp(), state_->id, args);
  if (!frames) {
    spdlog::error("socket.io ack refused: {}", frames.error().message);
    return;
  }
  socket->send(*frames);
}

// ---- Socket ----

struct Socket::PendingAck {
  PendingAck(asio::any_io_executor ex, std::chrono::milliseconds timeout, AckCallback cb)
      : callback(std::move(cb)), timer(std::move(ex), timeout) {}
  AckCallback callback;
  asio::steady_timer timer;
};

Socket::Socket(std::string id, Namespace& nsp, std::shared_ptr<Client> client, std::shared_ptr<Handshake> handshake)
    : id_(std::move(id)), nsp_(nsp), client_(std::move(client)), handshake_(std::move(handshake)) {}

Socket::~Socket() = default;

const std::string& Socket::nsp() const { return nsp_.name(); }

asio::any_io_executor Socket::executor() const { return client_->executor(); }

void Socket::on(std::string event, EventHandler handler) {
  for (auto& [name, h] : handlers_)
    if (name == event) {
      h = std::move(handler);
      return;
    }
  handlers_.emplace_back(std::move(event), std::move(handler));
}
void Socket::on_any(AnyEventHandler handler) { any_handler_ = std::move(handler); }
void Socket::settle() {
  handlers_.shrink_to_fit();
  disconnect_handlers_.shrink_to_fit();
}

void Socket::on_disconnect(DisconnectHandler handler) { disconnect_handlers_.push_back(std::move(handler)); }

void Socket::send(const Frames& frames) const {
  if (connected_) client_->send(frames);
}

bool Socket::emit(std::string_view event, const Args& args) {
  if (!connected_) return false;
  auto frames = encode_event(nsp_.name(), event, args, std::nullopt);
  if (!frames) {
    spdlog::error("socket.io emit of '{}' refused: {}", event, frames.error().message);
    return false;
  }
  send(*frames);
  return true;
}

void Socket::emit_with_ack(std::string_view event, Args args, std::chrono::milliseconds timeout,
                           AckCallback callback) {
  asio::dispatch(executor(), [self = shared_from_this(), event = std::string(event), args = std::move(args), timeout,
                              cb = std::move(callback)]() mutable {
    if (!self->connected_) return cb(make_error("disconnected", "the socket is not connected"));
    std::uint64_t id = self->next_ack_id_++;
    auto frames = encode_event(self->nsp_.name(), event, args, id);
    if (!frames) return cb(frames.error());
    auto pending = std::make_shared<PendingAck>(self->executor(), timeout, std::move(cb));
    self->pending_acks_[id] = pending;
    pending->timer.async_wait([weak = self->weak_from_this(), id](boost::system::error_code ec) {
      if (ec) return;
      if (auto s = weak.lock()) s->ack_timed_out(id);
    });
    self->send(*frames);
  });
}

void Socket::ack_timed_out(std::uint64_t id) {
  auto it = pending_acks_.find(id);
  if (it == pending_acks_.end()) return;
  auto pending = std::move(it->second);
  pending_acks_.erase(it);
  pending->callback(make_error("timeout", "the client did not acknowledge in time"));
}

void Socket::join(std::string room) { nsp_.join(id_, std::move(room)); }
void Socket::leave(const std::string& room) { nsp_.leave(id_, room); }
std::vector<std::string> Socket::rooms() const { return nsp_.rooms_of(id_); }
Broadcast Socket::to(std::string room) const { return Broadcast(nsp_).to(std::move(room)).except(id_); }
Broadcast Socket::broadcast() const { return Broadcast(nsp_).except(id_); }

void Socket::disconnect(bool close_connection) {
  asio::dispatch(executor(), [self = shared_from_this(), close_connection] {
    if (self->connected_) {
      Packet p;
      p.type = PacketType::disconnect;
      p.nsp = self->nsp_.name();
      self->send(to_frames(p));
      self->closed(DisconnectReason::server_namespace_disconnect);
    }
    if (close_connection) self->client_->session()->close_now(engineio::CloseReason::server_close);
  });
}

std::size_t Socket::queued_bytes() const { return client_->session()->queued_bytes(); }

void Socket::handle_event(Packet p, std::vector<std::string> attachments) {
  std::string name;
  Args args = to_args(p, 1, std::move(attachments), &name);
  Ack ack = p.id ? Ack(weak_from_this(), *p.id) : Ack();
  auto self = shared_from_this();
  try {
    auto it = std::find_if(handlers_.begin(), handlers_.end(), [&](const auto& h) { return h.first == name; });
    if (it != handlers_.end()) {
      auto handler = it->second;  // a handler may replace itself
      handler(self, std::move(args), std::move(ack));
    } else if (any_handler_) {
      auto handler = any_handler_;
      handler(self, std::move(name), std::move(args), std::move(ack));
    }
  } catch (const std::exception& e) {
    spdlog::error("socket.io handler of '{}' threw: {}", name, e.what());
  }
}

void Socket::handle_ack(Packet p, std::vector<std::string> attachments) {
  auto it = pending_acks_.find(*p.id);
  if (it == pending_acks_.end()) return;  // late (timed out) or unknown: ignored
  auto pending = std::move(it->second);
  pending_acks_.erase(it);
  pending->timer.cancel();
  try {
    pending->callback(to_args(p, 0, std::move(attachments), nullptr));
  } catch (const std::exception& e) {
    spdlog::error("socket.io ack callback threw: {}", e.what());
  }
}

void Socket::closed(DisconnectReason reason) {
  if (!connected_.exchange(false)) return;
  auto self = shared_from_this();
  nsp_.remove(id_);
  client_->forget(nsp_.name(), this);
  auto acks = std::move(pending_acks_);
  pending_acks_.clear();
  for (auto& [id, pending] : acks) {
    pending->timer.cancel();
    try {
      pending->callback(make_error("disconnected", "the socket disconnected before the client acknowledged"));
    } catch (const std::exception& e) {
      spdlog::error("socket.io ack callback threw: {}", e.what());
    }
  }
  auto handlers = std::move(disconnect_handlers_);
  disconnect_handlers_.clear();
  for (auto& h : handlers) {
    try {
      h(self, reason);
    } catch (const std::exception& e) {
      spdlog::error("socket.io disconnect handler threw: {}", e.what());
    }
  }
  // Handlers often capture the socket: dropping them breaks the cycle.
  handlers_.clear();
  any_handler_ = nullptr;
}

}  // namespace berth::socketio
