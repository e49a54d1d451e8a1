#include "api/exec_request.hpp"

#include <boost/json.hpp>
#include <cctype>

#include "core/encoding.hpp"

namespace berth::api {
namespace json = boost::json;

namespace {
Error bad(std::string message) { return make_error("bad_request", std::move(message)); }

bool clean(std::string_view s) { return s.find('\0') == std::string_view::npos; }

bool env_name(std::string_view k) {
  if (k.empty() || k.size() > 256 || std::isdigit(static_cast<unsigned char>(k[0]))) return false;
  for (unsigned char c : k)
    if (!std::isalnum(c) && c != '_') return false;
  return true;
}
}  // namespace

Result<workspace::ExecRequest> parse_exec_request(const json::object& body) {
  workspace::ExecRequest req;
  auto* command = body.if_contains("command");
  if (!command || command->is_null())
    return bad("'command' is required: a string (run by sh -c) or an array of strings");
  if (command->is_string()) {
    std::string_view c = command->as_string();
    if (c.empty() || c.size() > 65536 || !clean(c)) return bad("'command' must be 1 to 65536 characters with no NUL");
    req.argv = {"sh", "-c", std::string(c)};
  } else if (command->is_array()) {
    auto& a = command->as_array();
    if (a.empty() || a.size() > 1024) return bad("'command' as an array must hold 1 to 1024 strings");
    std::size_t total = 0;
    for (auto& v : a) {
      if (!v.is_string() || !clean(v.as_string())) return bad("'command' as an array must hold strings with no NUL");
      total += v.as_string().size();
      req.argv.emplace_back(v.as_string());
    }
    if (req.argv[0].empty() || total > 65536) return bad("'command': empty program name or over 65536 characters");
  } else {
    return bad("'command' must be a string (run by sh -c) or an array of strings");
  }
  if (auto* cwd = body.if_contains("cwd"); cwd && !cwd->is_null()) {
    if (!cwd->is_string() || cwd->as_string().size() > 4096 || !clean(cwd->as_string()))
      return bad("'cwd' must be a path (relative paths are under /workspace)");
    req.cwd = std::string(cwd->as_string());
  }
  if (auto* env = body.if_contains("env"); env && !env->is_null()) {
    if (!env->is_object()) return bad("'env' must be an object of NAME: \"value\" strings");
    if (env->as_object().size() > 256) return bad("'env' holds more than 256 variables");
    for (auto& [k, v] : env->as_object()) {
      if (!env_name(k)) return bad("'env': '" + std::string(k) + "' is not a variable name ([A-Za-z_][A-Za-z0-9_]*)");
      if (!v.is_string() || !clean(v.as_string()) || v.as_string().size() > 65536)
        return bad("'env." + std::string(k) + "' must be a string with no NUL");
      req.env.push_back(std::string(k) + "=" + std::string(v.as_string()));
    }
  }
  std::int64_t timeout = kDefaultExecTimeoutMs;
  if (auto* t = body.if_contains("timeoutMs"); t && !t->is_null()) {
    if (t->is_int64())
      timeout = t->as_int64();
    else if (t->is_uint64())
      timeout = std::int64_t(std::min<std::uint64_t>(t->as_uint64(), 1ULL << 62));
    else if (t->is_double() && t->as_double() == double(std::int64_t(t->as_double())))
      timeout = std::int64_t(t->as_double());
    else
      return bad("'timeoutMs' must be an integer number of milliseconds");
    if (timeout < 1 || timeout > kMaxExecTimeoutMs)
      return bad("'timeoutMs' must be between 1 and " + std::to_string(kMaxExecTimeoutMs));
  }
  req.timeout = std::chrono::milliseconds(timeout);
  return req;
}

namespace {
// A stream cut at the output bound may end inside a UTF-8 sequence: drop the
// incomplete tail so that text output stays text.
std::string_view without_cut_sequence(std::string_view s, bool truncated) {
  if (!truncated) return s;
  for (std::size_t back = 1; back <= 3 && back <= s.size(); ++back) {
    auto c = static_cast<unsigned char>(s[s.size() - back]);
    if ((c & 0xC0) != 0x80) {  // the lead byte of the last sequence
      std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
      return len > back ? s.substr(0, s.size() - back) : s;
    }
  }
  return s;
}

void put_output(json::object& out, const char* name, std::string_view bytes, bool truncated,
                const std::function<std::string(std::string)>& attach) {
  std::string encoding = std::string(name) + "Encoding";
  auto text = without_cut_sequence(bytes, truncated);
  if (is_valid_utf8(text)) {
    out[name] = text;
    out[encoding] = "utf8";
  } else if (attach) {
    out[name] = json::parse(attach(std::string(bytes)));
    out[encoding] = "binary";
  } else {
    out[name] = base64_encode(bytes);
    out[encoding] = "base64";
  }
}
}  // namespace

json::object exec_result_json(const docker::CommandResult& r, const std::function<std::string(std::string)>& attach) {
  json::object out{{"exitCode", r.exit_code}, {"truncated", r.truncated}, {"timedOut", r.timed_out}};
  put_output(out, "stdout", r.stdout_text, r.truncated, attach);
  put_output(out, "stderr", r.stderr_text, r.truncated, attach);
  return out;
}

}  // namespace berth::api
