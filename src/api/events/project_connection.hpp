#pragma once
// The Socket.IO side of one open project (DESIGN §5): a client connects to
// the main namespace with auth {token, projectId}; the middleware verifies
// the token and the membership, the socket joins the room `project:<id>` and
// receives the current `project:status`; `exec:run` runs a command in the
// project's container (editors and owners). It is disconnected when its token
// expires, when its membership is removed, or when the project is deleted.
#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <string>

#include "api/context.hpp"
#include "api/events/file_events.hpp"
#include "api/events/terminal_events.hpp"
#include "socketio/server.hpp"
#include "docker/command_run.hpp"
#include "workspace/project_status.hpp"

namespace berth::api {

// What a connected project socket carries (its socketio data()).
struct ProjectSession {
  auth::Principal who;
  std::string project_id;
  std::string owner_id;  // where its files live in storage
  db::Role role = db::Role::viewer;
  workspace::ProjectStatus status;  // project:status at connect, read off the I/O threads
  // exec:run commands of this socket still running: ended when it disconnects.
  std::vector<std::shared_ptr<docker::CommandCancel>> execs;
  // Told when an owner changes this member's role (on the socket's strand):
  // the terminal events stop counting a new viewer's size.
  std::function<void(db::Role)> role_changed;
};

inline std::string project_room(const std::string& project_id) { return "project:" + project_id; }

class ProjectConnections final : public AccessRevocations {
 public:
  ProjectConnections(boost::asio::any_io_executor executor, socketio::Server& io, ApiContext& ctx);

  // Binds the middleware and connection handler on the main namespace.
  void bind();

  // AccessRevocations: called by the REST handlers after the change is committed.
  void member_removed(const std::string& project_id, const std::string& user_id) override;
  void member_role_changed(const std::string& project_id, const std::string& user_id, db::Role role) override;
  void project_deleted(const std::string& project_id) override;

  // Sends project:status to every client of the project (also bound to the
  // runtime's state changes by bind()).
  void publish_status(const std::string& project_id, const workspace::ProjectStatus& status);

 private:
  // Runs `fn` on the strand of every socket of the project (of one user, if given).
  void for_each_session(const std::string& project_id, const std::string& user_id,
                        std::function<void(socketio::Socket&, ProjectSession&)> fn);
  void on_exec_run(const socketio::SocketPtr& s, const socketio::Args& args, socketio::Ack ack);
  boost::asio::any_io_executor executor_;
  std::unique_ptr<FileEvents> files_;  // when ctx.workspaces is set
  std::unique_ptr<TerminalEvents> terminals_;  // when ctx.runtime is set
  socketio::Server& io_;
  ApiContext& ctx_;
};

}  // namespace berth::api
