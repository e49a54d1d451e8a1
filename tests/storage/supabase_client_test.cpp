// The Supabase client under the failures a real network and server produce,
// injected by the stand-in: server errors and throttling (retried), resets
// and drops (retried, nothing partial), hangs (a timeout), garbage and huge
// answers (bounded), refused keys (a message that says what to fix), TLS
// with a private CA (verified; a wrong host name is refused), connection
// reuse, and a 50 MB upload with bounded memory.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/encoding.hpp"
#include "core/worker_pool.hpp"
#include "stand_in.hpp"
#include "storage/supabase/supabase_store.hpp"

namespace berth::storage::supabase {
namespace {

namespace fs = std::filesystem;
using testing::run_coro;
using testing::StandIn;

// Under AddressSanitizer freed memory sits in a quarantine (256 MB by
// default), so RSS says nothing about what the code keeps: the memory bounds
// are checked in the release build (the same tests run there), the rest of
// each test in both.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kRssMeansMemory = false;
#else
constexpr bool kRssMeansMemory = true;
#endif

long rss_kb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

class SupabaseClient : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("berth-supa-" + hex_encode(random_bytes(6)));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    store_.reset();
    server_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  SupabaseOptions options(const std::string& url) {
    SupabaseOptions o;
    o.url = url;
    o.key = StandIn::kKey;
    o.bucket = "faults";
    o.backoff_base = std::chrono::milliseconds(5);
    o.backoff_max = std::chrono::milliseconds(50);
    return o;
  }
  void start(std::vector<std::string> args = {}, std::function<void(SupabaseOptions&)> tweak = {}) {
    server_ = std::make_unique<StandIn>(std::move(args));
    auto o = options(server_->url());
    if (tweak) tweak(o);
    auto s = SupabaseStore::create(ioc_.get_executor(), workers_, o);
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    auto prepared = run(store_->prepare());
    ASSERT_TRUE(prepared) << prepared.error().message;
  }
  template <class T>
  T run(boost::asio::awaitable<T> op) {
    return run_coro(ioc_, std::move(op));
  }
  std::string stats() { return server_->control(ioc_, "GET", "/__control/stats").body; }

  boost::asio::io_context ioc_;
  WorkerPool workers_{2};
  fs::path dir_;
  std::unique_ptr<StandIn> server_;
  std::unique_ptr<SupabaseStore> store_;
};

TEST_F(SupabaseClient, ServerFailuresAndThrottlingAreRetried) {
  start();
  server_->faults(ioc_, R"([{"kind":"status","status":503,"httpStatus":400,"count":2,"method":"PUT"},
                            {"kind":"status","status":429,"count":1,"method":"GET"},
                            {"kind":"status","status":500,"code":"DatabaseTimeout","httpStatus":400,"count":1,"method":"POST"}])");
  ASSERT_TRUE(run(store_->put("o/p/a", PutSource::from_bytes("hello"))));
  auto got = run(store_->get("o/p/a", 100));
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(*got, "hello");
  auto listed = run(store_->list("o/p/"));
  ASSERT_TRUE(listed) << listed.error().message;
  EXPECT_EQ(listed->size(), 1u);
  EXPECT_NE(stats().find("\"faults\":4"), std::string::npos) << stats();
}

TEST_F(SupabaseClient, ClientErrorsAreNeverRetried) {
  start();
  server_->control(ioc_, "POST", "/__control/stats/reset");
  EXPECT_EQ(run(store_->get("o/p/missing", 100)).error().code, "not_found");
  auto s = stats();
  EXPECT_NE(s.find("\"requests\":1,"), std::string::npos) << s;
}

TEST_F(SupabaseClient, GivesUpWithStorageUnavailableWhenFailuresLast) {
  start({}, [](SupabaseOptions& o) { o.max_attempts = 3; });
  server_->faults(ioc_, R"({"kind":"status","status":503,"count":-1})");
  auto r = run(store_->put("o/p/a", PutSource::from_bytes("x")));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "storage_unavailable");
  EXPECT_NE(stats().find("\"faults\":3"), std::string::npos) << stats();
}

