#include "preview/preview_pages.hpp"

namespace berth::preview {
namespace {

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

Page page(int status, std::string code, const std::string& title, const std::string& words) {
  return {status, std::move(code),
          "<!doctype html><html lang=en><meta charset=utf-8><meta name=viewport content=\"width=device-width\">"
          "<title>" + escape(title) + " · Berth preview</title>"
          "<body style=\"font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em\">"
          "<h1>" + escape(title) + "</h1><p>" + escape(words) + "</p></body></html>\n"};
}

}  // namespace

Page no_such_preview() {
  return page(404, "not_found", "No such preview",
              "This address names no project you can see, or its port is out of range. Open previews from the "
              "ports list in the Berth editor.");
}

Page refused(const Error& why) {
  if (why.code == "unauthorized")
    return page(401, "unauthorized", "This preview is private",
                why.message.empty() ? "Open it from the ports list in the Berth editor: that signs you in to it."
                                    : why.message);
  if (why.code == "not_found") return no_such_preview();
  return page(500, why.code.empty() ? "internal" : why.code, "The preview cannot be opened", why.message);
}

Page project_stopped() {
  return page(503, "not_running", "The project is not running",
              "Start the project in the Berth editor, then reload this page.");
}

Page port_closed(int port) {
  return page(502, "port_closed", "Nothing listens on port " + std::to_string(port),
              "No program in the project's container listens on port " + std::to_string(port) +
                  " now. Start your server there (bound to 0.0.0.0 or localhost), then reload this page.");
}

Page bad_gateway(bool timed_out, bool header_too_large, std::chrono::seconds idle) {
  if (timed_out)
    return page(504, "timeout", "The app did not answer",
                "The program in the container accepted the request but sent nothing for " +
                    std::to_string(idle.count()) + " s (BERTH_PREVIEW_IDLE_TIMEOUT).");
  if (header_too_large)
    return page(502, "bad_gateway", "The app's answer is too large",
                "Its response headers exceed BERTH_PREVIEW_MAX_HEADER.");
  return page(502, "bad_gateway", "The app sent a broken answer",
              "The program in the container closed the connection or answered with something that is not HTTP.");
}

Page too_many_connections(std::size_t bound) {
  return page(503, "limit_reached", "Too many connections to this project's previews",
              "This project has " + std::to_string(bound) +
                  " preview connections open already (BERTH_PREVIEW_MAX_CONNECTIONS). Close some tabs, then reload.");
}

Page header_too_large(std::size_t bound) {
  return page(431, "too_large", "Request headers too large",
              "The request's headers exceed " + std::to_string(bound) + " bytes (BERTH_PREVIEW_MAX_HEADER).");
}

Page request_timeout() {
  return page(408, "timeout", "The request did not arrive in time", "Its headers stopped arriving.");
}

Page bad_request(const std::string& what) {
  return page(400, "bad_request", "Malformed request", "The request is not valid HTTP/1.1: " + what + ".");
}

Page misdirected() {
  return page(421, "misdirected", "Wrong connection",
              "This connection serves another preview; the browser should open a new one.");
}

Page redirect() {
  Page p = page(302, "", "Opening the preview", "Opening the app…");
  p.keep_alive = false;
  return p;
}

}  // namespace berth::preview
