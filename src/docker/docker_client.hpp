#pragma once
// A client of the Docker Engine API (DESIGN §2) over DOCKER_HOST — a unix
// socket by default, or tcp://. Async on Asio; every call answers a Result
// whose error carries the engine's own message. Codes: runtime_unavailable
// (the engine does not answer), image_not_found, not_found, conflict,
// internal (anything else the engine refused).
//
// The API version is negotiated on first use from GET /version (1.41, the
// engine in Debian bookworm, up to 1.47), and every path is prefixed with it.
// Thread-safe: calls may run concurrently from any thread.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "docker/exec_stream.hpp"
#include "docker/types.hpp"
#include "net/http_client.hpp"

namespace berth::docker {

class DockerClient {
 public:
  using Progress = std::function<void(const std::string& line)>;
  using EventSink = std::function<bool(const Event&)>;  // false: stop listening

  DockerClient(boost::asio::any_io_executor executor, net::Endpoint endpoint);
  // From a DOCKER_HOST value (unix:///..., tcp://host:port).
  static Result<std::unique_ptr<DockerClient>> connect(boost::asio::any_io_executor executor,
                                                       const std::string& docker_host);

  const net::Endpoint& endpoint() const { return http_.endpoint(); }

  // --- engine
  boost::asio::awaitable<Status> ping(std::chrono::milliseconds timeout = std::chrono::seconds(2));
  boost::asio::awaitable<Result<EngineVersion>> version();
  std::string api_version() const;  // "" until negotiated

  // --- images
  boost::asio::awaitable<Result<ImageInfo>> inspect_image(const std::string& name);
  boost::asio::awaitable<Result<std::vector<ImageInfo>>> list_images();
  // Imports a root file system tar (in memory, or streamed from a file) as
  // `repo_tag`; `changes` are Dockerfile lines applied on top (USER, CMD...).
  boost::asio::awaitable<Result<std::string>> import_image(std::string tar, const std::string& repo_tag,
                                                           const std::vector<std::string>& changes,
                                                           Progress progress = {});
  boost::asio::awaitable<Result<std::string>> import_image_file(const std::string& tar_path,
                                                                const std::string& repo_tag,
                                                                const std::vector<std::string>& changes,
                                                                Progress progress = {});
  // Builds from a context tar holding a Dockerfile; answers the image id.
  boost::asio::awaitable<Result<std::string>> build_image(std::string context_tar, const std::string& tag,
                                                          Progress progress = {});
  boost::asio::awaitable<Status> remove_image(const std::string& name, bool force = false);

  // --- containers
  boost::asio::awaitable<Result<std::string>> create_container(const ContainerSpec& spec);  // the id
  boost::asio::awaitable<Status> start_container(const std::string& id);
  boost::asio::awaitable<Status> stop_container(const std::string& id, std::chrono::seconds timeout);
  boost::asio::awaitable<Status> kill_container(const std::string& id, const std::string& signal = "KILL");
  boost::asio::awaitable<Status> remove_container(const std::string& id, bool force = true);
  boost::asio::awaitable<Result<ContainerInfo>> inspect_container(const std::string& id_or_name);
  // Containers carrying every one of the labels ("key=value" or "key").
  boost::asio::awaitable<Result<std::vector<ContainerSummary>>> list_containers(const std::vector<std::string>& labels,
                                                                                bool all = true);
  // Waits until the container stops; answers its exit code.
  boost::asio::awaitable<Result<int>> wait_container(const std::string& id);

  // --- exec
  boost::asio::awaitable<Result<std::string>> create_exec(const std::string& container, const ExecSpec& spec);
  // Starts the exec with its connection hijacked (both directions).
  boost::asio::awaitable<Result<std::unique_ptr<ExecStream>>> start_exec(const std::string& exec_id, bool tty);
  boost::asio::awaitable<Status> resize_exec(const std::string& exec_id, int cols, int rows);
  boost::asio::awaitable<Result<ExecInfo>> inspect_exec(const std::string& exec_id);
  // Docker cannot kill an exec (DESIGN §11): find the exec's pid inside the
  // container (host Pid → NSpid in /proc) and kill its process group from a
  // second exec. Works when the engine runs on this host.
  boost::asio::awaitable<Status> kill_exec_process(const std::string& container, const std::string& exec_id,
                                                   const std::string& signal = "KILL");
  // The exec's pid inside its container, which is also its session id (runc
  // gives every exec a session of its own); 0 once it has ended. Needs the
  // engine on this host, as kill_exec_process does.
  boost::asio::awaitable<Result<int>> exec_container_pid(const std::string& exec_id);
  // Ends every process of session `session_id` in the container: a terminal's
  // shell, the jobs it put in process groups of their own, their children.
  // SIGHUP, SIGCONT and SIGTERM first (an interactive shell ignores TERM and
  // quits on HUP), SIGKILL for whatever is left after `grace`. Runs from a
  // second exec as `user` (the container has no CAP_KILL); answers once the
  // session is empty or killed.
  boost::asio::awaitable<Status> end_exec_session(const std::string& container, int session_id,
                                                  const std::string& user, std::chrono::milliseconds grace);

  // --- events: calls sink for every event until it answers false or the
  // engine closes the stream. `filters` is the Engine's filter JSON map.
  boost::asio::awaitable<Status> events(const std::vector<std::string>& labels, EventSink sink);

 private:
  struct Call {
    std::string method = "GET";
    std::string path;  // after the version prefix: "/containers/json"
    std::string body;
    std::string content_type = "application/json";
    std::string body_file;
    std::chrono::milliseconds timeout = std::chrono::seconds(60);
  };
  boost::asio::awaitable<Result<std::string>> prefix();
  static net::ClientRequest to_request(Call&& c, const std::string& prefix);
  // By reference: GCC 12 bit-copies a braced aggregate passed by value to a
  // coroutine, leaving its strings pointing into the caller's frame.
  boost::asio::awaitable<Result<net::ClientResponse>> call(Call&& c);
  boost::asio::awaitable<Result<std::string>> progress_call(Call&& c, Progress progress);
  // Runs a short helper command (a killer) to its end, its output dropped.
  boost::asio::awaitable<Status> run_to_end(const std::string& container, const ExecSpec& spec);

  net::HttpClient http_;
  mutable std::mutex mu_;
  std::string api_version_;
};

// Maps an engine answer with an error status to an Error whose code is one
// of the catalogue's (404 → not_found, 409 → conflict, ...).
Error engine_error(int status, std::string_view body, std::string_view what);

}  // namespace berth::docker
