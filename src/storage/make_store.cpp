#include "storage/make_store.hpp"

#include "storage/local/local_store.hpp"
#include "storage/supabase/supabase_store.hpp"

namespace berth::storage {

Result<std::unique_ptr<ObjectStore>> make_object_store(const Config& config, boost::asio::any_io_executor executor,
                                                       WorkerPool& workers) {
  if (config.storage == "supabase") {
    supabase::SupabaseOptions o;
    o.url = config.supabase_url;
    o.key = config.supabase_key;
    o.bucket = config.bucket;
    o.max_object_size = config.max_file_size;
    o.pool.ca_file = config.ca_file;
    auto store = supabase::SupabaseStore::create(executor, workers, std::move(o));
    if (!store) return store.error();
    return std::unique_ptr<ObjectStore>(std::move(*store));
  }
  return std::unique_ptr<ObjectStore>(
      std::make_unique<local::LocalStore>(config.objects_dir.empty() ? config.data_dir + "/objects" : config.objects_dir, workers, config.max_file_size));
}

}  // namespace berth::storage
