#include "preview/namespace_dialer.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace berth::preview {
namespace {

struct Dialed {
  int fd = -1;
  bool v6 = false;
  Error error;
};

// Loopback connects finish at once or fail at once; the timeout only
// bounds a listener whose backlog is full.
int connect_loopback(bool v6, int port) {
  int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  timeval timeout{2, 0};
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

Dialed dial_inside(int pid, std::uint64_t ns_inode, std::uint64_t host_namespace, int host_fd, int port) {
  Dialed out;
  std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
  int ns = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (ns < 0 || ::fstat(ns, &st) != 0 || st.st_ino != ns_inode || st.st_ino == host_namespace) {
    if (ns >= 0) ::close(ns);
    out.error = make_error("not_running", "the project's container is not running");
    return out;
  }
  int entered = ::setns(ns, CLONE_NEWNET);
  int saved = errno;
  ::close(ns);
  if (entered != 0) {
    out.error = make_error("internal", std::string("cannot enter the container's network namespace: ") +
                                           std::strerror(saved) + " (Berth needs CAP_SYS_ADMIN for previews)");
    return out;
  }
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
}

boost::asio::awaitable<Result<boost::asio::ip::tcp::socket>> NamespaceDialer::dial(
    boost::asio::any_io_executor executor, int pid, std::uint64_t ns_inode, int port) {
  auto host = host_namespace_;
  int host_fd = host_fd_;
  Dialed d = co_await thread_.run([=] { return dial_inside(pid, ns_inode, host, host_fd, port); });
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
