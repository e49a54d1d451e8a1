#include "storage/supabase/supabase_store.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <mutex>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <random>

#include "core/atomic_file.hpp"
#include "core/digest.hpp"
#include "core/parallel.hpp"
#include "storage/supabase/dialect.hpp"
#include "storage/supabase/key_codec.hpp"

namespace berth::storage::supabase {

namespace asio = boost::asio;
using net::ClientResponse;
using net::PoolRequest;

namespace {

constexpr std::size_t kListPage = 1000;
constexpr std::size_t kDeleteBatch = 1000;
constexpr std::size_t kListWidth = 8;  // folders listed at once

bool ok_status(int s) { return s >= 200 && s < 300; }

std::string header(const ClientResponse& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? std::string() : it->second;
}

// Full jitter: a random wait in [0, min(max, base·2^attempt)], so clients
// that failed together do not come back together.
std::chrono::milliseconds backoff(int attempt, std::chrono::milliseconds base, std::chrono::milliseconds max) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  auto cap = std::min<std::int64_t>(max.count(), base.count() << std::min(attempt, 20));
  return std::chrono::milliseconds(std::uniform_int_distribution<std::int64_t>(cap / 4, cap)(rng));
}

struct FileStamp {
  off_t size = -1;
  timespec mtime{}, ctime{};
  bool operator==(const FileStamp& o) const {
    return size == o.size && mtime.tv_sec == o.mtime.tv_sec && mtime.tv_nsec == o.mtime.tv_nsec &&
           ctime.tv_sec == o.ctime.tv_sec && ctime.tv_nsec == o.ctime.tv_nsec;
  }
};
FileStamp stamp(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return FileStamp{st.st_size, st.st_mtim, st.st_ctim};
}

// "https://x.supabase.co/some/path" → the path part ("" or "/some/path").
std::string url_base_path(const std::string& url) {
  auto scheme = url.find("://");
  auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (slash == std::string::npos) return "";
  auto path = url.substr(slash);
  while (!path.empty() && path.back() == '/') path.pop_back();
  return path;
}

}  // namespace

Result<std::unique_ptr<SupabaseStore>> SupabaseStore::create(asio::any_io_executor executor, WorkerPool& workers,
                                                             SupabaseOptions options) {
  if (auto k = check_service_key(options.key); !k) return k.error();
  auto ep = net::Endpoint::parse(options.url);
  if (!ep || ep->kind != net::Endpoint::Kind::tcp)
    return make_error("bad_config", "SUPABASE_URL '" + options.url + "' is not an http(s) URL (e.g. https://<project>.supabase.co)");
  std::unique_ptr<net::HttpPool> pool;
  try {
    pool = std::make_unique<net::HttpPool>(executor, *ep, options.pool);
  } catch (const std::exception& e) {
    return make_error("bad_config", std::string(e.what()) + " (BERTH_CA_FILE)");
  }
  auto base = url_base_path(options.url) + "/storage/v1";
  return std::unique_ptr<SupabaseStore>(
      new SupabaseStore(executor, workers, std::move(options), std::move(pool), std::move(base)));
}

SupabaseStore::SupabaseStore(asio::any_io_executor executor, WorkerPool& workers, SupabaseOptions options,
                             std::unique_ptr<net::HttpPool> pool, std::string base_path)
    : executor_(executor),
      workers_(workers),
      options_(std::move(options)),
      pool_(std::move(pool)),
      base_path_(std::move(base_path)),
      max_object_size_(options_.max_object_size) {}

std::string SupabaseStore::describe() const {
  return "Supabase Storage at " + options_.url + " (bucket " + options_.bucket + ")";
}

Status SupabaseStore::validate_key(const std::string& key) const {
  if (key.empty() || key.front() == '/' || key.back() == '/')
    return make_error("invalid_path", "cannot store '" + key + "': a key names a file, not a folder");
  if (escape_key(key).size() > kMaxKeyBytes)
    return make_error("invalid_path", "the path is too long for Supabase Storage (over " +
                                          std::to_string(kMaxKeyBytes) + " bytes once stored)");
  return Ok{};
}

PoolRequest SupabaseStore::make(std::string method, std::string path) const {
  PoolRequest r;
  r.method = std::move(method);
  r.target = base_path_ + path;
  r.headers = {{"Authorization", "Bearer " + options_.key}, {"apikey", options_.key}};
  return r;
}

std::string SupabaseStore::object_path(const std::string& key) const {
  return url_path(options_.bucket + "/" + escape_key(key));
}

