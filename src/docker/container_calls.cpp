// Container calls of DockerClient: create, start, stop, kill, remove,
// inspect, list by label, wait.
#include <cstdlib>

#include "docker/docker_client.hpp"
#include "docker/json_codec.hpp"

namespace berth::docker {
namespace asio = boost::asio;

namespace {
Error missing(const std::string& id) { return make_error("not_found", "no container " + id); }
}  // namespace

asio::awaitable<Result<std::string>> DockerClient::create_container(const ContainerSpec& spec) {
  std::string path = "/containers/create";
  if (!spec.name.empty()) path += "?name=" + url_encode(spec.name);
  Call request{.method = "POST", .path = path, .body = encode_container_spec(spec)};
  auto res = co_await call(std::move(request));
  if (!res) co_return res.error();
  if (res->status == 404)
    co_return make_error("image_not_found",
                         "the image " + spec.image + " is not on this Docker Engine; run `berth image build`");
  if (res->status != 201) co_return engine_error(res->status, res->body, "create container " + spec.name);
  co_return decode_id(res->body);
}

asio::awaitable<Status> DockerClient::start_container(const std::string& id) {
  Call request{.method = "POST", .path = "/containers/" + id + "/start"};
  auto res = co_await call(std::move(request));
  if (!res) co_return res.error();
  if (res->status == 404) co_return missing(id);
  if (res->status != 204 && res->status != 304) co_return engine_error(res->status, res->body, "start container");
  co_return Ok{};
}

asio::awaitable<Status> DockerClient::stop_container(const std::string& id, std::chrono::seconds timeout) {
  Call request{.method = "POST",
               .path = "/containers/" + id + "/stop?t=" + std::to_string(timeout.count()),
               .timeout = timeout + std::chrono::seconds(30)};
  auto res = co_await call(std::move(request));
  if (!res) co_return res.error();
  if (res->status == 404) co_return missing(id);
  if (res->status != 204 && res->status != 304) co_return engine_error(res->status, res->body, "stop container");
  co_return Ok{};
}

asio::awaitable<Status> DockerClient::kill_container(const std::string& id, const std::string& signal) {
  Call request{.method = "POST", .path = "/containers/" + id + "/kill?signal=" + url_encode(signal)};
  auto res = co_await call(std::move(request));
  if (!res) co_return res.error();
  if (res->status == 404) co_return missing(id);
  if (res->status != 204) co_return engine_error(res->status, res->body, "kill container");
  co_return Ok{};
}

asio::awaitable<Status> DockerClient::remove_container(const std::string& id, bool force) {
  Call request{.method = "DELETE", .path = "/containers/" + id + "?v=1" + std::string(force ? "&force=1" : "")};
  auto res = co_await call(std::move(request));
  if (!res) co_return res.error();
  if (res->status == 404) co_return missing(id);
  if (res->status != 204) co_return engine_error(res->status, res->body, "remove container");
  co_return Ok{};
}

asio::awaitable<Result<ContainerInfo>> DockerClient::inspect_container(const std::string& id_or_name) {
  Call request{.path = "/containers/" + url_encode(id_or_name) + "/json"};
  auto res = co_await call(std::move(request));
  if (!res) co_return res.error();
  if (res->status == 404) co_return missing(id_or_name);
  if (res->status != 200) co_return engine_error(res->status, res->body, "inspect container");
  co_return decode_container(res->body);
}

asio::awaitable<Result<std::vector<ContainerSummary>>> DockerClient::list_containers(
    const std::vector<std::string>& labels, bool all) {
  std::string path = std::string("/containers/json?all=") + (all ? "1" : "0");
  if (!labels.empty()) path += "&filters=" + label_filter(labels);
  Call request{.path = path};
  auto res = co_await call(std::move(request));
  if (!res) co_return res.error();
  if (res->status != 200) co_return engine_error(res->status, res->body, "list containers");
  co_return decode_container_list(res->body);
}

asio::awaitable<Result<int>> DockerClient::wait_container(const std::string& id) {
  // No deadline: a container may run for days; the caller cancels by removing it.
  Call request{.method = "POST", .path = "/containers/" + id + "/wait", .timeout = {}};
  auto res = co_await call(std::move(request));
  if (!res) co_return res.error();
  if (res->status == 404) co_return missing(id);
  if (res->status != 200) co_return engine_error(res->status, res->body, "wait for container");
  // {"StatusCode": n, "Error": null}
  auto pos = res->body.find("\"StatusCode\":");
  if (pos == std::string::npos) co_return make_error("internal", "Docker: wait answered without StatusCode");
  co_return std::atoi(res->body.c_str() + pos + 13);
}

}  // namespace berth::docker
