#pragma once
// A Socket.IO namespace: its middleware chain, its connection handler, and
// its rooms. Rooms are this process's only adapter (DESIGN §3: one process
// uses every core, so no cross-process adapter is needed); they live behind
// one mutex per namespace because sockets of many strands join and leave.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "socketio/broadcast.hpp"
#include "socketio/handshake.hpp"

namespace berth::socketio {

class Socket;
using SocketPtr = std::shared_ptr<Socket>;
using ConnectionHandler = std::function<void(SocketPtr)>;

class Namespace {
 public:
  explicit Namespace(std::string name) : name_(std::move(name)) {}
  Namespace(const Namespace&) = delete;
  Namespace& operator=(const Namespace&) = delete;

  const std::string& name() const { return name_; }

  // Set up before serving; middleware runs in order for every CONNECT.
  void use(Middleware middleware) { middlewares_.push_back(std::move(middleware)); }
  // Runs on the new socket's strand, after the client got its CONNECT.
  void on_connection(ConnectionHandler handler) { on_connection_ = std::move(handler); }

  Broadcast to(std::string room) { return Broadcast(*this).to(std::move(room)); }
  Broadcast except(std::string room) { return Broadcast(*this).except(std::move(room)); }
  bool emit(std::string_view event, const Args& args = {}) { return Broadcast(*this).emit(event, args); }
  std::vector<SocketPtr> sockets() const;
  SocketPtr socket(const std::string& sid) const;
  std::size_t size() const;

  // ---- for Socket, Broadcast and Client ----
  const std::vector<Middleware>& middlewares() const { return middlewares_; }
  const ConnectionHandler& connection_handler() const { return on_connection_; }
  void add(const SocketPtr& socket);  // it is in the room named by its id from now on
  void remove(const std::string& sid);
  void join(const std::string& sid, std::string room);
  void leave(const std::string& sid, const std::string& room);
  std::vector<std::string> rooms_of(const std::string& sid) const;
  std::vector<SocketPtr> select(const std::vector<std::string>& rooms, const std::vector<std::string>& except) const;

 private:
  std::string name_;
  std::vector<Middleware> middlewares_;
  ConnectionHandler on_connection_;

  mutable std::mutex mu_;
  std::unordered_map<std::string_view, SocketPtr> sockets_;  // keys view the sockets' own ids
  // The room named by a socket's id is implicit (every socket is in it and
  // cannot leave it): only rooms joined with join() are stored, so an idle
  // socket costs one entry in sockets_ and nothing here.
  std::unordered_map<std::string, std::unordered_set<std::string>> rooms_;   // room -> socket ids
  std::unordered_map<std::string, std::unordered_set<std::string>> joined_;  // socket id -> rooms
};

// The namespaces of one server, looked up at every CONNECT.
class NamespaceTable {
 public:
  NamespaceTable();
  Namespace& of(std::string_view name);  // creates it; throws std::invalid_argument on a bad name
  Namespace* find(std::string_view name) const;
  std::vector<Namespace*> all() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Namespace>, std::less<>> table_;
};

}  // namespace berth::socketio