asio::awaitable<Result<ClientResponse>> SupabaseStore::call(std::function<PoolRequest()> build, const std::string& what) {
  Error last = make_error("storage_unavailable", what);
  for (int attempt = 0; attempt < options_.max_attempts; ++attempt) {
    if (attempt > 0) {
      asio::steady_timer wait(co_await asio::this_coro::executor);
      wait.expires_after(backoff(attempt - 1, options_.backoff_base, options_.backoff_max));
      co_await wait.async_wait(asio::use_awaitable);
    }
    auto r = co_await pool_->request(build());
    if (!r) {
      const auto& code = r.error().code;
      if (code == "unavailable" || code == "timeout") {
        last = make_error("storage_unavailable", what + ": " + r.error().message);
        spdlog::debug("storage: {} (try {} of {})", last.message, attempt + 1, options_.max_attempts);
        continue;
      }
      if (code == "too_large") co_return make_error("storage_unavailable", what + ": " + r.error().message);
      co_return r.error();  // the caller's own (a source file that vanished, a reader that stopped)
    }
    if (ok_status(r->status)) co_return r;
    auto e = classify(r->status, r->body);
    if (!e.retryable) co_return r;
    last = to_error(e, what);
    spdlog::debug("storage: {} (try {} of {})", last.message, attempt + 1, options_.max_attempts);
  }
  spdlog::warn("storage: giving up after {} tries: {}", options_.max_attempts, last.message);
  co_return last;
}

asio::awaitable<Status> SupabaseStore::prepare() {
  auto what = "bucket " + options_.bucket;
  auto got = co_await call([&] { return make("GET", "/bucket/" + url_path(options_.bucket)); }, what);
  if (!got) co_return make_error("storage_unavailable", got.error().message + " — check SUPABASE_URL (" + options_.url + ")");
  auto e = classify(got->status, got->body);
  if (!ok_status(got->status) && e.status == 404) {
    auto created = co_await call(
        [&] {
          auto r = make("POST", "/bucket");
          r.body = bucket_request(options_.bucket);
          r.content_type = "application/json";
          return r;
        },
        "create " + what);
    if (!created) co_return created.error();
    auto ce = classify(created->status, created->body);
    if (!ok_status(created->status) && ce.status != 409) co_return to_error(ce, "create " + what);
    spdlog::info("storage: created the private bucket {}", options_.bucket);
    co_return Ok{};
  }
  if (!ok_status(got->status)) co_return to_error(e, what);
  auto limit = parse_bucket_limit(got->body);
  if (!limit) co_return limit.error();
  if (*limit && **limit < max_object_size_) {
    max_object_size_ = **limit;
    spdlog::info("storage: the bucket's own file size limit ({} bytes) applies", max_object_size_);
  }
  co_return Ok{};
}

asio::awaitable<Status> SupabaseStore::check() {
  auto got = co_await call([&] { return make("GET", "/bucket/" + url_path(options_.bucket)); }, "bucket " + options_.bucket);
  if (!got) co_return got.error();
  if (!ok_status(got->status)) co_return to_error(classify(got->status, got->body), "bucket " + options_.bucket);
  co_return Ok{};
}

asio::awaitable<Result<PutResult>> SupabaseStore::put(std::string key, PutSource source) {
  if (auto v = validate_key(key); !v) co_return v.error();
  std::uint64_t size = source.file.empty() ? source.bytes.size() : std::uint64_t(std::max<off_t>(0, stamp(source.file).size));
  if (size > max_object_size_)
    co_return make_error("too_large", key + " is " + std::to_string(size) + " bytes, over the storage limit of " +
                                          std::to_string(max_object_size_));
  auto sha = std::make_shared<Digest>(Digest::Kind::sha256);
  auto md5 = std::make_shared<Digest>(Digest::Kind::md5);
  auto sent = std::make_shared<std::uint64_t>(0);
  FileStamp before = source.file.empty() ? FileStamp{} : stamp(source.file);
  auto r = co_await call(
      [&] {
        // Every try starts the hashes over: they must describe what was sent.
        sha->reset();
        md5->reset();
        *sent = 0;
        auto req = make("PUT", "/object/" + object_path(key));
        req.headers.emplace_back("x-upsert", "true");
        req.content_type = source.content_type.empty() ? "application/octet-stream" : source.content_type;
        if (source.file.empty())
          req.body = source.bytes;
        else
          req.body_file = source.file;
        req.on_sent = [sha, md5, sent](std::string_view piece) {
          sha->update(piece);
          md5->update(piece);
          *sent += piece.size();
        };
        req.on_rewind = [sha, md5, sent] {
          sha->reset();
          md5->reset();
          *sent = 0;
        };
        return req;
      },
      "upload " + key);
  if (!r) co_return r.error();
  if (!ok_status(r->status)) co_return to_error(classify(r->status, r->body), "upload " + key);
  PutResult out;
  out.size = *sent;
  out.sha256 = sha->hex();
  out.etag = md5->hex();
  out.stable = source.file.empty() || (before == stamp(source.file) && std::uint64_t(before.size) == *sent);
  co_return out;
}

