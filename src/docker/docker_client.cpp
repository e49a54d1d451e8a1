// The transport half of DockerClient: version negotiation, error mapping,
// progress streams, and the engine and image calls. Containers and execs
// live in container_calls.cpp and exec_calls.cpp.
#include "docker/docker_client.hpp"

#include "docker/json_codec.hpp"

namespace berth::docker {
namespace asio = boost::asio;

Error engine_error(int status, std::string_view body, std::string_view what) {
  std::string message = "Docker: " + engine_message(body);
  if (!what.empty()) message = std::string(what) + ": " + message;
  switch (status) {
    case 400:
      return make_error("bad_request", message);
    case 404:
      return make_error("not_found", message);
    case 409:
      return make_error("conflict", message);
    default:
      return make_error("internal", message + " (HTTP " + std::to_string(status) + ")");
  }
}

namespace {
Error unavailable(const net::Endpoint& ep, const Error& transport) {
  return make_error("runtime_unavailable", "the Docker Engine does not answer on " + ep.describe() + " (" +
                                               transport.message +
                                               "); start it (scripts/dockerd-start) or set DOCKER_HOST");
}

std::pair<std::string, std::string> split_tag(const std::string& repo_tag) {
  auto slash = repo_tag.rfind('/');
  auto colon = repo_tag.rfind(':');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) return {repo_tag, "latest"};
  return {repo_tag.substr(0, colon), repo_tag.substr(colon + 1)};
}
}  // namespace

DockerClient::DockerClient(asio::any_io_executor executor, net::Endpoint endpoint)
    : http_(std::move(executor), std::move(endpoint)) {}

Result<std::unique_ptr<DockerClient>> DockerClient::connect(asio::any_io_executor executor,
                                                            const std::string& docker_host) {
  auto ep = net::Endpoint::parse(docker_host);
  if (!ep) return make_error("bad_config", "DOCKER_HOST: " + ep.error().message);
  if (ep->tls)
    return make_error("bad_config", "DOCKER_HOST: TLS to the Docker Engine is not supported; use unix:// or tcp://");
  return std::make_unique<DockerClient>(std::move(executor), std::move(*ep));
}

std::string DockerClient::api_version() const {
  std::lock_guard lock(mu_);
  return api_version_;
}

asio::awaitable<Result<std::string>> DockerClient::prefix() {
  {
    std::lock_guard lock(mu_);
    if (!api_version_.empty()) co_return "/v" + api_version_;
  }
  auto v = co_await version();
  if (!v) co_return v.error();
  std::lock_guard lock(mu_);
  co_return "/v" + api_version_;
}

// The HTTP request of a call, aimed at the negotiated API version.
net::ClientRequest DockerClient::to_request(Call&& c, const std::string& prefix) {
  net::ClientRequest req;
  req.method = c.method;
  req.target = prefix + c.path;
  req.body = std::move(c.body);
  req.body_file = std::move(c.body_file);
  if (!req.body.empty() || !req.body_file.empty()) req.content_type = c.content_type;
  return req;
}

asio::awaitable<Result<net::ClientResponse>> DockerClient::call(Call&& c) {
  auto p = co_await prefix();
  if (!p) co_return p.error();
  auto res = co_await http_.request(to_request(std::move(c), *p), c.timeout);
  if (!res) co_return unavailable(http_.endpoint(), res.error());
  co_return res;
}

// Image import and build answer a stream of JSON lines; a failure may come as
// a line with "error" after a 200. Answers the id the stream names last.
asio::awaitable<Result<std::string>> DockerClient::progress_call(Call&& c, Progress progress) {
  auto p = co_await prefix();
  if (!p) co_return p.error();
  net::ClientRequest req = to_request(std::move(c), *p);
  std::string pending, error, id;
  auto res = co_await http_.stream(
      std::move(req),
      [&](std::string_view piece) {
        pending.append(piece);
        std::size_t nl;
        while ((nl = pending.find('\n')) != std::string::npos) {
          auto line = decode_progress(std::string_view(pending).substr(0, nl));
          pending.erase(0, nl + 1);
          if (!line.error.empty()) error = line.error;
          if (!line.aux_id.empty()) id = line.aux_id;
          while (!line.text.empty() && line.text.back() == '\n') line.text.pop_back();
          if (progress && !line.text.empty()) progress(line.text);
        }
        return true;
      },
      c.timeout);
  if (!res) co_return unavailable(http_.endpoint(), res.error());
  if (res->status >= 300) co_return engine_error(res->status, res->body, "");
  if (!error.empty()) co_return make_error("internal", "Docker: " + error);
  co_return id;
}

