#include "docker/json_codec.hpp"

#include <boost/json.hpp>
#include <cstdio>

namespace berth::docker {
namespace json = boost::json;

namespace {

json::array strings(const std::vector<std::string>& v) {
  json::array a;
  for (auto& s : v) a.emplace_back(s);
  return a;
}

json::object labels_json(const Labels& labels) {
  json::object o;
  for (auto& [k, v] : labels) o[k] = v;
  return o;
}

// Lenient readers: the engine omits or nulls fields freely across versions.
std::string str(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}
std::int64_t num(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v) return 0;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return std::int64_t(v->as_uint64());
  if (v->is_double()) return std::int64_t(v->as_double());
  return 0;
}
bool flag(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_bool() && v->as_bool();
}
const json::object& sub(const json::object& o, std::string_view key) {
  static const json::object empty;
  auto* v = o.if_contains(key);
  return v && v->is_object() ? v->as_object() : empty;
}
Labels labels_of(const json::object& o, std::string_view key) {
  Labels out;
  for (auto& [k, v] : sub(o, key))
    if (v.is_string()) out[std::string(k)] = std::string(v.as_string());
  return out;
}
std::vector<std::string> string_list(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  auto* v = o.if_contains(key);
  if (v && v->is_array())
    for (auto& e : v->as_array())
      if (e.is_string()) out.emplace_back(e.as_string());
  return out;
}

Result<json::value> parse(std::string_view text, std::string_view what) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec) return make_error("internal", "the Docker Engine sent unreadable JSON for " + std::string(what));
  return v;
}

Result<json::object> parse_object(std::string_view text, std::string_view what) {
  auto v = parse(text, what);
  if (!v) return v.error();
  if (!v->is_object()) return make_error("internal", "the Docker Engine sent a non-object for " + std::string(what));
  return std::move(v->as_object());
}

ImageInfo image_from(const json::object& o) {
  ImageInfo i;
  i.id = str(o, "Id");
  i.repo_tags = string_list(o, "RepoTags");
  i.size = num(o, "Size");
  auto& config = sub(o, "Config");
  i.user = str(config, "User");
  i.workdir = str(config, "WorkingDir");
  i.labels = labels_of(config, "Labels");
  if (i.labels.empty()) i.labels = labels_of(o, "Labels");  // the list endpoint's shape
  return i;
}

std::pair<int, int> version_pair(const std::string& v) {
  int major = 0, minor = 0;
  std::sscanf(v.c_str(), "%d.%d", &major, &minor);
  return {major, minor};
}

}  // namespace

std::string encode_container_spec(const ContainerSpec& s) {
  json::object o;
  o["Image"] = s.image;
  if (!s.cmd.empty()) o["Cmd"] = strings(s.cmd);
  if (s.entrypoint) o["Entrypoint"] = strings(*s.entrypoint);
  if (!s.env.empty()) o["Env"] = strings(s.env);
  if (!s.user.empty()) o["User"] = s.user;
  if (!s.working_dir.empty()) o["WorkingDir"] = s.working_dir;
  if (!s.hostname.empty()) o["Hostname"] = s.hostname;
  if (!s.labels.empty()) o["Labels"] = labels_json(s.labels);
  if (s.stop_timeout) o["StopTimeout"] = *s.stop_timeout;
  o["AttachStdin"] = false;
  o["AttachStdout"] = false;
  o["AttachStderr"] = false;
  o["Tty"] = false;
  o["OpenStdin"] = false;
  json::object host;
  if (!s.binds.empty()) host["Binds"] = strings(s.binds);
  if (s.init) host["Init"] = true;
  if (s.readonly_rootfs) host["ReadonlyRootfs"] = true;
  if (s.shm_size > 0) host["ShmSize"] = s.shm_size;
  if (!s.tmpfs.empty()) {
    json::object mounts;
    for (auto& [path, options] : s.tmpfs) mounts[path] = options;
    host["Tmpfs"] = std::move(mounts);
  }
  if (!s.cap_drop.empty()) host["CapDrop"] = strings(s.cap_drop);
  if (!s.security_opt.empty()) host["SecurityOpt"] = strings(s.security_opt);
  if (s.memory > 0) host["Memory"] = s.memory;
  if (s.memory_swap != 0) host["MemorySwap"] = s.memory_swap;
  if (s.nano_cpus > 0) host["NanoCpus"] = s.nano_cpus;
  if (s.pids_limit > 0) host["PidsLimit"] = s.pids_limit;
  if (!s.network_mode.empty()) host["NetworkMode"] = s.network_mode;
  o["HostConfig"] = std::move(host);
  return json::serialize(o);
}

