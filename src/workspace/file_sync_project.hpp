#pragma once
// FileSync's per-project state, shared by file_sync.cpp (the uploader) and
// open_from_storage.cpp (the open). Guarded by FileSync::mu_.
#include "workspace/file_sync.hpp"

namespace berth::workspace {

struct FileSync::Project {
  explicit Project(boost::asio::any_io_executor ex) : open_lock(ex) {}
  AsyncMutex open_lock;
  bool opened = false;     // reconciled since this process started
  std::string prefix;      // "<ownerId>/<projectId>/"
  bool draining = false;   // an uploader loop runs
  bool again = false;      // changed() while it ran: look once more
  bool forgotten = false;  // deleted: the loop ends
};

// Blocking (a metadata write): records now as the project's last use on this
// node, which is how the mirror budget orders evictions (mirror_budget.cpp).
bool mark_used(const RuntimeOptions& options, const std::string& project_id);  // false: the folder is gone

}  // namespace berth::workspace
