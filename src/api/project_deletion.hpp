#pragma once
// Deleting a project everywhere, in an order a crash can resume (DESIGN §1,
// "Delete"). DELETE /projects/{id} first marks the row `deleting`, which
// hides the project from every read and keeps the runtime from reviving its
// status; then its clients are cut, its container removed, its uploads
// cancelled (none may recreate what is deleted), its disk and mirror on this
// node removed, its objects deleted from storage, and the row last. A step
// that fails (storage down) leaves the row marked: the sweeper finishes it,
// at start-up and every 30 s after.
#include <boost/asio/awaitable.hpp>

#include "api/context.hpp"
#include "core/result.hpp"
#include "db/project_repository.hpp"

namespace berth::api {

// The steps after the mark; each is idempotent, so a second run after a
// partial one finishes the job.
boost::asio::awaitable<Status> delete_everywhere(ApiContext& ctx, db::Project project);

// Finishes every deletion the row marks, now and then every `interval`,
// until the executor stops.
void start_deletion_sweeper(ApiContext& ctx, boost::asio::any_io_executor executor,
                            std::chrono::seconds interval = std::chrono::seconds(30));

}  // namespace berth::api
