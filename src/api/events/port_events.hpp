#pragma once
// Ports that open and close in a project's container reach its clients
// (DESIGN §5, previews): port:opened {port, url} and port:closed {port} to
// the project's room. A project is watched while it is `ready`.
#include "api/context.hpp"
#include "socketio/server.hpp"

namespace berth::api {

void bind_port_events(ApiContext& ctx, socketio::Server& io);

}  // namespace berth::api
