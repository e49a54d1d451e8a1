// DockerClient against a real Docker Engine (the ctest fixture `docker`
// starts one and builds berth-test:latest). Every call of the client runs
// here at least once: images (inspect, list, import, build, remove),
// containers (create, start, stop, kill, remove, inspect, list, wait), exec
// with and without a TTY (input, output, resize, exit code) and the events
// stream. Each test names its objects with a fresh id and removes them.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdlib>
#include <optional>

#include "core/encoding.hpp"
#include "docker/docker_client.hpp"
#include "docker/image_recipes.hpp"
#include "docker/tar_writer.hpp"

namespace asio = boost::asio;
using namespace berth;
using namespace berth::docker;
using namespace std::chrono_literals;

namespace {

std::string docker_host() {
  const char* h = std::getenv("DOCKER_HOST");
  return h && *h ? h : "unix:///var/run/docker.sock";
}

// Runs one coroutine to completion on a fresh io_context; fails the test
// (instead of hanging) when it takes longer than `limit`.
template <class T>
T run(std::function<asio::awaitable<T>(DockerClient&)> body, std::chrono::seconds limit = 60s) {
  asio::io_context ioc;
  auto client = DockerClient::connect(ioc.get_executor(), docker_host());
  if (!client) throw std::runtime_error(client.error().message);
  std::optional<T> out;
  DockerClient& c = **client;
  asio::co_spawn(
      ioc, [&]() -> asio::awaitable<void> { out.emplace(co_await body(c)); },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  ioc.run_for(limit);
  if (!out) throw std::runtime_error("the engine call did not finish in time");
  return std::move(*out);
}

std::string fresh_name(std::string_view what) { return "berth-enginetest-" + std::string(what) + "-" + hex_encode(random_bytes(6)); }

// ctest runs each test in its own process, two at a time: a test cleans up
// only the containers of its own process, never another test's.
const std::string& this_run() {
  static const std::string id = hex_encode(random_bytes(8));
  return id;
}

ContainerSpec idle_container(const std::string& name, const std::string& image = kTestImage) {
  ContainerSpec spec;
  spec.name = name;
  spec.image = image;
  spec.labels = {{"io.berth.enginetest", name}, {"io.berth.enginetest.run", this_run()}};
  spec.network_mode = "none";
  spec.init = true;
  spec.user = "1000";
  spec.working_dir = "/workspace";
  return spec;
}

// Reads an exec stream until `needle` shows up (or EOF); answers all output.
asio::awaitable<std::string> read_until(ExecStream& s, std::string_view needle) {
  std::string all;
  while (all.find(needle) == std::string::npos) {
    auto chunk = co_await s.read();
    if (!chunk || chunk->eof) break;
    all += chunk->data;
  }
  co_return all;
}

asio::awaitable<std::string> read_to_eof(ExecStream& s) { co_return co_await read_until(s, std::string(1, '\0')); }

// Removes what a failed test left behind: every container of this process.
class DockerEngine : public ::testing::Test {
 protected:
  void TearDown() override {
    run<bool>([](DockerClient& c) -> asio::awaitable<bool> {
      std::vector<std::string> label(1, "io.berth.enginetest.run=" + this_run());
      auto left = co_await c.list_containers(label);
      if (left)
        for (auto& ct : *left) (void)co_await c.remove_container(ct.id);
      co_return true;
    });
  }
};

}  // namespace

TEST_F(DockerEngine, NegotiatesTheApiVersionAndPings) {
  auto v = run<Result<EngineVersion>>([](DockerClient& c) -> asio::awaitable<Result<EngineVersion>> {
    EXPECT_TRUE((co_await c.ping()).ok());
    co_return co_await c.version();
  });
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_FALSE(v->version.empty());
  EXPECT_EQ(v->os, "linux");
  // Berth speaks 1.41 (the engine in Debian bookworm) and newer.
  EXPECT_GE(std::stod(v->api_version), 1.41);
}

TEST_F(DockerEngine, ImportsBuildsListsAndRemovesImages) {
  auto tag = fresh_name("img") + ":latest";
  auto built = fresh_name("built") + ":latest";
  auto failure = run<std::string>([&](DockerClient& c) -> asio::awaitable<std::string> {
    // Import: a root with one file and a label set by a change line.
    TarWriter root;
    (void)root.add_file("hello.txt", "imported\n");
    std::vector<std::string> progress;
    // (Named, not braced: GCC 12 cannot put an initializer_list in a coroutine frame.)
    std::vector<std::string> changes(1, "LABEL io.berth.enginetest=imported");
    auto id = co_await c.import_image(root.finish(), tag, changes,
                                      [&](const std::string& line) { progress.push_back(line); });
    if (!id) co_return "import: " + id.error().message;
    auto info = co_await c.inspect_image(tag);
    if (!info) co_return "inspect: " + info.error().message;
    if (info->labels["io.berth.enginetest"] != "imported") co_return std::string("the import's change line was not applied");

    // Build: a context with a Dockerfile on top of the test image.
    TarWriter context;
    (void)context.add_file("Dockerfile", std::string("FROM ") + kTestImage +
                                             "\nCOPY note.txt /note.txt\nLABEL io.berth.enginetest=built\n");
    (void)context.add_file("note.txt", "built\n");
    progress.clear();
    auto bid = co_await c.build_image(context.finish(), built,
                                      [&](const std::string& line) { progress.push_back(line); });
    if (!bid) co_return "build: " + bid.error().message;
    if (progress.empty()) co_return std::string("the build reported no progress");
    auto binfo = co_await c.inspect_image(built);
    if (!binfo || binfo->labels["io.berth.enginetest"] != "built") co_return std::string("the built image is not there");

    auto list = co_await c.list_images();
    if (!list) co_return "list: " + list.error().message;
    int found = 0;
    for (auto& i : *list)
      for (auto& t : i.repo_tags) found += (t == tag || t == built);
    if (found != 2) co_return "list_images shows " + std::to_string(found) + " of the 2 new images";

    if (!(co_await c.remove_image(built, true)).ok()) co_return std::string("remove built");
    if (!(co_await c.remove_image(tag, true)).ok()) co_return std::string("remove imported");
    auto gone = co_await c.inspect_image(tag);
    if (gone || gone.error().code != "image_not_found") co_return std::string("a removed image still inspects");
    auto again = co_await c.remove_image(tag);
    if (again.ok() || again.error().code != "image_not_found") co_return std::string("removing it twice is not image_not_found");
    co_return std::string("");
  });
  EXPECT_EQ(failure, "");
}

TEST_F(DockerEngine, BuildErrorsComeBackWithTheEnginesMessage) {
  auto r = run<Result<std::string>>([](DockerClient& c) -> asio::awaitable<Result<std::string>> {
    TarWriter context;
    // A COPY of a file the context lacks: an error made by the engine itself
    // (a missing FROM image would make the engine try a registry).
    (void)context.add_file("Dockerfile", std::string("FROM ") + kTestImage + "\nCOPY berth-no-such-file /x\n");
    co_return co_await c.build_image(context.finish(), fresh_name("broken") + ":latest");
  });
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("berth-no-such-file"), std::string::npos) << r.error().message;
}

