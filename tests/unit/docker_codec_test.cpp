// The Engine API shapes Berth writes and reads, checked without an engine:
// container and exec specs, inspect answers, errors, progress lines, API
// version negotiation, DOCKER_HOST parsing.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include "docker/docker_client.hpp"
#include "docker/json_codec.hpp"
#include "net/http_client.hpp"

using namespace berth;
using namespace berth::docker;
namespace json = boost::json;

TEST(DockerCodec, ContainerSpecCarriesEverySecuritySetting) {
  ContainerSpec s;
  s.name = "berth-x";
  s.image = "berth-test:latest";
  s.entrypoint = std::vector<std::string>{};
  s.cmd = {"sleep", "infinity"};
  s.user = "1000:1000";
  s.labels = {{"io.berth.managed", "true"}};
  s.binds = {"/data/files:/workspace"};
  s.init = true;
  s.cap_drop = {"ALL"};
  s.security_opt = {"no-new-privileges"};
  s.memory = s.memory_swap = 64 << 20;
  s.nano_cpus = 500'000'000;
  s.pids_limit = 64;
  s.network_mode = "none";
  auto v = json::parse(encode_container_spec(s)).as_object();
  EXPECT_EQ(v["Image"], "berth-test:latest");
  EXPECT_EQ(v["Entrypoint"], json::array());
  EXPECT_EQ(v["User"], "1000:1000");
  EXPECT_EQ(v["Labels"].at("io.berth.managed"), "true");
  auto& h = v["HostConfig"].as_object();
  EXPECT_EQ(h.at("Init"), true);
  EXPECT_EQ(h.at("CapDrop"), json::array({"ALL"}));
  EXPECT_EQ(h.at("SecurityOpt"), json::array({"no-new-privileges"}));
  EXPECT_EQ(h.at("Memory").as_int64(), 64 << 20);
  EXPECT_EQ(h.at("MemorySwap").as_int64(), 64 << 20);
  EXPECT_EQ(h.at("NanoCpus").as_int64(), 500'000'000);
  EXPECT_EQ(h.at("PidsLimit").as_int64(), 64);
  EXPECT_EQ(h.at("NetworkMode"), "none");
  EXPECT_EQ(h.at("Binds"), json::array({"/data/files:/workspace"}));
}

TEST(DockerCodec, ReadsAContainerInspect) {
  auto c = decode_container(R"({"Id":"abc","Name":"/berth-1","Image":"sha256:1",
    "State":{"Status":"exited","Running":false,"OOMKilled":true,"Dead":false,"ExitCode":137,"Pid":0,"Error":""},
    "Config":{"Image":"berth-test:latest","Labels":{"io.berth.project":"1"}},
    "HostConfig":{"Memory":67108864,"NanoCpus":5,"PidsLimit":64,"NetworkMode":"none"}})");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->name, "berth-1");
  EXPECT_EQ(c->config_image, "berth-test:latest");
  EXPECT_TRUE(c->state.oom_killed);
  EXPECT_EQ(c->state.exit_code, 137);
  EXPECT_EQ(c->labels.at("io.berth.project"), "1");
  EXPECT_EQ(c->pids_limit, 64);
}

TEST(DockerCodec, ReadsExecInspectWithNullExitCodeWhileRunning) {
  auto e = decode_exec(R"({"ID":"e1","Running":true,"ExitCode":null,"Pid":4242,"ProcessConfig":{"user":"1000"}})");
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->running);
  EXPECT_FALSE(e->exit_code);
  EXPECT_EQ(e->pid, 4242);
  EXPECT_EQ(e->user, "1000");
  auto done = decode_exec(R"({"ID":"e1","Running":false,"ExitCode":3,"Pid":4242})");
  ASSERT_TRUE(done && done->exit_code);
  EXPECT_EQ(*done->exit_code, 3);
}

TEST(DockerCodec, EngineErrorsKeepTheEngineMessage) {
  auto e = engine_error(409, R"({"message":"Conflict. The container name \"/x\" is already in use"})", "create");
  EXPECT_EQ(e.code, "conflict");
  EXPECT_NE(e.message.find("already in use"), std::string::npos);
  EXPECT_EQ(engine_error(404, "{}", "").code, "not_found");
  EXPECT_EQ(engine_error(500, "plain text\n", "").code, "internal");
  EXPECT_NE(engine_error(500, "plain text\n", "").message.find("plain text"), std::string::npos);
}

TEST(DockerCodec, ProgressLinesReportErrorsAndIds) {
  EXPECT_EQ(decode_progress(R"({"status":"sha256:abc"})").aux_id, "sha256:abc");
  EXPECT_EQ(decode_progress(R"({"stream":"Step 1/2 : FROM x\n"})").text, "Step 1/2 : FROM x\n");
  EXPECT_EQ(decode_progress(R"({"aux":{"ID":"sha256:def"}})").aux_id, "sha256:def");
  EXPECT_EQ(decode_progress(R"({"errorDetail":{"message":"boom"},"error":"boom"})").error, "boom");
}

TEST(DockerCodec, NegotiatesTheApiVersion) {
  EngineVersion v;
  v.api_version = "1.41";
  v.min_api_version = "1.12";
  EXPECT_EQ(*negotiate_api_version(v), "1.41");
  v.api_version = "1.51";
  v.min_api_version = "1.24";
  EXPECT_EQ(*negotiate_api_version(v), "1.47");
  v.min_api_version = "1.48";
  EXPECT_EQ(negotiate_api_version(v).error().code, "runtime_unavailable");
  v.api_version = "1.40";
  v.min_api_version = "1.12";
  EXPECT_EQ(negotiate_api_version(v).error().code, "runtime_unavailable");
}

TEST(DockerCodec, LabelFilterIsUrlEncodedJson) {
  EXPECT_EQ(label_filter({"io.berth.managed=true"}), "%7B%22label%22%3A%5B%22io.berth.managed%3Dtrue%22%5D%7D");
}

TEST(DockerHost, ParsesUnixAndTcpAndRefusesTheRest) {
  auto u = net::Endpoint::parse("unix:///var/run/docker.sock");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->kind, net::Endpoint::Kind::unix_socket);
  EXPECT_EQ(u->path, "/var/run/docker.sock");
  auto t = net::Endpoint::parse("tcp://127.0.0.1:2375");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->host, "127.0.0.1");
  EXPECT_EQ(t->port, "2375");
  auto v6 = net::Endpoint::parse("tcp://[::1]:2376");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  auto https = net::Endpoint::parse("https://example.test/jwks.json");
  ASSERT_TRUE(https);
  EXPECT_TRUE(https->tls);
  EXPECT_EQ(https->port, "443");
  EXPECT_FALSE(net::Endpoint::parse("unix://relative.sock"));
  EXPECT_FALSE(net::Endpoint::parse("ftp://x"));
  EXPECT_FALSE(net::Endpoint::parse("/var/run/docker.sock"));
  EXPECT_FALSE(net::Endpoint::parse("tcp://host:port"));
  boost::asio::io_context ioc;
  EXPECT_EQ(DockerClient::connect(ioc.get_executor(), "https://h:2376").error().code, "bad_config");
}
