#pragma once
// Connections into a container's own network namespace (DESIGN §5,
// previews): containers run with `NetworkMode: none`, so nothing they serve
// is reachable from the host. A dedicated thread enters the namespace of
// the container's main process (setns), connects to its loopback there and
// hands the connected socket back; a socket stays in the namespace it was
// made in, so the I/O threads then use it like any other. The thread only
// dials, and goes back to the host's namespace after each connect. While
// there it also makes a few unconnected sockets (spares): connect() needs
// no setns, so the next dials into that namespace are the I/O thread's own,
// without the hop to the thread and back.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "core/result.hpp"
#include "core/worker_pool.hpp"

namespace berth::preview {

// The identity (inode) of `pid`'s network namespace; nullopt when the
// process is gone. Blocking but cheap (one stat).
std::optional<std::uint64_t> network_namespace_of(int pid);

class NamespaceDialer {
 public:
  NamespaceDialer();
  ~NamespaceDialer();
  NamespaceDialer(const NamespaceDialer&) = delete;
  NamespaceDialer& operator=(const NamespaceDialer&) = delete;

  // Connects to 127.0.0.1:`port`, else [::1]:`port`, inside the network
  // namespace of process `pid`, which must still be the namespace
  // `ns_inode` (a reused pid is refused, never followed) and never the
  // host's own. Errors: not_running (the process or its namespace is gone),
  // port_closed (nothing listens there).
  boost::asio::awaitable<Result<boost::asio::ip::tcp::socket>> dial(boost::asio::any_io_executor executor, int pid,
                                                                    std::uint64_t ns_inode, int port);

  // A NETLINK_SOCK_DIAG socket in that namespace, under the same checks, for
  // listening_ports_diag; the caller closes it.
  boost::asio::awaitable<Result<int>> open_diag_socket(int pid, std::uint64_t ns_inode);

 private:
  struct Spares {
    int pid = 0;
    std::vector<int> fds;
  };
  std::optional<int> take_spare(int pid, std::uint64_t ns_inode);
  void keep_spares(int pid, std::uint64_t ns_inode, std::vector<int> fds);

  std::uint64_t host_namespace_;
  int host_fd_;  // the host's namespace, to return to after each dial
  std::mutex mu_;
  std::map<std::uint64_t, Spares> spares_;  // by namespace inode
  WorkerPool thread_{1};
};

}  // namespace berth::preview