TEST_F(DockerEngine, ContainerLifecycleWithListWaitAndEvents) {
  auto name = fresh_name("life");
  auto failure = run<std::string>([&](DockerClient& c) -> asio::awaitable<std::string> {
    auto id = co_await c.create_container(idle_container(name));
    if (!id) co_return "create: " + id.error().message;
    auto twice = co_await c.create_container(idle_container(name));
    if (twice || twice.error().code != "conflict") co_return std::string("a second create with the same name is not a conflict");

    // Listen for this container's events while it starts and is killed.
    std::vector<std::string> actions;
    std::vector<std::string> labels(1, "io.berth.enginetest=" + name);
    bool listening = true;
    asio::co_spawn(
        co_await asio::this_coro::executor,
        [&]() -> asio::awaitable<void> {
          co_await c.events(labels, [&](const Event& e) {
            if (e.type == "container") actions.push_back(e.action);
            return e.action != "die";
          });
          listening = false;
        },
        asio::detached);
    asio::steady_timer pause(co_await asio::this_coro::executor);
    pause.expires_after(300ms);  // the events request reaches the engine first
    co_await pause.async_wait(asio::use_awaitable);

    if (!(co_await c.start_container(*id)).ok()) co_return std::string("start");
    auto info = co_await c.inspect_container(name);
    if (!info || !info->state.running) co_return std::string("not running after start");
    if (info->labels["io.berth.enginetest"] != name || info->network_mode != "none") co_return std::string("inspect fields");

    auto listed = co_await c.list_containers(labels);
    if (!listed || listed->size() != 1 || (*listed)[0].state != "running") co_return std::string("list by label");

    if (!(co_await c.kill_container(*id, "KILL")).ok()) co_return std::string("kill");
    auto code = co_await c.wait_container(*id);
    if (!code || *code != 137) co_return "wait after SIGKILL answers " + (code ? std::to_string(*code) : "an error");
    for (int i = 0; listening && i < 50; ++i) {
      pause.expires_after(100ms);
      co_await pause.async_wait(asio::use_awaitable);
    }
    bool started = false, died = false;
    for (auto& a : actions) started |= a == "start", died |= a == "die";
    if (!started || !died) {
      std::string seen;
      for (auto& a : actions) seen += a + " ";
      co_return "events did not show start and die, only: " + seen;
    }

    // Stop: a stopped container may be started and stopped again.
    if (!(co_await c.start_container(*id)).ok()) co_return std::string("restart");
    if (!(co_await c.stop_container(*id, 2s)).ok()) co_return std::string("stop");
    info = co_await c.inspect_container(*id);
    if (!info || info->state.running) co_return std::string("still running after stop");

    if (!(co_await c.remove_container(*id)).ok()) co_return std::string("remove");
    auto gone = co_await c.inspect_container(*id);
    if (gone || gone.error().code != "not_found") co_return std::string("a removed container still inspects");
    if (gone.error().message.empty()) co_return std::string("not_found without the engine's message");
    co_return std::string("");
  });
  EXPECT_EQ(failure, "");
}

