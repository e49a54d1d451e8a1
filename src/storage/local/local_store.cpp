#include "storage/local/local_store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "core/atomic_file.hpp"
#include "core/digest.hpp"
#include "core/unique_fd.hpp"

namespace berth::storage::local {

namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kMagic = "BERTHOBJ1\n";
constexpr std::string_view kSuffix = ".obj";


struct Header {
  std::string content_type, sha256;
  std::size_t length = 0;  // bytes before the body
};

std::string header_bytes(std::string_view content_type, std::string_view sha256) {
  std::string h(kMagic);
  h.append(content_type).append("\n").append(sha256).append("\n");
  return h;
}

// Content types are one line; anything else would corrupt the header.
std::string clean_type(std::string type) {
  std::erase_if(type, [](char c) { return c == '\n' || c == '\r' || c == '\0'; });
  return type.empty() ? "application/octet-stream" : type.substr(0, 255);
}

Result<Header> read_header(int fd, const std::string& key) {
  char buf[512];
  ssize_t n = ::pread(fd, buf, sizeof buf, 0);
  std::string_view s(buf, n > 0 ? std::size_t(n) : 0);
  auto bad = make_error("storage_unavailable", "the local object " + key + " is damaged (no header)");
  if (!s.starts_with(kMagic)) return bad;
  auto type_end = s.find('\n', kMagic.size());
  if (type_end == std::string_view::npos) return bad;
  auto hash_end = s.find('\n', type_end + 1);
  if (hash_end == std::string_view::npos) return bad;
  return Header{std::string(s.substr(kMagic.size(), type_end - kMagic.size())),
                std::string(s.substr(type_end + 1, hash_end - type_end - 1)), hash_end + 1};
}

ObjectInfo info_of(const std::string& key, const Header& h, const struct stat& st) {
  return ObjectInfo{key, std::uint64_t(st.st_size) - h.length, h.sha256, h.content_type,
                    std::int64_t(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000};
}

// Copies [offset, end) of `in` through `out`, hashing what passes.
Status pump(int in, off_t offset, AtomicFile& out, Digest* digest, const std::string& what) {
  std::string chunk(1 << 18, '\0');
  for (;;) {
    ssize_t n = ::pread(in, chunk.data(), chunk.size(), offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return file_error(errno, "read " + what);
    if (n == 0) return Ok{};
    std::string_view piece(chunk.data(), std::size_t(n));
    if (digest) digest->update(piece);
    if (auto w = out.write(piece); !w) return w;
    offset += n;
  }
}

// An object's file, opened, with its header read and its stat taken.
struct OpenObject {
  UniqueFd fd;
  Header header;
  struct stat st {};
};

Result<OpenObject> open_object(const std::string& root, const std::string& key) {
  OpenObject o;
  o.fd.reset(::open((root + "/" + key + std::string(kSuffix)).c_str(), O_RDONLY | O_CLOEXEC));
  if (!o.fd) return errno == ENOENT ? make_error("not_found", "no object " + key) : file_error(errno, "open " + key);
  auto h = read_header(o.fd.get(), key);
  if (!h) return h.error();
  o.header = std::move(*h);
  ::fstat(o.fd.get(), &o.st);
  return o;
}

}  // namespace

LocalStore::LocalStore(std::string root, WorkerPool& workers, std::uint64_t max_object_size)
    : root_(std::move(root)), workers_(workers), max_object_size_(max_object_size) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

std::string LocalStore::describe() const { return "local store in " + root_; }

Status LocalStore::validate_key(const std::string& key) const {
  auto bad = [&](std::string why) { return make_error("invalid_path", "cannot store '" + key + "': " + why); };
  if (key.empty() || key.front() == '/' || key.back() == '/') return bad("a key names a file, not a folder");
  if (key.find('\0') != std::string::npos) return bad("NUL byte");
  // The same bound as Supabase's, so a project can move between backends.
  if (key.size() > 1024) return bad("longer than 1024 bytes");
  std::size_t start = 0;
  while (start <= key.size()) {
    auto end = std::min(key.find('/', start), key.size());
    auto seg = std::string_view(key).substr(start, end - start);
    if (seg.empty() || seg == "." || seg == "..") return bad("empty, '.' or '..' component");
    if (seg.size() + kSuffix.size() > 255) return bad("a component is longer than 251 bytes");
    start = end + 1;
  }
  return Ok{};
}

asio::awaitable<Status> LocalStore::prepare() {
  co_return co_await workers_.run([this]() -> Status {
    std::error_code ec;
    fs::create_directories(root_, ec);
    if (ec) return make_error("storage_unavailable", "cannot create the local store " + root_ + ": " + ec.message());
    return Ok{};
  });
}

asio::awaitable<Status> LocalStore::check() {
  co_return co_await workers_.run([this]() -> Status {
    if (::access(root_.c_str(), W_OK) != 0)
      return make_error("storage_unavailable", "the local store " + root_ + " is not writable");
    return Ok{};
  });
}

asio::awaitable<Result<PutResult>> LocalStore::put(std::string key, PutSource source) {
  if (auto v = validate_key(key); !v) co_return v.error();
  co_return co_await workers_.run([&]() -> Result<PutResult> {
    std::string path = root_ + "/" + key + std::string(kSuffix);
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    if (ec) return make_error(ec.value() == ENOSPC ? "disk_full" : "storage_unavailable", "cannot create a folder for " + key + ": " + ec.message());
    auto file = AtomicFile::create(path);
    if (!file) return file.error();
    // The hash is in the header, before the body: reserve it, fill it in last.
    std::string type = clean_type(source.content_type);
    std::string placeholder = header_bytes(type, std::string(64, '0'));
    if (auto w = file->write(placeholder); !w) return w.error();
    Digest digest;
    PutResult out;
    if (source.file.empty()) {
      if (source.bytes.size() > max_object_size_) return make_error("too_large", key + " is over the object size limit");
      digest.update(source.bytes);
      if (auto w = file->write(source.bytes); !w) return w.error();
      out.size = source.bytes.size();
    } else {
      UniqueFd in(::open(source.file.c_str(), O_RDONLY | O_CLOEXEC));
      if (!in) return file_error(errno, "open " + source.file);
      struct stat before {}, after {};
      ::fstat(in.get(), &before);
      if (std::uint64_t(before.st_size) > max_object_size_) return make_error("too_large", key + " is over the object size limit");
      if (auto p = pump(in.get(), 0, *file, &digest, source.file); !p) return p.error();
      ::fstat(in.get(), &after);
      out.size = std::uint64_t(after.st_size);
      out.stable = before.st_size == after.st_size && before.st_mtim.tv_sec == after.st_mtim.tv_sec &&
                   before.st_mtim.tv_nsec == after.st_mtim.tv_nsec && before.st_ctim.tv_sec == after.st_ctim.tv_sec &&
                   before.st_ctim.tv_nsec == after.st_ctim.tv_nsec;
    }
    out.sha256 = digest.hex();
    out.etag = out.sha256;
    std::string header = header_bytes(type, out.sha256);
    if (::pwrite(file->fd(), header.data(), header.size(), 0) != ssize_t(header.size()))
      return file_error(errno, "write " + key);
    if (auto c = file->commit(); !c) return c.error();
    return out;
  });
}

asio::awaitable<Result<std::string>> LocalStore::get(std::string key, std::uint64_t max_bytes) {
  if (auto v = validate_key(key); !v) co_return v.error();
  co_return co_await workers_.run([&]() -> Result<std::string> {
    auto o = open_object(root_, key);
    if (!o) return o.error();
    std::uint64_t size = std::uint64_t(o->st.st_size) - o->header.length;
    if (size > max_bytes) return make_error("too_large", key + " is larger than " + std::to_string(max_bytes) + " bytes");
    std::string out(size, '\0');
    std::size_t done = 0;
    while (done < size) {
      ssize_t n = ::pread(o->fd.get(), out.data() + done, size - done, off_t(o->header.length + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return file_error(n < 0 ? errno : EIO, "read " + key);
      done += std::size_t(n);
    }
    return out;
  });
}

asio::awaitable<Result<ObjectInfo>> LocalStore::get_to_file(std::string key, std::string path) {
  if (auto v = validate_key(key); !v) co_return v.error();
  co_return co_await workers_.run([&]() -> Result<ObjectInfo> {
    auto o = open_object(root_, key);
    if (!o) return o.error();
    auto out = AtomicFile::create(path);
    if (!out) return out.error();
    if (auto p = pump(o->fd.get(), off_t(o->header.length), *out, nullptr, key); !p) return p.error();
    if (auto c = out->commit(); !c) return c.error();
    return info_of(key, o->header, o->st);
  });
}

asio::awaitable<Result<ObjectInfo>> LocalStore::head(std::string key) {
  if (auto v = validate_key(key); !v) co_return v.error();
  co_return co_await workers_.run([&]() -> Result<ObjectInfo> {
    auto o = open_object(root_, key);
    if (!o) return o.error();
    return info_of(key, o->header, o->st);
  });
}

namespace {
// Removes the folders that `path`'s departure left empty, up to the root.
void prune_empty_folders(const std::string& root, const std::string& path) {
  auto dir = fs::path(path).parent_path();
  while (dir.string().size() > root.size() && ::rmdir(dir.c_str()) == 0) dir = dir.parent_path();
  (void)fsync_directory(dir.string());
}

bool remove_object(const std::string& root, const std::string& key) {
  std::string path = root + "/" + key + std::string(kSuffix);
  if (::unlink(path.c_str()) != 0) return false;
  prune_empty_folders(root, path);
  return true;
}
}  // namespace

asio::awaitable<Status> LocalStore::remove(std::string key) {
  if (auto v = validate_key(key); !v) co_return v.error();
  co_return co_await workers_.run([&]() -> Status {
    remove_object(root_, key);
    return Ok{};
  });
}

asio::awaitable<Result<std::size_t>> LocalStore::remove_many(std::vector<std::string> keys) {
  for (auto& k : keys)
    if (auto v = validate_key(k); !v) co_return v.error();
  co_return co_await workers_.run([&]() -> Result<std::size_t> {
    std::size_t gone = 0;
    for (auto& k : keys) gone += remove_object(root_, k) ? 1 : 0;
    return gone;
  });
}

asio::awaitable<Result<std::vector<ObjectInfo>>> LocalStore::list(std::string prefix) {
  co_return co_await workers_.run([&]() -> Result<std::vector<ObjectInfo>> {
    std::vector<ObjectInfo> out;
    // Walk from the deepest folder the prefix names in full.
    auto slash = prefix.rfind('/');
    std::string start_key = slash == std::string::npos ? "" : prefix.substr(0, slash + 1);
    std::error_code ec;
    fs::path start = start_key.empty() ? fs::path(root_) : fs::path(root_ + "/" + start_key);
    if (!fs::is_directory(start, ec)) return out;
    for (auto it = fs::recursive_directory_iterator(start, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (!it->is_regular_file(ec)) continue;
      auto rel = it->path().string().substr(root_.size() + 1);
      if (!rel.ends_with(kSuffix)) continue;  // AtomicFile's temporaries end in .tmp
      rel.resize(rel.size() - kSuffix.size());
      if (!rel.starts_with(prefix)) continue;
      auto o = open_object(root_, rel);
      if (!o) continue;  // removed meanwhile, or not an object
      out.push_back(info_of(rel, o->header, o->st));
    }
    if (ec) return make_error("storage_unavailable", "cannot list " + start.string() + ": " + ec.message());
    std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.key < b.key; });
    return out;
  });
}

asio::awaitable<Status> LocalStore::copy(std::string from, std::string to) {
  if (auto v = validate_key(from); !v) co_return v.error();
  if (auto v = validate_key(to); !v) co_return v.error();
  co_return co_await workers_.run([&]() -> Status {
    auto o = open_object(root_, from);
    if (!o) return o.error();
    std::string target = root_ + "/" + to + std::string(kSuffix);
    std::error_code ec;
    fs::create_directories(fs::path(target).parent_path(), ec);
    auto out = AtomicFile::create(target);
    if (!out) return out.error();
    // The header travels with the bytes: same type, same hash.
    if (auto p = pump(o->fd.get(), 0, *out, nullptr, from); !p) return p.error();
    return out->commit();
  });
}

asio::awaitable<Status> LocalStore::move(std::string from, std::string to) {
  if (auto v = validate_key(from); !v) co_return v.error();
  if (auto v = validate_key(to); !v) co_return v.error();
  co_return co_await workers_.run([&]() -> Status {
    std::string source = root_ + "/" + from + std::string(kSuffix);
    std::string target = root_ + "/" + to + std::string(kSuffix);
    if (::access(source.c_str(), F_OK) != 0) return make_error("not_found", "no object " + from);
    std::error_code ec;
    fs::create_directories(fs::path(target).parent_path(), ec);
    if (::rename(source.c_str(), target.c_str()) != 0) return file_error(errno, "move " + from);
    if (auto d = fsync_directory(fs::path(target).parent_path().string()); !d) return d;
    prune_empty_folders(root_, source);
    return Ok{};
  });
}

}  // namespace berth::storage::local