// --- engine ------------------------------------------------------------------

asio::awaitable<Status> DockerClient::ping(std::chrono::milliseconds timeout) {
  net::ClientRequest req;
  req.target = "/_ping";
  auto res = co_await http_.request(std::move(req), timeout);
  if (!res) co_return unavailable(http_.endpoint(), res.error());
  if (res->status != 200) co_return engine_error(res->status, res->body, "ping");
  co_return Ok{};
}

asio::awaitable<Result<EngineVersion>> DockerClient::version() {
  net::ClientRequest req;
  req.target = "/version";  // unversioned: the one call every engine answers alike
  auto res = co_await http_.request(std::move(req), std::chrono::seconds(10));
  if (!res) co_return unavailable(http_.endpoint(), res.error());
  if (res->status != 200) co_return engine_error(res->status, res->body, "version");
  auto v = decode_version(res->body);
  if (!v) co_return v.error();
  auto picked = negotiate_api_version(*v);
  if (!picked) co_return picked.error();
  std::lock_guard lock(mu_);
  api_version_ = *picked;
  co_return v;
}

// --- images ------------------------------------------------------------------

asio::awaitable<Result<ImageInfo>> DockerClient::inspect_image(const std::string& name) {
  Call request{.path = "/images/" + name + "/json"};
  auto res = co_await call(std::move(request));
  if (!res) co_return res.error();
  if (res->status == 404)
    co_return make_error("image_not_found", "the image " + name +
                                                " is not on this Docker Engine; run `berth image build`" +
                                                (name.rfind("berth-", 0) == 0 ? "" : " or `docker pull " + name + "`"));
  if (res->status != 200) co_return engine_error(res->status, res->body, "image " + name);
  co_return decode_image(res->body);
}

asio::awaitable<Result<std::vector<ImageInfo>>> DockerClient::list_images() {
  Call request{.path = "/images/json"};
  auto res = co_await call(std::move(request));
  if (!res) co_return res.error();
  if (res->status != 200) co_return engine_error(res->status, res->body, "image list");
  co_return decode_image_list(res->body);
}

namespace {
std::string import_path(const std::string& repo_tag, const std::vector<std::string>& changes) {
  auto [repo, tag] = split_tag(repo_tag);
  std::string path = "/images/create?fromSrc=-&repo=" + url_encode(repo) + "&tag=" + url_encode(tag);
  for (auto& c : changes) path += "&changes=" + url_encode(c);
  return path;
}
}  // namespace

asio::awaitable<Result<std::string>> DockerClient::import_image(std::string tar, const std::string& repo_tag,
                                                                const std::vector<std::string>& changes,
                                                                Progress progress) {
  Call request{.method = "POST",
               .path = import_path(repo_tag, changes),
               .body = std::move(tar),
               .content_type = "application/x-tar",
               .timeout = std::chrono::minutes(30)};
  co_return co_await progress_call(std::move(request), std::move(progress));
}

asio::awaitable<Result<std::string>> DockerClient::import_image_file(const std::string& tar_path,
                                                                     const std::string& repo_tag,
                                                                     const std::vector<std::string>& changes,
                                                                     Progress progress) {
  Call request{.method = "POST",
               .path = import_path(repo_tag, changes),
               .content_type = "application/x-tar",
               .body_file = tar_path,
               .timeout = std::chrono::minutes(30)};
  co_return co_await progress_call(std::move(request), std::move(progress));
}

asio::awaitable<Result<std::string>> DockerClient::build_image(std::string context_tar, const std::string& tag,
                                                               Progress progress) {
  Call request{.method = "POST",
               .path = "/build?rm=1&forcerm=1&t=" + url_encode(tag),
               .body = std::move(context_tar),
               .content_type = "application/x-tar",
               .timeout = std::chrono::hours(1)};
  co_return co_await progress_call(std::move(request), std::move(progress));
}

asio::awaitable<Status> DockerClient::remove_image(const std::string& name, bool force) {
  Call request{.method = "DELETE", .path = "/images/" + name + (force ? "?force=1" : "")};
  auto res = co_await call(std::move(request));
  if (!res) co_return res.error();
  if (res->status == 404) co_return make_error("image_not_found", "no image " + name);
  if (res->status != 200) co_return engine_error(res->status, res->body, "remove image " + name);
  co_return Ok{};
}

}  // namespace berth::docker