TEST_F(DockerEngine, TtyExecTakesInputResizesAndReportsTheExitCode) {
  auto name = fresh_name("tty");
  auto failure = run<std::string>([&](DockerClient& c) -> asio::awaitable<std::string> {
    auto id = co_await c.create_container(idle_container(name));
    if (!id || !(co_await c.start_container(*id)).ok()) co_return std::string("container");
    ExecSpec spec;
    spec.cmd = {"sh"};
    spec.tty = true;
    spec.attach_stdin = true;
    spec.env = {"PS1=$ "};
    auto exec = co_await c.create_exec(*id, spec);
    if (!exec) co_return "create exec: " + exec.error().message;
    auto stream = co_await c.start_exec(*exec, true);
    if (!stream) co_return "start exec: " + stream.error().message;
    auto& s = **stream;

    if (!(co_await c.resize_exec(*exec, 100, 40)).ok()) co_return std::string("resize");
    (void)co_await s.write("stty size; echo end-$((6*7))\n");
    auto out = co_await read_until(s, "end-42");
    if (out.find("40 100") == std::string::npos) co_return "stty size after resize printed: " + out;

    if (!(co_await c.resize_exec(*exec, 132, 50)).ok()) co_return std::string("second resize");
    (void)co_await s.write("stty size; echo end-$((7*7))\n");
    out = co_await read_until(s, "end-49");
    if (out.find("50 132") == std::string::npos) co_return "stty size after the second resize printed: " + out;

    (void)co_await s.write("exit 3\n");
    (void)co_await read_to_eof(s);
    std::optional<int> exit_code;
    for (int i = 0; i < 50 && !exit_code; ++i) {
      auto info = co_await c.inspect_exec(*exec);
      if (info && !info->running) exit_code = info->exit_code;
      asio::steady_timer t(co_await asio::this_coro::executor, 50ms);
      co_await t.async_wait(asio::use_awaitable);
    }
    (void)co_await c.remove_container(*id);
    if (exit_code != 3) co_return "exit code " + (exit_code ? std::to_string(*exit_code) : "none");
    co_return std::string("");
  });
  EXPECT_EQ(failure, "");
}

