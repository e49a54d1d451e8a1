#pragma once
// The file events of a project connection (DESIGN §5): fs:list, fs:stat,
// fs:read, fs:write, fs:create, fs:delete, fs:rename, each answered through
// its ack with {ok:true, …} or {ok:false, error:{code, message}}, and
// fs:changed sent to the project's other clients for every change.
//
// Viewers may list, stat and read; the rest needs editor. Text goes as a
// string when the whole file is valid UTF-8 without NUL, anything else as a
// binary attachment (a Buffer in Node, an ArrayBuffer in browsers), both
// ways. File work runs on the worker pool; seq order is disk order.
// `sync:status {pending, failed}` tells the project's clients what has not
// reached storage yet.
#include "api/context.hpp"
#include "api/events/change_broadcast.hpp"
#include "api/file_operations.hpp"
#include "socketio/server.hpp"
#include "workspace/workspace.hpp"

namespace berth::api {

struct ProjectSession;

class FileEvents {
 public:
  FileEvents(boost::asio::any_io_executor executor, socketio::Server& io, ApiContext& ctx,
             workspace::Workspaces& workspaces);

  // Sends every change to the project's clients, coalesced, except to the
  // socket that made it (change_broadcast.hpp).
  void bind();
  // Registers the fs:* handlers on a connected project socket.
  void attach(const socketio::SocketPtr& socket);

 private:  void on_request(const socketio::SocketPtr& s, const std::string& event, const socketio::Args& args,
                  socketio::Ack ack);
  socketio::Server& io_;
  ApiContext& ctx_;
  workspace::Workspaces& workspaces_;
  FileOperations files_;
  ChangeBroadcast changes_;
};

}  // namespace berth::api
