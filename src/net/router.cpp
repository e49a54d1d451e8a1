#include "net/router.hpp"

namespace berth::net {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i <= path.size()) {
    auto slash = path.find('/', i);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > i) out.emplace_back(path.substr(i, slash - i));
    i = slash + 1;
  }
  return out;
}

void Router::add(std::string method, std::string pattern, Handler handler) {
  routes_.push_back(Route{std::move(method), std::move(pattern), std::move(handler)});
}

void Router::add_streaming(std::string method, std::string pattern, Handler handler) {
  routes_.push_back(Route{std::move(method), std::move(pattern), std::move(handler), true});
  has_streaming_ = true;
}

void Router::set_fallback(Handler handler) { fallback_ = Route{"GET", "/*", std::move(handler)}; }

namespace {
bool match_segments(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
                    std::map<std::string, std::string>* params) {
  if (pattern.size() != path.size()) return false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const auto& p = pattern[i];
    if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
      if (params) (*params)[p.substr(1, p.size() - 2)] = path[i];
    } else if (p != path[i]) {
      return false;
    }
  }
  return true;
}
}  // namespace

Router::Match Router::match(HttpRequest& req) const {
  Match m;
  auto segments = split_path(req.path);
  for (const auto& r : routes_) {
    auto pattern = split_path(r.pattern);
    if (!match_segments(pattern, segments, nullptr)) continue;
    if (r.method == req.method || (req.method == "HEAD" && r.method == "GET")) {
      req.params.clear();
      match_segments(pattern, segments, &req.params);
      req.route = r.pattern;
      m.route = &r;
      m.status = 200;
      return m;
    }
    m.status = 405;
    if (!m.allow.empty()) m.allow += ", ";
    m.allow += r.method;
  }
  if (m.status == 404 && fallback_ && (req.method == "GET" || req.method == "HEAD")) {
    req.params.clear();
    req.route = fallback_->pattern;
    m.route = &*fallback_;
    m.status = 200;
  }
  return m;
}

// Asked of every request before its body is read: only the few streaming
// routes are compared, so a plain request pays one split of its path.
bool Router::streams_body(const std::string& method, const std::string& path) const {
  if (!has_streaming_) return false;
  auto segments = split_path(path);
  for (const auto& r : routes_)
    if (r.streams_body && r.method == method && match_segments(split_path(r.pattern), segments, nullptr)) return true;
  return false;
}

}  // namespace berth::net
