#pragma once
// The terminals of one project, and of all projects (DESIGN §5 term:*).
// A project has at most `limit` terminals; ended ones stay listed (with
// their exit code and scrollback) until closed, and give their place to a
// new one when the project is at its limit. A running terminal with no
// client keeps running and filling its ring: terminals do not hold the
// project open (the idle rule counts clients and commands only), and when
// the project stops, end_project ends all of them.
//
// A terminal of another project is never reachable: each project has its
// own registry, and ids are looked up in it alone.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "terminal/terminal.hpp"

namespace berth::terminal {

class TerminalRegistry {
 public:
  TerminalRegistry(boost::asio::any_io_executor executor, docker::DockerClient& docker, TerminalOptions options,
                   std::size_t limit);

  // The opener's attachment, made once the new terminal's id is known.
  using Opener = std::function<AttachRequest(const std::string& terminal_id)>;

  // limit_reached at the limit (after giving up the oldest ended terminal);
  // conflict when the project stopped while the terminal was starting.
  boost::asio::awaitable<Result<Terminal::Started>> open(TerminalSpec spec, Opener opener);
  std::shared_ptr<Terminal> find(const std::string& id) const;  // null: not_found
  std::vector<TerminalInfo> list() const;                       // oldest first
  // Removes it and ends its processes; false when there is no such terminal.
  bool close(const std::string& id);
  // The project stopped: every terminal ends, and opens under way are undone.
  void end_all();

 private:
  boost::asio::any_io_executor executor_;
  docker::DockerClient& docker_;
  const TerminalOptions options_;
  const std::size_t limit_;
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<Terminal>> terminals_;
  std::size_t starting_ = 0;      // opens holding a place, not listed yet
  std::uint64_t generation_ = 0;  // bumped by end_all
};

class TerminalRegistries {
 public:
  TerminalRegistries(boost::asio::any_io_executor executor, docker::DockerClient& docker, TerminalOptions options,
                     std::size_t limit_per_project);

  std::shared_ptr<TerminalRegistry> of(const std::string& project_id);    // made on first use
  std::shared_ptr<TerminalRegistry> find(const std::string& project_id);  // null: none yet
  void end_project(const std::string& project_id);

 private:
  boost::asio::any_io_executor executor_;
  docker::DockerClient& docker_;
  const TerminalOptions options_;
  const std::size_t limit_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<TerminalRegistry>> projects_;
};

}  // namespace berth::terminal
