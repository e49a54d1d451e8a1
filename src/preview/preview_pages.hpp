#pragma once
// The small pages a preview host answers with when it cannot show the app
// (preview_proxy.cpp): each has its status, a stable code (sent as
// X-Berth-Error) and words that say what to do. Pure.
#include <chrono>
#include <cstddef>
#include <string>

#include "core/result.hpp"

namespace berth::preview {

struct Page {
  int status = 200;
  std::string code;  // empty on the redirect
  std::string html;
  bool keep_alive = false;
};

Page no_such_preview();                            // 404 not_found
Page refused(const Error& why);                    // the gate's: 401 unauthorized, 404 not_found
Page project_stopped();                            // 503 not_running
Page port_closed(int port);                        // 502 port_closed
Page bad_gateway(bool timed_out, bool header_too_large, std::chrono::seconds idle);  // 502/504 bad_gateway
Page too_many_connections(std::size_t bound);      // 503 limit_reached
Page header_too_large(std::size_t bound);          // 431 too_large
Page request_timeout();                            // 408 timeout
Page bad_request(const std::string& what);         // 400 bad_request
Page misdirected();                                // 421 misdirected
Page redirect();                                   // 302, after a session link

}  // namespace berth::preview