std::string encode_exec_spec(const ExecSpec& s) {
  json::object o;
  o["Cmd"] = strings(s.cmd);
  if (!s.env.empty()) o["Env"] = strings(s.env);
  if (!s.working_dir.empty()) o["WorkingDir"] = s.working_dir;
  if (!s.user.empty()) o["User"] = s.user;
  o["Tty"] = s.tty;
  o["AttachStdin"] = s.attach_stdin;
  o["AttachStdout"] = s.attach_stdout;
  o["AttachStderr"] = s.attach_stderr;
  return json::serialize(o);
}

Result<EngineVersion> decode_version(std::string_view text) {
  auto o = parse_object(text, "/version");
  if (!o) return o.error();
  EngineVersion v;
  v.version = str(*o, "Version");
  v.api_version = str(*o, "ApiVersion");
  v.min_api_version = str(*o, "MinAPIVersion");
  v.os = str(*o, "Os");
  v.arch = str(*o, "Arch");
  if (v.api_version.empty()) return make_error("internal", "the Docker Engine's /version has no ApiVersion");
  return v;
}

Result<ImageInfo> decode_image(std::string_view text) {
  auto o = parse_object(text, "an image");
  if (!o) return o.error();
  return image_from(*o);
}

Result<std::vector<ImageInfo>> decode_image_list(std::string_view text) {
  auto v = parse(text, "the image list");
  if (!v) return v.error();
  std::vector<ImageInfo> out;
  if (v->is_array())
    for (auto& e : v->as_array())
      if (e.is_object()) out.push_back(image_from(e.as_object()));
  return out;
}

Result<ContainerInfo> decode_container(std::string_view text) {
  auto o = parse_object(text, "a container");
  if (!o) return o.error();
  ContainerInfo c;
  c.id = str(*o, "Id");
  c.name = str(*o, "Name");
  if (!c.name.empty() && c.name.front() == '/') c.name.erase(0, 1);
  c.image = str(*o, "Image");
  auto& config = sub(*o, "Config");
  c.config_image = str(config, "Image");
  c.labels = labels_of(config, "Labels");
  auto& st = sub(*o, "State");
  c.state.status = str(st, "Status");
  c.state.running = flag(st, "Running");
  c.state.oom_killed = flag(st, "OOMKilled");
  c.state.dead = flag(st, "Dead");
  c.state.exit_code = int(num(st, "ExitCode"));
  c.state.pid = int(num(st, "Pid"));
  c.state.error = str(st, "Error");
  auto& host = sub(*o, "HostConfig");
  c.memory = num(host, "Memory");
  c.nano_cpus = num(host, "NanoCpus");
  c.pids_limit = num(host, "PidsLimit");
  c.network_mode = str(host, "NetworkMode");
  c.readonly_rootfs = flag(host, "ReadonlyRootfs");
  if (auto* ids = o->if_contains("ExecIDs"); ids && ids->is_array())
    for (auto& id : ids->as_array())
      if (id.is_string()) c.exec_ids.emplace_back(id.as_string());
  return c;
}

