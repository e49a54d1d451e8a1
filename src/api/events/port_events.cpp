#include "api/events/port_events.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "api/events/project_connection.hpp"
#include "api/preview_access.hpp"
#include "api/representations.hpp"
#include "preview/port_watch.hpp"
#include "workspace/container_plan.hpp"
#include "workspace/project_runtime.hpp"

namespace berth::api {
namespace json = boost::json;

void bind_port_events(ApiContext& ctx, socketio::Server& io) {
  if (!ctx.ports || !ctx.runtime) return;
  auto* ports = ctx.ports;
  auto* previews = ctx.previews;
  ctx.runtime->subscribe([ports, previews](const std::string& project_id, const workspace::ProjectStatus& status) {
    if (status.state == workspace::RuntimeState::ready) {
      ports->watch(project_id, workspace::container_name(project_id));
    } else if (status.state != workspace::RuntimeState::starting) {
      ports->unwatch(project_id);
      if (previews) previews->forget(project_id);  // public while shown, not forever
    }
  });
  // Made public or private: its port:opened again, with the new `public`,
  // so every member's list follows.
  if (previews)
    previews->on_visibility([&ctx, &io, ports](const std::string& project_id, int port, bool is_public) {
      auto open = ports->open_ports(project_id);
      if (std::find(open.begin(), open.end(), port) == open.end()) return;
      io.to(project_room(project_id))
          .emit("port:opened",
                socketio::Args::of(socketio::Json{json::serialize(port_json(ctx.config, project_id, port, is_public))}));
    });
  ports->on_change([&ctx, &io](const std::string& project_id, int port, bool open) {
    bool is_public = ctx.previews && ctx.previews->is_public(project_id, port);
    auto payload = open ? port_json(ctx.config, project_id, port, is_public) : json::object{{"port", port}};
    io.to(project_room(project_id))
        .emit(open ? "port:opened" : "port:closed", socketio::Args::of(socketio::Json{json::serialize(payload)}));
  });
}

}  // namespace berth::api
