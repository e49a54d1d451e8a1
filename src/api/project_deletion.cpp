#include "api/project_deletion.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/log.hpp"
#include "storage/layout.hpp"
#include "storage/project_objects.hpp"
#include "workspace/file_sync.hpp"
#include "workspace/project_runtime.hpp"
#include "workspace/workspace.hpp"

namespace asio = boost::asio;

namespace berth::api {

asio::awaitable<Status> delete_everywhere(ApiContext& ctx, db::Project project) {
  const std::string id = project.id;
  if (ctx.revocations) ctx.revocations->project_deleted(id);
  if (ctx.runtime) {
    // With the engine down the container stays; the next start-up's adoption
    // removes it, since its project is gone by then. Right after a start-up
    // that adoption may be removing it already (the mark hides the project):
    // the engine then refuses the stop for a moment, and a second look finds
    // it gone.
    Result<workspace::ProjectStatus> stopped = make_error("internal", "not tried");
    for (int attempt = 0; attempt < 5; ++attempt) {
      stopped = co_await ctx.runtime->stop(id);
      if (stopped || stopped.error().code == "runtime_unavailable") break;
      asio::steady_timer pause(co_await asio::this_coro::executor, std::chrono::milliseconds(500));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (!stopped && stopped.error().code != "runtime_unavailable") co_return stopped.error();
  }
  if (ctx.sync)
    if (auto forgot = co_await ctx.sync->forget(id); !forgot) co_return forgot;
  if (ctx.workspaces)
    if (auto gone = co_await ctx.workers.run([&] { return ctx.workspaces->remove(id); }); !gone) co_return gone;
  if (ctx.storage) {
    auto prefix = storage::project_prefix(project.owner_id, id);
    if (auto gone = co_await storage::delete_tree(*ctx.storage, prefix); !gone)
      co_return make_error(gone.error().code,
                           "the project's files could not be deleted from storage yet (" + gone.error().message + ")");
  }
  auto removed = co_await ctx.workers.run([&] { return ctx.db.projects().remove(id); });
  if (!removed && removed.error().code != "not_found") co_return removed;
  co_return Ok{};
}

void start_deletion_sweeper(ApiContext& ctx, asio::any_io_executor executor, std::chrono::seconds interval) {
  asio::co_spawn(
      executor,
      [&ctx, executor, interval]() -> asio::awaitable<void> {
        asio::steady_timer timer(executor);
        for (;;) {
          auto marked = co_await ctx.workers.run([&] { return ctx.db.projects().deleting(); });
          if (!marked) spdlog::warn("cannot list the projects being deleted: {}", marked.error().message);
          for (auto& project : marked ? *marked : std::vector<db::Project>{}) {
            auto done = co_await delete_everywhere(ctx, project);
            if (done)
              spdlog::info("project {}: its deletion is finished", project.id);
            else
              spdlog::warn("project {}: its deletion waits ({}); trying again in {} s", project.id,
                           done.error().message, interval.count());
          }
          timer.expires_after(interval);
          auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
          if (ec) co_return;
        }
      },
      asio::detached);
}

}  // namespace berth::api
