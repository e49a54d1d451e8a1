#include "socketio/broadcast.hpp"

#include "core/log.hpp"
#include "socketio/namespace.hpp"
#include "socketio/socket.hpp"

namespace berth::socketio {

Broadcast Broadcast::to(std::string room) const {
  Broadcast b = *this;
  b.rooms_.push_back(std::move(room));
  return b;
}

Broadcast Broadcast::except(std::string room) const {
  Broadcast b = *this;
  b.except_.push_back(std::move(room));
  return b;
}

bool Broadcast::emit(std::string_view event, const Args& args) const {
  auto targets = nsp_->select(rooms_, except_);
  if (targets.empty()) return true;
  auto frames = encode_event(nsp_->name(), event, args, std::nullopt);
  if (!frames) {
    spdlog::error("socket.io broadcast of '{}' refused: {}", event, frames.error().message);
    return false;
  }
  for (const auto& s : targets) s->send(*frames);
  return true;
}

std::vector<std::shared_ptr<Socket>> Broadcast::sockets() const { return nsp_->select(rooms_, except_); }

void Broadcast::disconnect(bool close_connection) const {
  for (const auto& s : nsp_->select(rooms_, except_)) s->disconnect(close_connection);
}

}  // namespace berth::socketio