TEST_F(SupabaseClient, ADroppedUploadIsSentAgainWhole) {
  start();
  std::string body(3 << 20, 'z');
  server_->faults(ioc_, R"({"kind":"drop","method":"PUT"})");
  auto put = run(store_->put("o/p/big", PutSource::from_bytes(body)));
  ASSERT_TRUE(put) << put.error().message;
  EXPECT_EQ(put->sha256, sha256_hex(body));  // the hash covers one whole send, not both
  EXPECT_EQ(*run(store_->get("o/p/big", 8 << 20)), body);
}

TEST_F(SupabaseClient, AReadCutInTheMiddleIsRetriedAndNoHalfFileAppears) {
  start();
  std::string body(1 << 20, 'q');
  ASSERT_TRUE(run(store_->put("o/p/f", PutSource::from_bytes(body))));
  server_->faults(ioc_, R"({"kind":"reset","method":"GET","afterBytes":1000})");
  auto target = dir_ / "f";
  auto got = run(store_->get_to_file("o/p/f", target.string()));
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(fs::file_size(target), body.size());
  std::size_t files = 0;
  for (auto& e : fs::directory_iterator(dir_)) files += e.is_regular_file();
  EXPECT_EQ(files, 1u);  // no temporary file from the cut try
}

TEST_F(SupabaseClient, AServerThatHangsTimesOut) {
  start({}, [](SupabaseOptions& o) {
    o.pool.io_timeout = std::chrono::milliseconds(300);
    o.max_attempts = 2;
  });
  server_->faults(ioc_, R"({"kind":"hang","count":-1})");
  auto r = run(store_->head("o/p/a"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "storage_unavailable");
  EXPECT_NE(r.error().message.find("in time"), std::string::npos) << r.error().message;
}

TEST_F(SupabaseClient, GarbageAndHugeAnswersAreBoundedErrors) {
  start({}, [](SupabaseOptions& o) { o.max_attempts = 1; });
  server_->faults(ioc_, R"({"kind":"garbage"})");
  auto garbage = run(store_->head("o/p/a"));
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().code, "storage_unavailable");
  server_->faults(ioc_, R"({"kind":"huge","where":"headers","bytes":10000000})");
  auto headers = run(store_->head("o/p/a"));
  ASSERT_FALSE(headers);
  EXPECT_EQ(headers.error().code, "storage_unavailable");
  EXPECT_NE(headers.error().message.find("headers over"), std::string::npos) << headers.error().message;
  server_->faults(ioc_, R"({"kind":"huge","where":"body","bytes":80000000,"method":"POST"})");
  long before = rss_kb();
  auto body = run(store_->list("o/"));
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().code, "storage_unavailable");
  if (kRssMeansMemory) {
    EXPECT_LT(rss_kb() - before, 100 * 1024);  // refused at 64 MiB, not read to the end
  }
}

TEST_F(SupabaseClient, ABrokenChunkedBodyAndAnEndlessDownloadAreBoundedErrors) {
  start({}, [](SupabaseOptions& o) {
    o.max_attempts = 1;
    o.max_object_size = 1 << 20;
  });
  server_->faults(ioc_, R"({"kind":"badchunk","method":"GET"})");
  auto chunked = run(store_->get("o/p/a", 100));
  ASSERT_FALSE(chunked);
  EXPECT_EQ(chunked.error().code, "storage_unavailable");
  // A download that goes on past any object's size is cut, and leaves no file.
  server_->faults(ioc_, R"({"kind":"huge","where":"body","bytes":50000000,"method":"GET"})");
  auto target = dir_ / "endless";
  auto endless = run(store_->get_to_file("o/p/a", target.string()));
  ASSERT_FALSE(endless);
  EXPECT_EQ(endless.error().code, "storage_unavailable");
  EXPECT_FALSE(fs::exists(target));
  std::size_t files = 0;
  for (auto& e : fs::directory_iterator(dir_)) files += e.is_regular_file();
  EXPECT_EQ(files, 0u);
}

TEST_F(SupabaseClient, KeepAliveConnectionsAreReused) {
  start();
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(run(store_->put("o/p/" + std::to_string(i), PutSource::from_bytes("x"))));
  EXPECT_LE(store_->connections_opened(), 2u);
}

