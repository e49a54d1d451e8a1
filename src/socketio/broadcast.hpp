#pragma once
// A selection of a namespace's sockets by room: `io.to("p1").except(sid)`.
// emit() encodes the packet once and hands the same shared frames to every
// selected socket's strand.
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "socketio/args.hpp"

namespace berth::socketio {

class Namespace;
class Socket;

class Broadcast {
 public:
  explicit Broadcast(Namespace& nsp) : nsp_(&nsp) {}

  Broadcast to(std::string room) const;      // adds a room (sockets in any of the rooms)
  Broadcast except(std::string room) const;  // a socket's id is a room too
  bool emit(std::string_view event, const Args& args = {}) const;
  template <class A0, class... A>
    requires(!std::is_same_v<std::decay_t<A0>, Args>)
  bool emit(std::string_view event, A0&& a0, A&&... a) const {
    return emit(event, Args::of(std::forward<A0>(a0), std::forward<A>(a)...));
  }
  std::vector<std::shared_ptr<Socket>> sockets() const;
  void disconnect(bool close_connection = false) const;

 private:
  Namespace* nsp_;
  std::vector<std::string> rooms_;  // empty: every socket
  std::vector<std::string> except_;
};

}  // namespace berth::socketio
