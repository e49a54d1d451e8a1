#include "socketio/namespace.hpp"

#include <stdexcept>

#include "socketio/packet.hpp"
#include "socketio/socket.hpp"

namespace berth::socketio {

std::vector<SocketPtr> Namespace::sockets() const {
  std::lock_guard lock(mu_);
  std::vector<SocketPtr> out;
  out.reserve(sockets_.size());
  for (const auto& [id, s] : sockets_) out.push_back(s);
  return out;
}

SocketPtr Namespace::socket(const std::string& sid) const {
  std::lock_guard lock(mu_);
  auto it = sockets_.find(sid);
  return it == sockets_.end() ? nullptr : it->second;
}

std::size_t Namespace::size() const {
  std::lock_guard lock(mu_);
  return sockets_.size();
}

void Namespace::add(const SocketPtr& socket) {
  std::lock_guard lock(mu_);
  sockets_.emplace(socket->id(), socket);  // the key views the socket's own id
}

void Namespace::remove(const std::string& sid_ref) {
  std::lock_guard lock(mu_);
  auto found = sockets_.find(sid_ref);
  if (found == sockets_.end()) return;
  SocketPtr keep = found->second;  // `sid_ref` may be the socket's own id: keep it alive to the end
  const std::string& sid = keep->id();
  sockets_.erase(found);
  auto it = joined_.find(sid);
  if (it == joined_.end()) return;
  for (const auto& room : it->second) {
    auto r = rooms_.find(room);
    if (r == rooms_.end()) continue;
    r->second.erase(sid);
    if (r->second.empty()) rooms_.erase(r);
  }
  joined_.erase(it);
}

void Namespace::join(const std::string& sid, std::string room) {
  std::lock_guard lock(mu_);
  if (!sockets_.count(sid) || room == sid) return;  // disconnected meanwhile, or its own room
  joined_[sid].insert(room);
  rooms_[std::move(room)].insert(sid);
}

void Namespace::leave(const std::string& sid, const std::string& room) {
  std::lock_guard lock(mu_);
  auto j = joined_.find(sid);
  if (j != joined_.end()) j->second.erase(room);
  auto r = rooms_.find(room);
  if (r == rooms_.end()) return;
  r->second.erase(sid);
  if (r->second.empty()) rooms_.erase(r);
}

std::vector<std::string> Namespace::rooms_of(const std::string& sid) const {
  std::lock_guard lock(mu_);
  if (!sockets_.count(sid)) return {};
  std::vector<std::string> out{sid};
  auto it = joined_.find(sid);
  if (it != joined_.end()) out.insert(out.end(), it->second.begin(), it->second.end());
  return out;
}

std::vector<SocketPtr> Namespace::select(const std::vector<std::string>& rooms,
                                         const std::vector<std::string>& except) const {
  std::lock_guard lock(mu_);
  // Views of socket ids held by sockets_ and rooms_, stable under the lock.
  std::unordered_set<std::string_view> excluded;
  for (const auto& room : except) {
    if (auto own = sockets_.find(room); own != sockets_.end()) excluded.insert(own->first);  // its own room
    auto r = rooms_.find(room);
    if (r != rooms_.end()) excluded.insert(r->second.begin(), r->second.end());
  }
  std::vector<SocketPtr> out;
  auto take = [&](std::string_view sid) {
    if (excluded.count(sid)) return;
    auto s = sockets_.find(sid);
    if (s != sockets_.end()) out.push_back(s->second);
  };
  if (rooms.empty()) {
    out.reserve(sockets_.size());
    for (const auto& [sid, s] : sockets_) take(sid);
    return out;
  }
  std::unordered_set<std::string_view> seen;  // a socket in two of the rooms gets the packet once
  for (const auto& room : rooms) {
    if (auto own = sockets_.find(room); own != sockets_.end() && seen.insert(own->first).second)
      take(own->first);  // a socket's own room
    auto r = rooms_.find(room);
    if (r == rooms_.end()) continue;
    for (const auto& sid : r->second)
      if (seen.insert(sid).second) take(sid);
  }
  return out;
}

NamespaceTable::NamespaceTable() { of("/"); }

Namespace& NamespaceTable::of(std::string_view name) {
  if (!is_valid_namespace(name)) throw std::invalid_argument("bad Socket.IO namespace name: " + std::string(name));
  std::lock_guard lock(mu_);
  auto it = table_.find(name);
  if (it != table_.end()) return *it->second;
  auto ns = std::make_unique<Namespace>(std::string(name));
  auto& ref = *ns;
  table_.emplace(std::string(name), std::move(ns));
  return ref;
}

Namespace* NamespaceTable::find(std::string_view name) const {
  std::lock_guard lock(mu_);
  auto it = table_.find(name);
  return it == table_.end() ? nullptr : it->second.get();
}

std::vector<Namespace*> NamespaceTable::all() const {
  std::lock_guard lock(mu_);
  std::vector<Namespace*> out;
  for (const auto& [name, ns] : table_) out.push_back(ns.get());
  return out;
}

}  // namespace berth::socketio