asio::awaitable<Result<std::string>> SupabaseStore::get(std::string key, std::uint64_t max_bytes) {
  auto r = co_await call(
      [&] {
        auto req = make("GET", "/object/" + object_path(key));
        req.max_body = max_bytes;
        return req;
      },
      "download " + key);
  if (!r) {
    if (r.error().message.find("is larger than") != std::string::npos)
      co_return make_error("too_large", key + " is larger than " + std::to_string(max_bytes) + " bytes");
    co_return r.error();
  }
  if (!ok_status(r->status)) co_return to_error(classify(r->status, r->body), key);
  co_return std::move(r->body);
}

asio::awaitable<Result<ObjectInfo>> SupabaseStore::get_to_file(std::string key, std::string path) {
  std::unique_ptr<AtomicFile> file;
  auto failed = std::make_shared<Status>(Ok{});
  auto r = co_await call(
      [&] {
        // A retry starts a fresh temporary file: no half download survives.
        file.reset();
        auto created = AtomicFile::create(path);
        if (created) file = std::make_unique<AtomicFile>(std::move(*created));
        *failed = created ? Status(Ok{}) : Status(created.error());
        auto req = make("GET", "/object/" + object_path(key));
        AtomicFile* f = file.get();
        // An answer that never ends must not fill the disk: no object is
        // larger than the store's limit.
        auto written = std::make_shared<std::uint64_t>(0);
        req.on_body = [f, failed, written, limit = max_object_size_, key](std::string_view piece) {
          if (!f) return false;
          *written += piece.size();
          if (*written > limit) {
            *failed = make_error("storage_unavailable", "the download of " + key + " is larger than any object may be");
            return false;
          }
          auto w = f->write(piece);
          if (!w) *failed = w;
          return w.ok();
        };
        return req;
      },
      "download " + key);
  if (!failed->ok()) co_return failed->error();
  if (!r) co_return r.error();
  if (!ok_status(r->status)) co_return to_error(classify(r->status, r->body), key);
  auto committed = co_await workers_.run([&] { return file->commit(); });
  if (!committed) co_return committed.error();
  ObjectInfo info;
  info.key = key;
  info.size = std::uint64_t(std::max<off_t>(0, stamp(path).size));
  auto etag = header(*r, "etag");
  if (etag.size() >= 2 && etag.front() == '"') etag = etag.substr(1, etag.size() - 2);
  info.etag = etag;
  info.content_type = header(*r, "content-type");
  co_return info;
}

asio::awaitable<Result<ObjectInfo>> SupabaseStore::head(std::string key) {
  // /object/info, not HEAD: a HEAD of a missing object is a bodiless 400
  // that cannot be told apart from a refused key.
  auto r = co_await call([&] { return make("GET", "/object/info/" + object_path(key)); }, key);
  if (!r) co_return r.error();
  if (!ok_status(r->status)) co_return to_error(classify(r->status, r->body), key);
  auto info = parse_info(r->body);
  if (!info) co_return info.error();
  co_return ObjectInfo{key, info->size, info->etag, info->content_type, info->modified_ms};
}

asio::awaitable<Status> SupabaseStore::remove(std::string key) {
  std::vector<std::string> keys{std::move(key)};  // named first: GCC 12 miscompiles a braced temporary here
  auto r = co_await remove_many(std::move(keys));
  if (!r) co_return r.error();
  co_return Ok{};
}

asio::awaitable<Result<std::size_t>> SupabaseStore::remove_many(std::vector<std::string> keys) {
  std::size_t gone = 0;
  for (std::size_t at = 0; at < keys.size(); at += kDeleteBatch) {
    std::vector<std::string> batch;
    for (std::size_t i = at; i < std::min(keys.size(), at + kDeleteBatch); ++i) batch.push_back(escape_key(keys[i]));
    auto body = delete_request(batch);
    auto r = co_await call(
        [&] {
          auto req = make("DELETE", "/object/" + url_path(options_.bucket));
          req.body = body;
          req.content_type = "application/json";
          return req;
        },
        "delete " + std::to_string(batch.size()) + " objects");
    if (!r) co_return r.error();
    if (!ok_status(r->status)) co_return to_error(classify(r->status, r->body), "delete");
    auto n = parse_delete(r->body);
    if (!n) co_return n.error();
    gone += *n;
  }
  co_return gone;
}

