#pragma once
// Which TCP ports a container's programs listen on, read from outside the
// container (DESIGN §5, previews): /proc/<pid>/net/tcp and tcp6 of any
// process in it describe its network namespace, so no agent runs inside.
#include <set>
#include <string_view>

#include "core/result.hpp"

namespace berth::preview {

// Pure: the local ports of the sockets in LISTEN state (st 0A) in the text
// of a /proc/net/tcp or tcp6 file. Lines it cannot read are skipped.
std::set<int> parse_listening_ports(std::string_view proc_net_tcp);

// Blocking (worker pool): both files of `pid`'s namespace, merged; not_found
// when the process is gone. The text lists every TCP socket of the
// namespace, so it costs in proportion to them all (TIME_WAIT included).
Result<std::set<int>> listening_ports(int pid);

// Blocking (worker pool): the same, asked of the kernel through a
// NETLINK_SOCK_DIAG socket made inside the namespace
// (NamespaceDialer::open_diag_socket), for LISTEN sockets only: the kernel
// walks its listening table alone and formats no text.
Result<std::set<int>> listening_ports_diag(int netlink_fd);

}  // namespace berth::preview
