// The project container's plan (DESIGN §8) and the exec payload's checks.
#include <gtest/gtest.h>

#include <filesystem>

#include <boost/json.hpp>

#include "api/exec_request.hpp"
#include "core/encoding.hpp"
#include "workspace/container_plan.hpp"

using namespace berth;

TEST(ContainerPlan, FollowsTheSecurityDefaultsAndTheConfig) {
  Config config;
  // A data dir of the test's own: RuntimeOptions keeps the instance id there.
  auto dir = std::filesystem::temp_directory_path() / ("berth-plan-" + random_token(6));
  config.data_dir = dir.string() + "/";
  config.image = "berth-test:latest";
  config.container_memory = "256m";
  config.container_cpus = 1.5;
  config.container_pids = 100;
  config.container_tmp_size = "16m";
  auto o = workspace::RuntimeOptions::from(config);
  ASSERT_TRUE(o) << o.error().message;
  auto s = workspace::container_spec_for(*o, "p1", "img:1");
  EXPECT_EQ(s.name, "berth-p1");
  EXPECT_EQ(s.labels.at("io.berth.managed"), "true");
  EXPECT_EQ(s.labels.at("io.berth.project"), "p1");
  EXPECT_EQ(s.labels.at("io.berth.instance"), o->instance_id);
  EXPECT_EQ(o->instance_id.size(), 36u);
  EXPECT_EQ(s.binds, std::vector<std::string>{dir.string() + "/projects/p1/disk/files:/workspace"});
  EXPECT_EQ(o->project_quota, 1LL << 30);  // the default
  // Nothing writable but /workspace and tmpfs mounts of a set size.
  EXPECT_TRUE(s.readonly_rootfs);
  EXPECT_EQ(s.shm_size, 16 << 20);
  ASSERT_EQ(s.tmpfs.size(), 3u);
  for (const char* place : {"/tmp", "/var/tmp", "/home/user"})
    EXPECT_NE(s.tmpfs.at(place).find("size=16384k"), std::string::npos) << place;
  EXPECT_NE(s.tmpfs.at("/home/user").find("uid=1000"), std::string::npos);
  // The id is kept: a restart owns the same containers.
  EXPECT_EQ(workspace::RuntimeOptions::from(config)->instance_id, o->instance_id);
  std::filesystem::remove_all(dir);
  EXPECT_EQ(s.working_dir, "/workspace");
  EXPECT_EQ(s.user, "1000:1000");
  EXPECT_TRUE(s.init);
  EXPECT_EQ(s.cap_drop, std::vector<std::string>{"ALL"});
  EXPECT_EQ(s.security_opt, std::vector<std::string>{"no-new-privileges"});
  EXPECT_EQ(s.memory, 256 << 20);
  EXPECT_EQ(s.memory_swap, s.memory);
  EXPECT_EQ(s.nano_cpus, 1'500'000'000);
  EXPECT_EQ(s.pids_limit, 100);
  EXPECT_EQ(s.network_mode, "none");
  EXPECT_EQ(workspace::image_for_template(*o, "berth-workspace:latest"), "berth-test:latest");
  EXPECT_EQ(workspace::image_for_template(*o, "python:3.12"), "python:3.12");
}

TEST(ContainerPlan, RefusesNonsenseLimits) {
  Config config;
  config.container_memory = "lots";
  EXPECT_EQ(workspace::RuntimeOptions::from(config).error().code, "bad_config");
  config.container_memory = "1g";
  config.container_cpus = 0;
  EXPECT_FALSE(workspace::RuntimeOptions::from(config));
  config.container_cpus = 1;
  config.project_quota = "8m";  // below what ext4 needs to be of use
  EXPECT_EQ(workspace::RuntimeOptions::from(config).error().code, "bad_config");
  config.project_quota = "off";
  EXPECT_EQ(workspace::RuntimeOptions::from(config)->project_quota, 0);
}

TEST(ExecRequest, StringsRunUnderShAndArraysAsIs) {
  auto r = api::parse_exec_request(
      boost::json::parse(R"({"command":"echo hi","cwd":"src","env":{"A":"1"},"timeoutMs":500})").as_object());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->argv, (std::vector<std::string>{"sh", "-c", "echo hi"}));
  EXPECT_EQ(r->cwd, "src");
  EXPECT_EQ(r->env, std::vector<std::string>{"A=1"});
  EXPECT_EQ(r->timeout.count(), 500);
  auto a = api::parse_exec_request(boost::json::parse(R"({"command":["ls","-l"]})").as_object());
  ASSERT_TRUE(a);
  EXPECT_EQ(a->argv, (std::vector<std::string>{"ls", "-l"}));
  EXPECT_EQ(a->timeout.count(), api::kDefaultExecTimeoutMs);
  for (auto bad : {R"({})", R"({"command":""})", R"({"command":[]})", R"({"command":[""]})", R"({"command":7})",
                   R"({"command":"x","timeoutMs":-1})", R"({"command":"x","timeoutMs":99999999999})",
                   R"({"command":"x","env":{"1A":"x"}})", R"({"command":"x","env":[]})", R"({"command":"x","cwd":5})"})
    EXPECT_EQ(api::parse_exec_request(boost::json::parse(bad).as_object()).error().code, "bad_request") << bad;
}
