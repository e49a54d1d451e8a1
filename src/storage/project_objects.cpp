#include "storage/project_objects.hpp"

#include "core/parallel.hpp"
#include "storage/layout.hpp"

namespace berth::storage {

namespace asio = boost::asio;

asio::awaitable<Result<ProjectManifest>> load_manifest(ObjectStore& store, std::string prefix) {
  std::string key = manifest_key(prefix);  // values are named before a coroutine call (GCC 12, DESIGN §11)
  auto text = co_await store.get(std::move(key), 16 << 20);
  if (!text) {
    if (text.error().code == "not_found") co_return ProjectManifest{};
    co_return text.error();
  }
  co_return ProjectManifest::decode(*text);
}

asio::awaitable<Status> save_manifest(ObjectStore& store, std::string prefix, const ProjectManifest& manifest) {
  std::string key = manifest_key(prefix);
  if (manifest.empty()) co_return co_await store.remove(std::move(key));
  auto source = PutSource::from_bytes(manifest.encode(), "application/json");
  auto put = co_await store.put(std::move(key), std::move(source));
  if (!put) co_return put.error();
  co_return Ok{};
}

asio::awaitable<Status> copy_tree(ObjectStore& store, std::string from, std::string to, std::size_t width) {
  auto objects = co_await store.list(from);
  if (!objects) co_return objects.error();
  auto& list = *objects;
  auto copied = co_await for_each_parallel(list.size(), width, [&](std::size_t i) -> asio::awaitable<Status> {
    std::string source = list[i].key, target = to + list[i].key.substr(from.size());
    co_return co_await store.copy(std::move(source), std::move(target));
  });
  if (!copied) co_return copied;
  auto manifest = co_await load_manifest(store, from);
  if (!manifest) co_return manifest.error();
  co_return co_await save_manifest(store, to, *manifest);
}

asio::awaitable<Result<std::size_t>> delete_tree(ObjectStore& store, std::string prefix) {
  auto objects = co_await store.list(prefix);
  if (!objects) co_return objects.error();
  std::vector<std::string> keys;
  keys.reserve(objects->size() + 1);
  for (auto& o : *objects) keys.push_back(o.key);
  keys.push_back(manifest_key(prefix));
  auto gone = co_await store.remove_many(std::move(keys));
  if (!gone) co_return gone.error();
  co_return *gone;
}

}  // namespace berth::storage