TEST_F(SupabaseClient, AWrongKeyStopsStartUpWithAMessageThatSaysWhatToFix) {
  server_ = std::make_unique<StandIn>();
  auto o = options(server_->url());
  o.key = "not-the-key";
  auto s = SupabaseStore::create(ioc_.get_executor(), workers_, o);
  ASSERT_TRUE(s);
  auto prepared = run((*s)->prepare());
  ASSERT_FALSE(prepared);
  EXPECT_EQ(prepared.error().code, "storage_unavailable");
  EXPECT_NE(prepared.error().message.find("SUPABASE_KEY"), std::string::npos) << prepared.error().message;
}

TEST_F(SupabaseClient, AnonAndPublishableKeysAreRefusedBeforeAnyRequest) {
  auto anon = "eyJhbGciOiJIUzI1NiJ9." + base64url_encode(R"({"role":"anon","iss":"supabase"})") + ".c2ln";
  for (std::string key : {anon, std::string("sb_publishable_abc")}) {
    auto o = options("http://127.0.0.1:9");
    o.key = key;
    auto s = SupabaseStore::create(ioc_.get_executor(), workers_, o);
    ASSERT_FALSE(s) << key;
    EXPECT_EQ(s.error().code, "bad_config");
  }
}

TEST_F(SupabaseClient, AnUnreachableServerIsStorageUnavailable) {
  auto o = options("http://127.0.0.1:9");  // discard port: nothing listens
  o.max_attempts = 2;
  auto s = SupabaseStore::create(ioc_.get_executor(), workers_, o);
  ASSERT_TRUE(s);
  auto prepared = run((*s)->prepare());
  ASSERT_FALSE(prepared);
  EXPECT_EQ(prepared.error().code, "storage_unavailable");
  EXPECT_NE(prepared.error().message.find("SUPABASE_URL"), std::string::npos) << prepared.error().message;
}

TEST_F(SupabaseClient, AFileChangedWhileItUploadsIsNotTrusted) {
  start({"--max-upload-bytes", "67108864"});
  auto path = dir_ / "growing";
  { std::ofstream(path, std::ios::binary) << std::string(24 << 20, 'g'); }
  // The server waits before it reads, so the upload is still going when the file changes.
  server_->faults(ioc_, R"({"kind":"delay","ms":600,"method":"PUT"})");
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    std::ofstream(path, std::ios::binary | std::ios::in | std::ios::out) << "changed";
  });
  auto put = run(store_->put("o/p/growing", PutSource::from_file(path.string())));
  writer.join();
  ASSERT_TRUE(put) << put.error().message;
  EXPECT_FALSE(put->stable);
}

TEST_F(SupabaseClient, A50MegabyteUploadStreamsWithBoundedMemory) {
  start({"--max-upload-bytes", "67108864"}, [](SupabaseOptions& o) { o.max_object_size = 64 << 20; });
  auto path = dir_ / "big.bin";
  {
    std::ofstream out(path, std::ios::binary);
    std::string block(1 << 20, '\0');
    for (int i = 0; i < 50; ++i) {
      for (auto& c : block) c = char(i * 7 + (&c - block.data()));
      out << block;
    }
  }
  long before = rss_kb();
  auto put = run(store_->put("o/p/big.bin", PutSource::from_file(path.string())));
  long grown = rss_kb() - before;
  ASSERT_TRUE(put) << put.error().message;
  EXPECT_EQ(put->size, 50u << 20);
  EXPECT_TRUE(put->stable);
  if (kRssMeansMemory) {
    EXPECT_LT(grown, 8 * 1024) << "RSS grew by " << grown << " KiB";
  }
  auto head = run(store_->head("o/p/big.bin"));
  ASSERT_TRUE(head);
  EXPECT_EQ(head->etag, put->etag);  // the server's MD5 is the one computed while sending
  before = rss_kb();
  auto back = run(store_->get_to_file("o/p/big.bin", (dir_ / "back.bin").string()));
  grown = rss_kb() - before;
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(fs::file_size(dir_ / "back.bin"), 50u << 20);
  if (kRssMeansMemory) {
    EXPECT_LT(grown, 8 * 1024) << "RSS grew by " << grown << " KiB on download";
  }
}

