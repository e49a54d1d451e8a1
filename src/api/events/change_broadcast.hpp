#pragma once
// fs:changed for a project's clients, coalesced (DESIGN §5): the changes of
// one short window (10 ms) go out as one packet covering their seq range,
// so a burst of writes (an upload of many files, a checkout) costs a packet
// per window, not per file. Nobody hears of their own changes: a socket
// that made some of the window's changes gets the packet without them (its
// acks carry their seqs, so the range still has no gap for it); the others
// get all of it.
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "socketio/server.hpp"
#include "workspace/workspace.hpp"

namespace berth::api {

class ChangeBroadcast {
 public:
  ChangeBroadcast(boost::asio::any_io_executor executor, socketio::Server& io,
                  std::chrono::milliseconds window = std::chrono::milliseconds(10));
  // Any thread. A batch's seqs follow the previous batch's of its project.
  void add(const std::string& project_id, const std::vector<workspace::FileChange>& batch);

 private:
  void flush(const std::string& project_id);

  boost::asio::any_io_executor executor_;
  socketio::Server& io_;
  std::chrono::milliseconds window_;
  std::mutex mu_;
  std::map<std::string, std::vector<workspace::FileChange>> pending_;  // by project; a window is running
};

}  // namespace berth::api