asio::awaitable<Status> SupabaseStore::list_folder(std::string stored_folder, std::string name_prefix,
                                                   std::vector<ObjectInfo>& files, std::vector<std::string>& folders) {
  for (std::size_t offset = 0;; offset += kListPage) {
    auto body = list_request(stored_folder, kListPage, offset);
    auto r = co_await call(
        [&] {
          auto req = make("POST", "/object/list/" + url_path(options_.bucket));
          req.body = body;
          req.content_type = "application/json";
          req.max_body = 64 << 20;
          return req;
        },
        "list " + stored_folder);
    if (!r) co_return r.error();
    if (!ok_status(r->status)) co_return to_error(classify(r->status, r->body), "list " + stored_folder);
    auto rows = parse_list(r->body);
    if (!rows) co_return rows.error();
    for (auto& row : *rows) {
      auto stored = stored_folder + row.name;
      // A name another client wrote that is not a valid escape is kept as is.
      auto logical = unescape_key(stored).value_or(stored);
      auto logical_name = unescape_key(row.name).value_or(row.name);
      if (!logical_name.starts_with(name_prefix)) continue;
      if (row.folder)
        folders.push_back(stored + "/");
      else
        files.push_back(ObjectInfo{logical, row.size, row.etag, row.content_type, row.modified_ms});
    }
    if (rows->size() < kListPage) break;
  }
  co_return Ok{};
}

asio::awaitable<Result<std::vector<ObjectInfo>>> SupabaseStore::list(std::string prefix) {
  // The server lists one folder level; the part of the prefix after its
  // last `/` is matched against the names in the first folder. The tree is
  // walked level by level, the folders of one level listed in parallel: at
  // 50 ms a round trip, a repository's hundreds of folders one after the
  // other would take tens of seconds.
  auto slash = prefix.rfind('/');
  std::string folder = slash == std::string::npos ? "" : prefix.substr(0, slash + 1);
  std::string name = slash == std::string::npos ? prefix : prefix.substr(slash + 1);
  std::vector<ObjectInfo> out;
  std::vector<std::string> level{escape_key(folder)};
  bool first = true;
  std::mutex mu;
  while (!level.empty()) {
    std::vector<std::string> next;
    auto listed = co_await for_each_parallel(level.size(), kListWidth, [&](std::size_t i) -> asio::awaitable<Status> {
      std::vector<ObjectInfo> files;
      std::vector<std::string> folders;
      std::string folder_key = level[i], match = first ? name : "";  // named first: GCC 12 and coroutine temporaries
      auto s = co_await list_folder(std::move(folder_key), std::move(match), files, folders);
      std::lock_guard lock(mu);
      std::move(files.begin(), files.end(), std::back_inserter(out));
      std::move(folders.begin(), folders.end(), std::back_inserter(next));
      co_return s;
    });
    if (!listed) co_return listed.error();
    level = std::move(next);
    first = false;
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.key < b.key; });
  co_return out;
}

asio::awaitable<Status> SupabaseStore::copy(std::string from, std::string to) {
  if (auto v = validate_key(to); !v) co_return v.error();
  auto body = move_request(options_.bucket, escape_key(from), escape_key(to));
  auto r = co_await call(
      [&] {
        auto req = make("POST", "/object/copy");
        req.headers.emplace_back("x-upsert", "true");
        req.body = body;
        req.content_type = "application/json";
        return req;
      },
      "copy " + from);
  if (!r) co_return r.error();
  if (!ok_status(r->status)) co_return to_error(classify(r->status, r->body), "copy " + from);
  co_return Ok{};
}

asio::awaitable<Status> SupabaseStore::move(std::string from, std::string to) {
  if (auto v = validate_key(to); !v) co_return v.error();
  auto body = move_request(options_.bucket, escape_key(from), escape_key(to));
  auto send = [&]() -> asio::awaitable<Result<ClientResponse>> {
    co_return co_await call(
        [&] {
          auto req = make("POST", "/object/move");
          req.body = body;
          req.content_type = "application/json";
          return req;
        },
        "move " + from);
  };
  auto r = co_await send();
  if (!r) co_return r.error();
  if (ok_status(r->status)) co_return Ok{};
  auto e = classify(r->status, r->body);
  if (e.status == 409) {
    // The server refuses to move onto an existing key; Berth's move
    // replaces it, as rename(2) does.
    if (auto gone = co_await remove(to); !gone) co_return gone;
    r = co_await send();
    if (!r) co_return r.error();
    if (ok_status(r->status)) co_return Ok{};
    e = classify(r->status, r->body);
  }
  co_return to_error(e, "move " + from);
}

}  // namespace berth::storage::supabase
