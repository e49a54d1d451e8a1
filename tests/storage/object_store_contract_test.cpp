// The ObjectStore contract (storage/object_store.hpp), run on every backend:
// the local store, and the Supabase client against the stand-in server that
// reproduces the real Supabase Storage's behaviour. Whatever passes here may
// sit under a Workspace.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>
#include <memory>

#include "core/encoding.hpp"
#include "core/worker_pool.hpp"
#include "stand_in.hpp"
#include "storage/layout.hpp"
#include "storage/local/local_store.hpp"
#include "storage/project_objects.hpp"
#include "storage/supabase/supabase_store.hpp"

namespace berth::storage {
namespace {

namespace fs = std::filesystem;
using testing::run_coro;

struct Backend {
  std::string name;
};

class ObjectStoreContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("berth-store-" + hex_encode(random_bytes(6)));
    fs::create_directories(dir_);
    if (GetParam() == "local") {
      store_ = std::make_unique<local::LocalStore>((dir_ / "objects").string(), workers_, 1 << 20);
    } else {
      stand_in_ = std::make_unique<testing::StandIn>(std::vector<std::string>{"--max-upload-bytes", "1048576"});
      supabase::SupabaseOptions o;
      o.url = stand_in_->url();
      o.key = testing::StandIn::kKey;
      o.bucket = "contract";
      o.backoff_base = std::chrono::milliseconds(5);
      auto s = supabase::SupabaseStore::create(ioc_.get_executor(), workers_, o);
      ASSERT_TRUE(s) << s.error().message;
      store_ = std::move(*s);
    }
    auto prepared = run(store_->prepare());
    ASSERT_TRUE(prepared) << prepared.error().message;
  }
  void TearDown() override {
    store_.reset();
    stand_in_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  template <class T>
  T run(boost::asio::awaitable<T> op) {
    return run_coro(ioc_, std::move(op));
  }
  std::string put_text(const std::string& key, const std::string& text) {
    auto r = run(store_->put(key, PutSource::from_bytes(text, "text/plain")));
    EXPECT_TRUE(r) << key << ": " << r.error().message;
    return r ? r->sha256 : "";
  }
  std::vector<std::string> keys(const std::string& prefix) {
    auto l = run(store_->list(prefix));
    EXPECT_TRUE(l) << l.error().message;
    std::vector<std::string> out;
    if (l)
      for (auto& o : *l) out.push_back(o.key);
    return out;
  }

  boost::asio::io_context ioc_;
  WorkerPool workers_{2};
  fs::path dir_;
  std::unique_ptr<testing::StandIn> stand_in_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_P(ObjectStoreContract, PutGetHeadRoundTripBytesAndType) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(char(i));  // every byte value, NUL included
  auto put = run(store_->put("o/p/bin.dat", PutSource::from_bytes(bytes, "application/x-test")));
  ASSERT_TRUE(put) << put.error().message;
  EXPECT_EQ(put->size, 256u);
  EXPECT_EQ(put->sha256, sha256_hex(bytes));
  EXPECT_TRUE(put->stable);
  auto got = run(store_->get("o/p/bin.dat", 1 << 20));
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(*got, bytes);
  auto head = run(store_->head("o/p/bin.dat"));
  ASSERT_TRUE(head) << head.error().message;
  EXPECT_EQ(head->size, 256u);
  EXPECT_EQ(head->content_type, "application/x-test");
  EXPECT_FALSE(head->etag.empty());
  EXPECT_GT(head->modified_ms, 1'600'000'000'000);
}

TEST_P(ObjectStoreContract, PutOverwritesAndTheEtagFollowsTheContent) {
  put_text("o/p/a.txt", "one");
  auto first = run(store_->head("o/p/a.txt"));
  put_text("o/p/a.txt", "two!");
  auto second = run(store_->head("o/p/a.txt"));
  ASSERT_TRUE(first && second);
  EXPECT_NE(first->etag, second->etag);
  EXPECT_EQ(second->size, 4u);
  EXPECT_EQ(*run(store_->get("o/p/a.txt", 100)), "two!");
}

TEST_P(ObjectStoreContract, MissingObjectsAreNotFound) {
  EXPECT_EQ(run(store_->get("o/p/none", 100)).error().code, "not_found");
  EXPECT_EQ(run(store_->head("o/p/none")).error().code, "not_found");
  EXPECT_EQ(run(store_->get_to_file("o/p/none", (dir_ / "x").string())).error().code, "not_found");
  EXPECT_FALSE(fs::exists(dir_ / "x"));
  EXPECT_EQ(run(store_->copy("o/p/none", "o/p/b")).error().code, "not_found");
  EXPECT_EQ(run(store_->move("o/p/none", "o/p/b")).error().code, "not_found");
  EXPECT_TRUE(run(store_->remove("o/p/none")));  // deleting is idempotent
}

TEST_P(ObjectStoreContract, GetRefusesMoreThanAskedFor) {
  put_text("o/p/big", std::string(1000, 'x'));
  EXPECT_EQ(run(store_->get("o/p/big", 999)).error().code, "too_large");
}

TEST_P(ObjectStoreContract, StreamsFromAndToFiles) {
  std::string content;
  for (int i = 0; i < 200'000; ++i) content += char('a' + i % 26);
  auto src = dir_ / "src.txt";
  std::ofstream(src, std::ios::binary) << content;
  auto put = run(store_->put("o/p/dir/file.txt", PutSource::from_file(src.string(), "text/plain")));
  ASSERT_TRUE(put) << put.error().message;
  EXPECT_EQ(put->size, content.size());
  EXPECT_EQ(put->sha256, sha256_hex(content));
  EXPECT_TRUE(put->stable);
  auto dst = dir_ / "dst.txt";
  auto got = run(store_->get_to_file("o/p/dir/file.txt", dst.string()));
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->size, content.size());
  std::ifstream in(dst, std::ios::binary);
  std::string back((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(back, content);
  for (auto& e : fs::directory_iterator(dir_))  // no temporary file left beside the target
    if (e.is_regular_file()) {
      EXPECT_EQ(e.path().extension(), ".txt") << "left over: " << e.path();
    }
}

TEST_P(ObjectStoreContract, OversizedObjectsAreTooLarge) {
  auto r = run(store_->put("o/p/huge", PutSource::from_bytes(std::string((1 << 20) + 1, 'x'))));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "too_large");
  EXPECT_EQ(run(store_->head("o/p/huge")).error().code, "not_found");
}

TEST_P(ObjectStoreContract, ListIsRecursiveSortedAndPrefixExact) {
  for (auto k : {"o/p/b.txt", "o/p/a.txt", "o/p/src/main.py", "o/p/src/deep/x/y.z", "o/p2/other", "o/p/src.txt"})
    put_text(k, k);
  EXPECT_EQ(keys("o/p/"), (std::vector<std::string>{"o/p/a.txt", "o/p/b.txt", "o/p/src.txt", "o/p/src/deep/x/y.z",
                                                   "o/p/src/main.py"}));
  EXPECT_EQ(keys("o/p/src/"), (std::vector<std::string>{"o/p/src/deep/x/y.z", "o/p/src/main.py"}));
  EXPECT_EQ(keys("o/p/src"), (std::vector<std::string>{"o/p/src.txt", "o/p/src/deep/x/y.z", "o/p/src/main.py"}));
  EXPECT_TRUE(keys("o/nothing/").empty());
  auto l = run(store_->list("o/p/src/"));
  ASSERT_TRUE(l);
  EXPECT_EQ(l->at(1).size, std::string("o/p/src/main.py").size());
}

TEST_P(ObjectStoreContract, ListGetsEveryPage) {
  // Past one server page (the stand-in defaults to 100 per page; Berth asks for 1,000).
  std::vector<std::string> want;
  for (int i = 0; i < 1205; ++i) {
    char k[32];
    std::snprintf(k, sizeof k, "o/many/f%04d", i);
    want.push_back(k);
  }
  for (auto& k : want) ASSERT_TRUE(run(store_->put(k, PutSource::from_bytes("x"))));
  EXPECT_EQ(keys("o/many/"), want);
  auto gone = run(store_->remove_many(want));
  ASSERT_TRUE(gone) << gone.error().message;
  EXPECT_EQ(*gone, want.size());
  EXPECT_TRUE(keys("o/many/").empty());
}

TEST_P(ObjectStoreContract, RemoveManyCountsWhatExisted) {
  put_text("o/p/1", "1");
  put_text("o/p/2", "2");
  auto gone = run(store_->remove_many({"o/p/1", "o/p/2", "o/p/never", "o/p"}));
  ASSERT_TRUE(gone) << gone.error().message;
  EXPECT_EQ(*gone, 2u);
  EXPECT_TRUE(keys("o/").empty());
  EXPECT_EQ(*run(store_->remove_many({})), 0u);
}

TEST_P(ObjectStoreContract, CopyAndMoveReplaceTheDestination) {
  put_text("o/p/a", "A");
  put_text("o/p/b", "B");
  ASSERT_TRUE(run(store_->copy("o/p/a", "o/p/c")));
  EXPECT_EQ(*run(store_->get("o/p/c", 10)), "A");
  EXPECT_EQ(*run(store_->get("o/p/a", 10)), "A");
  ASSERT_TRUE(run(store_->copy("o/p/b", "o/p/c")));
  EXPECT_EQ(*run(store_->get("o/p/c", 10)), "B");
  auto moved = run(store_->move("o/p/a", "o/p/c"));
  ASSERT_TRUE(moved) << moved.error().message;
  EXPECT_EQ(*run(store_->get("o/p/c", 10)), "A");
  EXPECT_EQ(run(store_->head("o/p/a")).error().code, "not_found");
  ASSERT_TRUE(run(store_->move("o/p/c", "o/q/deeper/c")));
  EXPECT_EQ(keys("o/"), (std::vector<std::string>{"o/p/b", "o/q/deeper/c"}));
}

TEST_P(ObjectStoreContract, EditorNamesRoundTrip) {
  std::vector<std::string> names{"[slug].tsx", "{id}.json", "50%.txt", "~backup", "#notes.md", "héllo.txt",
                                 "日本語.md", "🎉.txt", "a\\b", "star*name", "*2A", "sp ace+plus.txt",
                                 "q?uery&x=1", "tab\there", "quote\"'.txt", "<>|^`.txt"};
  for (auto& n : names) {
    auto key = "o/p/" + n;
    ASSERT_TRUE(run(store_->put(key, PutSource::from_bytes(n)))) << n;
  }
  std::vector<std::string> want;
  for (auto& n : names) want.push_back("o/p/" + n);
  std::sort(want.begin(), want.end());
  EXPECT_EQ(keys("o/p/"), want);
  for (auto& n : names) {
    auto got = run(store_->get("o/p/" + n, 100));
    ASSERT_TRUE(got) << n << ": " << got.error().message;
    EXPECT_EQ(*got, n);
  }
  // In folders too, and listed by an escaped-name prefix.
  ASSERT_TRUE(run(store_->put("o/p/[dir]/é/x", PutSource::from_bytes("x"))));
  EXPECT_EQ(keys("o/p/[dir]/"), (std::vector<std::string>{"o/p/[dir]/é/x"}));
  EXPECT_EQ(keys("o/p/[d"), (std::vector<std::string>{"o/p/[dir]/é/x"}));
}

TEST_P(ObjectStoreContract, KeysThatCanNeverBeStoredAreInvalidPath) {
  EXPECT_EQ(store_->validate_key("o/p/").error().code, "invalid_path");
  EXPECT_EQ(store_->validate_key("").error().code, "invalid_path");
  std::string long_key = "o/p/";
  for (int i = 0; i < 9; ++i) long_key += std::string(120, 'n') + "/";
  long_key += "file";
  EXPECT_EQ(store_->validate_key(long_key).error().code, "invalid_path");
  EXPECT_EQ(run(store_->put(long_key, PutSource::from_bytes("x"))).error().code, "invalid_path");
  EXPECT_TRUE(store_->validate_key("o/p/src/main.py"));
}

TEST_P(ObjectStoreContract, TreesTravelWithTheirManifest) {
  auto tmpl = template_prefix("python");
  put_text(tmpl + "main.py", "print('hi')\n");
  put_text(tmpl + "bin/run.sh", "#!/bin/sh\n");
  ProjectManifest m;
  m.empty_directories = {"data", "src/empty"};
  m.modes = {{"bin/run.sh", 0755}};
  m.symlinks = {{"latest", "bin/run.sh"}, {"bin/up", "../main.py"}, {"escape", "../../other/secret"},
                {"abs", "/etc/passwd"}};
  ASSERT_TRUE(run(save_manifest(*store_, tmpl, m)));
  auto project = project_prefix("owner-1", "project-1");
  ASSERT_TRUE(run(copy_tree(*store_, tmpl, project)));
  // The files arrive; the manifest is outside the prefix, so never listed as a file.
  EXPECT_EQ(keys(project), (std::vector<std::string>{project + "bin/run.sh", project + "main.py"}));
  auto loaded = run(load_manifest(*store_, project));
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->empty_directories, m.empty_directories);
  EXPECT_EQ(loaded->modes, m.modes);
  // Links leading out of the project never come back.
  EXPECT_EQ(loaded->symlinks, (std::map<std::string, std::string>{{"bin/up", "../main.py"}, {"latest", "bin/run.sh"}}));
  auto gone = run(delete_tree(*store_, project));
  ASSERT_TRUE(gone) << gone.error().message;
  EXPECT_EQ(*gone, 3u);  // two files and the manifest
  EXPECT_TRUE(keys(project).empty());
  EXPECT_TRUE(run(load_manifest(*store_, project))->empty());
  EXPECT_EQ(keys(tmpl).size(), 2u);  // the template is untouched
}

INSTANTIATE_TEST_SUITE_P(Backends, ObjectStoreContract, ::testing::Values("local", "supabase"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace berth::storage