TEST_F(DockerEngine, PlainExecSeparatesStdoutAndStderrAndGetsStdinEof) {
  auto name = fresh_name("plain");
  auto failure = run<std::string>([&](DockerClient& c) -> asio::awaitable<std::string> {
    auto id = co_await c.create_container(idle_container(name));
    if (!id || !(co_await c.start_container(*id)).ok()) co_return std::string("container");
    ExecSpec spec;
    spec.cmd = {"sh", "-c", "tr a-z A-Z; echo oops >&2; exit 5"};
    spec.attach_stdin = true;
    auto exec = co_await c.create_exec(*id, spec);
    if (!exec) co_return std::string("create exec");
    auto stream = co_await c.start_exec(*exec, false);
    if (!stream) co_return "start exec: " + stream.error().message;
    (void)co_await (*stream)->write("shout\n");
    (*stream)->close_input();
    std::string out, err;
    for (;;) {
      auto chunk = co_await (*stream)->read();
      if (!chunk || chunk->eof) break;
      (chunk->stream == StreamId::stderr_ ? err : out) += chunk->data;
    }
    auto info = co_await c.inspect_exec(*exec);
    (void)co_await c.remove_container(*id);
    if (out != "SHOUT\n") co_return "stdout: " + out;
    if (err != "oops\n") co_return "stderr: " + err;
    if (!info || info->exit_code != 5) co_return std::string("exit code");
    co_return std::string("");
  });
  EXPECT_EQ(failure, "");
}

TEST_F(DockerEngine, MissingThingsAreNotFoundAndABadHostIsUnavailable) {
  auto failure = run<std::string>([](DockerClient& c) -> asio::awaitable<std::string> {
    auto ci = co_await c.inspect_container("berth-enginetest-none-" + hex_encode(random_bytes(4)));
    if (ci || ci.error().code != "not_found") co_return std::string("inspect missing container");
    auto ii = co_await c.inspect_image("berth-none-" + hex_encode(random_bytes(4)) + ":latest");
    if (ii || ii.error().code != "image_not_found") co_return std::string("inspect missing image");
    if (ii.error().message.find("berth image build") == std::string::npos) co_return "no fix in: " + ii.error().message;
    ExecSpec trivial;
    trivial.cmd = {"true"};
    auto ex = co_await c.create_exec("berth-enginetest-none", trivial);
    if (ex || ex.error().code != "not_found") co_return std::string("exec in a missing container");
    co_return std::string("");
  });
  EXPECT_EQ(failure, "");

  asio::io_context ioc;
  auto nowhere = DockerClient::connect(ioc.get_executor(), "unix:///nonexistent/docker.sock");
  ASSERT_TRUE(nowhere);
  std::optional<Status> ping;
  DockerClient& c = **nowhere;
  asio::co_spawn(ioc, [&]() -> asio::awaitable<void> { ping.emplace(co_await c.ping()); }, asio::detached);
  ioc.run_for(10s);
  ASSERT_TRUE(ping);
  ASSERT_FALSE(ping->ok());
  EXPECT_EQ(ping->error().code, "runtime_unavailable");
}
