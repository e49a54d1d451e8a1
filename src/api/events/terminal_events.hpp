#pragma once
// The terminal events of a project connection (DESIGN §5, docs/API.md
// "Terminals"): term:open, term:attach, term:input, term:resize, term:ack,
// term:close and term:list from the client; term:data (binary), term:exit
// and term:detached to it. Requests with an ack get {ok:true, …} or
// {ok:false, error:{code, message}}; term:input, term:resize and term:ack
// need none, and answer one when the client passes it.
//
// Viewers may attach and list; opening, typing, resizing and closing need
// editor. Terminals live in the project's own registry (terminal/), so an id
// never reaches another project's terminal; a project that stops ends its
// terminals. A socket that disconnects is detached from its terminals, which
// keep running.
#include <boost/asio/any_io_executor.hpp>
#include <memory>

#include "api/context.hpp"
#include "socketio/server.hpp"
#include "terminal/terminal_registry.hpp"
#include "workspace/project_runtime.hpp"

namespace berth::api {

class TerminalEvents {
 public:
  TerminalEvents(boost::asio::any_io_executor executor, ApiContext& ctx, workspace::ProjectRuntime& runtime);

  // Ends a project's terminals when it stops (or its container dies).
  void bind();
  // Registers the term:* handlers on a connected project socket.
  void attach(const socketio::SocketPtr& socket);

 private:
  struct SocketTerminals;
  void on_open(const socketio::SocketPtr& s, const std::shared_ptr<SocketTerminals>& mine, const socketio::Args& args,
               socketio::Ack ack);
  void on_event(const socketio::SocketPtr& s, const std::shared_ptr<SocketTerminals>& mine, const std::string& event,
                const socketio::Args& args, socketio::Ack ack);

  workspace::ProjectRuntime& runtime_;
  terminal::TerminalRegistries registries_;
};

}  // namespace berth::api
