#include "preview/namespace_dialer.hpp"

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstring>
#include <string>

#include "core/unique_fd.hpp"

namespace berth::preview {
namespace {

struct Dialed {
  int fd = -1;
  bool v6 = false;
  Error error;
  std::vector<int> spares;  // unconnected IPv4 sockets made in the namespace, for the next dials
};

constexpr auto kConnectTimeout = std::chrono::seconds(2);
constexpr std::size_t kSpares = 8;       // made per visit to a namespace
constexpr std::size_t kNamespaces = 32;  // namespaces with spares kept at once

// Loopback connects finish at once or fail at once; the timeout only
// bounds a listener whose backlog is full.
int connect_loopback(bool v6, int port) {
  int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  timeval timeout{kConnectTimeout.count(), 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  int rc;
  if (v6) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(std::uint16_t(port));
    a.sin6_addr = in6addr_loopback;
    rc = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(std::uint16_t(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rc = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  if (rc != 0) {
    int saved = errno;
    ::close(fd);
    errno = saved;
    return -1;
  }
  timeval none{0, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &none, sizeof none);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// Enters `pid`'s network namespace if it is still `ns_inode` and not the host's.
Status enter(int pid, std::uint64_t ns_inode, std::uint64_t host_namespace) {
  std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
  UniqueFd ns(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (!ns || ::fstat(ns.get(), &st) != 0 || st.st_ino != ns_inode || st.st_ino == host_namespace)
    return make_error("not_running", "the project's container is not running");
  int entered = ::setns(ns.get(), CLONE_NEWNET);
  int saved = errno;
  if (entered != 0)
    return make_error("internal", std::string("cannot enter the container's network namespace: ") +
                                      std::strerror(saved) + " (Berth needs CAP_SYS_ADMIN for previews)");
  return Ok{};
}

Dialed dial_inside(int pid, std::uint64_t ns_inode, std::uint64_t host_namespace, int host_fd, int port) {
  Dialed out;
  if (auto in = enter(pid, ns_inode, host_namespace); !in) {
    out.error = in.error();
    return out;
  }
  for (std::size_t i = 0; i < kSpares; ++i)
    if (int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0); fd >= 0) out.spares.push_back(fd);
  out.fd = connect_loopback(false, port);
  if (out.fd < 0) {
    out.fd = connect_loopback(true, port);
    out.v6 = true;
  }
  // Back home, so the thread holds no container's namespace alive.
  if (host_fd >= 0) ::setns(host_fd, CLONE_NEWNET);
  if (out.fd < 0)
    out.error = make_error("port_closed", "nothing in the container listens on port " + std::to_string(port));
  return out;
}

}  // namespace

std::optional<std::uint64_t> network_namespace_of(int pid) {
  struct stat st {};
  std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return std::uint64_t(st.st_ino);
}

NamespaceDialer::NamespaceDialer()
    : host_namespace_(network_namespace_of(int(::getpid())).value_or(0)),
      host_fd_(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) {}

NamespaceDialer::~NamespaceDialer() {
  thread_.stop();
  if (host_fd_ >= 0) ::close(host_fd_);
  for (auto& [inode, kept] : spares_)
    for (int fd : kept.fds) ::close(fd);
}

std::optional<int> NamespaceDialer::take_spare(int pid, std::uint64_t ns_inode) {
  std::lock_guard lock(mu_);
  auto it = spares_.find(ns_inode);
  if (it == spares_.end() || it->second.pid != pid || it->second.fds.empty()) return std::nullopt;
  int fd = it->second.fds.back();
  it->second.fds.pop_back();
  return fd;
}

void NamespaceDialer::keep_spares(int pid, std::uint64_t ns_inode, std::vector<int> fds) {
  std::vector<int> dropped;
  {
    std::lock_guard lock(mu_);
    // A namespace of a stopped container must not live on through its
    // spares: past the bound, others' go (those of a reused pid first).
    for (auto it = spares_.begin(); it != spares_.end();) {
      bool stale = it->first != ns_inode && (it->second.pid == pid || spares_.size() >= kNamespaces);
      if (stale) {
        dropped.insert(dropped.end(), it->second.fds.begin(), it->second.fds.end());
        it = spares_.erase(it);
      } else {
        ++it;
      }
    }
    auto& kept = spares_[ns_inode];
    if (kept.pid != pid) {
      dropped.insert(dropped.end(), kept.fds.begin(), kept.fds.end());
      kept = {pid, {}};
    }
    for (int fd : fds) (kept.fds.size() < kSpares ? kept.fds : dropped).push_back(fd);
  }
  for (int fd : dropped) ::close(fd);
}

boost::asio::awaitable<Result<int>> NamespaceDialer::open_diag_socket(int pid, std::uint64_t ns_inode) {
  auto host = host_namespace_;
  int host_fd = host_fd_;
  co_return co_await thread_.run([=]() -> Result<int> {
    if (auto in = enter(pid, ns_inode, host); !in) return in.error();
    int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    int saved = errno;
    if (host_fd >= 0) ::setns(host_fd, CLONE_NEWNET);
    if (fd < 0) return make_error("internal", std::string("cannot open a sock_diag socket: ") + std::strerror(saved));
    return fd;
  });
}

boost::asio::awaitable<Result<boost::asio::ip::tcp::socket>> NamespaceDialer::dial(
    boost::asio::any_io_executor executor, int pid, std::uint64_t ns_inode, int port) {
  namespace ip = boost::asio::ip;
  // A socket stays in the namespace it was made in, and connect() needs no
  // setns: with a spare one, the I/O thread connects without the hop.
  if (auto spare = take_spare(pid, ns_inode)) {
    ip::tcp::socket socket(executor);
    boost::system::error_code ec;
    socket.assign(ip::tcp::v4(), *spare, ec);
    if (ec) {
      ::close(*spare);
    } else {
      // Bounded as the thread's connect is: a listener whose backlog is
      // full drops the SYN, and TCP would retry for minutes.
      boost::beast::tcp_stream stream(std::move(socket));
      stream.expires_after(kConnectTimeout);
      auto [cec] = co_await stream.async_connect(ip::tcp::endpoint(ip::address_v4::loopback(), std::uint16_t(port)),
                                                 boost::asio::as_tuple(boost::asio::use_awaitable));
      if (cec == boost::beast::error::timeout)
        co_return make_error("bad_gateway", "the app on port " + std::to_string(port) + " accepts no connection");
      if (!cec) {
        stream.expires_never();
        ip::tcp::socket connected = stream.release_socket();
        connected.set_option(ip::tcp::no_delay(true), ec);
        co_return std::move(connected);
      }
    }  // refused on IPv4 (an app on [::1] only, or closed): the thread tries both
  }
  auto host = host_namespace_;
  int host_fd = host_fd_;
  Dialed d = co_await thread_.run([=] { return dial_inside(pid, ns_inode, host, host_fd, port); });
  if (!d.spares.empty()) keep_spares(pid, ns_inode, std::move(d.spares));
  if (d.fd < 0) co_return d.error;
  boost::asio::ip::tcp::socket socket(executor);
  boost::system::error_code ec;
  socket.assign(d.v6 ? boost::asio::ip::tcp::v6() : boost::asio::ip::tcp::v4(), d.fd, ec);
  if (ec) {
    ::close(d.fd);
    co_return make_error("internal", "cannot use the preview connection: " + ec.message());
  }
  co_return std::move(socket);
}

}  // namespace berth::preview