TEST_F(SupabaseClient, TheBucketsOwnSizeLimitAppliesWhenSmaller) {
  server_ = std::make_unique<StandIn>();
  // The bucket exists already, made by someone with a 1,000-byte limit.
  auto ep = net::Endpoint::parse(server_->url());
  net::HttpClient http(ioc_.get_executor(), *ep);
  net::ClientRequest req;
  req.method = "POST";
  req.target = "/storage/v1/bucket";
  req.headers = {{"Authorization", std::string("Bearer ") + StandIn::kKey}};
  req.content_type = "application/json";
  req.body = R"({"name":"faults","public":false,"file_size_limit":1000})";
  auto made = run(http.request(req, std::chrono::seconds(5)));
  ASSERT_TRUE(made && made->status == 200) << (made ? made->body : made.error().message);
  auto s = SupabaseStore::create(ioc_.get_executor(), workers_, options(server_->url()));
  ASSERT_TRUE(s);
  store_ = std::move(*s);
  ASSERT_TRUE(run(store_->prepare()));
  EXPECT_EQ(store_->max_object_size(), 1000u);
  server_->control(ioc_, "POST", "/__control/stats/reset");
  auto r = run(store_->put("o/p/big", PutSource::from_bytes(std::string(1001, 'x'))));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "too_large");
  EXPECT_NE(stats().find("\"requests\":0,"), std::string::npos) << "refused before sending: " << stats();
  EXPECT_TRUE(run(store_->put("o/p/fits", PutSource::from_bytes(std::string(1000, 'x')))));
}

TEST_F(SupabaseClient, TheServersOwnSizeLimitIsTooLarge) {
  // Berth's limit above the server's: the server's 413 (inside a 400) is too_large, not retried.
  start({"--max-upload-bytes", "1000"});
  auto r = run(store_->put("o/p/big", PutSource::from_bytes(std::string(5000, 'x'))));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "too_large");
}

// HTTPS with a throwaway CA: verified against BERTH_CA_FILE, never unverified.
class SupabaseTls : public SupabaseClient {
 protected:
  void make_certs(const std::string& san) {
    auto d = dir_.string();
    std::string cmd = "cd " + d + " && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1 "
                      "-subj /CN=berth-test-ca 2>/dev/null && "
                      "openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj /CN=storage 2>/dev/null && "
                      "printf 'subjectAltName=" + san + "' > ext.cnf && "
                      "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 1 "
                      "-extfile ext.cnf 2>/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  void serve_tls() {
    server_ = std::make_unique<StandIn>(std::vector<std::string>{"--tls-cert", (dir_ / "srv.pem").string(), "--tls-key",
                                                                 (dir_ / "srv.key").string()});
    ASSERT_EQ(server_->url().rfind("https://", 0), 0u) << server_->url();
  }
  Status prepare_with(const std::string& ca_file, const std::string& url) {
    auto o = options(url);
    o.pool.ca_file = ca_file;
    o.max_attempts = 1;
    auto s = SupabaseStore::create(ioc_.get_executor(), workers_, o);
    if (!s) return s.error();
    return run((*s)->prepare());
  }
};

TEST_F(SupabaseTls, APrivateCaIsTrustedOnlyWhenConfigured) {
  make_certs("IP:127.0.0.1,DNS:localhost");
  serve_tls();
  auto trusted = prepare_with((dir_ / "ca.pem").string(), server_->url());
  EXPECT_TRUE(trusted) << trusted.error().message;
  auto untrusted = prepare_with("", server_->url());
  ASSERT_FALSE(untrusted);
  EXPECT_EQ(untrusted.error().code, "storage_unavailable");
  EXPECT_NE(untrusted.error().message.find("TLS"), std::string::npos) << untrusted.error().message;
}

TEST_F(SupabaseTls, ACertificateForAnotherHostIsRefused) {
  make_certs("DNS:storage.example.org");
  serve_tls();
  auto r = prepare_with((dir_ / "ca.pem").string(), server_->url());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "storage_unavailable");
  EXPECT_NE(r.error().message.find("TLS"), std::string::npos) << r.error().message;
}

TEST_F(SupabaseTls, AMissingCaFileIsAStartUpError) {
  auto o = options("https://127.0.0.1:9");
  o.pool.ca_file = (dir_ / "none.pem").string();
  auto s = SupabaseStore::create(ioc_.get_executor(), workers_, o);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, "bad_config");
}

}  // namespace
}  // namespace berth::storage::supabase
