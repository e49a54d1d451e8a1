#include "api/events/change_broadcast.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <algorithm>
#include <set>

#include "api/events/project_connection.hpp"

namespace asio = boost::asio;
namespace json = boost::json;

namespace berth::api {

namespace {

json::object event_json(const workspace::FileChange& c) {
  json::object event{{"op", c.op}, {"path", c.path}, {"kind", c.kind}, {"origin", c.origin}};
  if (!c.by.empty()) event["by"] = c.by;
  if (!c.from.empty()) event["from"] = c.from;
  if (!c.version.empty()) event["version"] = c.version;
  return event;
}

// The window's packet as `actor` sees it: without its own changes ("" : all).
std::string packet_for(const std::vector<workspace::FileChange>& changes, const std::string& actor) {
  json::array events;
  for (auto& c : changes)
    if (actor.empty() || c.actor != actor) events.push_back(event_json(c));
  if (events.empty()) return {};
  json::object packet{{"firstSeq", changes.front().seq}, {"seq", changes.back().seq}, {"events", std::move(events)}};
  return json::serialize(packet);
}

}  // namespace

ChangeBroadcast::ChangeBroadcast(asio::any_io_executor executor, socketio::Server& io, std::chrono::milliseconds window)
    : executor_(std::move(executor)), io_(io), window_(window) {}

void ChangeBroadcast::add(const std::string& project_id, const std::vector<workspace::FileChange>& batch) {
  if (batch.empty()) return;
  {
    std::lock_guard lock(mu_);
    auto [it, fresh] = pending_.try_emplace(project_id);
    it->second.insert(it->second.end(), batch.begin(), batch.end());
    if (!fresh) return;  // the running window takes it
  }
  asio::co_spawn(
      executor_,
      [this, project_id]() -> asio::awaitable<void> {
        asio::steady_timer timer(executor_, window_);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        flush(project_id);
      },
      asio::detached);
}

void ChangeBroadcast::flush(const std::string& project_id) {
  std::vector<workspace::FileChange> changes;
  {
    std::lock_guard lock(mu_);
    auto it = pending_.find(project_id);
    if (it == pending_.end()) return;
    changes = std::move(it->second);
    pending_.erase(it);
  }
  // Batches arrive in seq order per project, but from several threads.
  std::sort(changes.begin(), changes.end(), [](auto& a, auto& b) { return a.seq < b.seq; });
  std::set<std::string> actors;
  for (auto& c : changes)
    if (!c.actor.empty()) actors.insert(c.actor);
  auto everyone = io_.to(project_room(project_id));
  for (auto& actor : actors) everyone = everyone.except(actor);
  if (auto all = packet_for(changes, ""); !all.empty())
    everyone.emit("fs:changed", socketio::Args::of(socketio::Json{all}));
  for (auto& actor : actors)
    if (auto theirs = packet_for(changes, actor); !theirs.empty())
      io_.to(actor).emit("fs:changed", socketio::Args::of(socketio::Json{theirs}));
}

}  // namespace berth::api