Result<std::vector<ContainerSummary>> decode_container_list(std::string_view text) {
  auto v = parse(text, "the container list");
  if (!v) return v.error();
  std::vector<ContainerSummary> out;
  if (!v->is_array()) return out;
  for (auto& e : v->as_array()) {
    if (!e.is_object()) continue;
    auto& o = e.as_object();
    ContainerSummary s;
    s.id = str(o, "Id");
    for (auto& n : string_list(o, "Names")) s.names.push_back(!n.empty() && n.front() == '/' ? n.substr(1) : n);
    s.image = str(o, "Image");
    s.state = str(o, "State");
    s.labels = labels_of(o, "Labels");
    out.push_back(std::move(s));
  }
  return out;
}

Result<ExecInfo> decode_exec(std::string_view text) {
  auto o = parse_object(text, "an exec");
  if (!o) return o.error();
  ExecInfo e;
  e.id = str(*o, "ID");
  e.container_id = str(*o, "ContainerID");
  e.running = flag(*o, "Running");
  e.pid = int(num(*o, "Pid"));
  e.user = str(sub(*o, "ProcessConfig"), "user");
  auto* code = o->if_contains("ExitCode");
  if (code && (code->is_int64() || code->is_uint64()) && !e.running) e.exit_code = int(num(*o, "ExitCode"));
  return e;
}

Result<Event> decode_event(std::string_view text) {
  auto o = parse_object(text, "an event");
  if (!o) return o.error();
  Event e;
  e.type = str(*o, "Type");
  e.action = str(*o, "Action");
  auto& actor = sub(*o, "Actor");
  e.id = str(actor, "ID");
  e.attributes = labels_of(actor, "Attributes");
  e.time_nano = num(*o, "timeNano");
  return e;
}

Result<std::string> decode_id(std::string_view text) {
  auto o = parse_object(text, "a created object");
  if (!o) return o.error();
  auto id = str(*o, "Id");
  if (id.empty()) return make_error("internal", "the Docker Engine answered without an Id");
  return id;
}

std::string engine_message(std::string_view body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (!ec && v.is_object()) {
    auto m = str(v.as_object(), "message");
    if (!m.empty()) return m;
  }
  std::string text(body.substr(0, 500));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

ProgressLine decode_progress(std::string_view line) {
  ProgressLine p;
  boost::system::error_code ec;
  auto v = json::parse(line, ec);
  if (ec || !v.is_object()) {
    p.text = std::string(line);
    return p;
  }
  auto& o = v.as_object();
  p.error = str(o, "error");
  if (p.error.empty()) p.error = str(sub(o, "errorDetail"), "message");
  p.text = str(o, "stream");
  if (p.text.empty()) {
    p.text = str(o, "status");
    auto progress = str(o, "progress");
    if (!progress.empty()) p.text += " " + progress;
    if (p.text.rfind("sha256:", 0) == 0) p.aux_id = p.text;
  }
  auto aux_id = str(sub(o, "aux"), "ID");
  if (!aux_id.empty()) p.aux_id = aux_id;
  return p;
}

Result<std::string> negotiate_api_version(const EngineVersion& engine) {
  constexpr std::pair<int, int> newest{1, 47}, oldest{1, 41};
  auto theirs = version_pair(engine.api_version);
  auto their_min = engine.min_api_version.empty() ? theirs : version_pair(engine.min_api_version);
  if (theirs < oldest)
    return make_error("runtime_unavailable", "the Docker Engine speaks API " + engine.api_version +
                                                 "; Berth needs 1.41 or newer (Docker 20.10+)");
  auto pick = std::min(theirs, newest);
  if (their_min > pick)
    return make_error("runtime_unavailable", "the Docker Engine's oldest API is " + engine.min_api_version +
                                                 ", newer than the 1.47 Berth knows");
  return std::to_string(pick.first) + "." + std::to_string(pick.second);
}

std::string label_filter(const std::vector<std::string>& labels) {
  json::object o;
  o["label"] = strings(labels);
  return url_encode(json::serialize(o));
}

std::string url_encode(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += char(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace berth::docker
