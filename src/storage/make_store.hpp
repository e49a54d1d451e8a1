#pragma once
// Picks the ObjectStore the configuration names (BERTH_STORAGE): the local
// store under the data dir by default, Supabase Storage when SUPABASE_URL is set.
#include <boost/asio/any_io_executor.hpp>
#include <memory>

#include "core/config.hpp"
#include "core/worker_pool.hpp"
#include "storage/object_store.hpp"

namespace berth::storage {

Result<std::unique_ptr<ObjectStore>> make_object_store(const Config& config, boost::asio::any_io_executor executor,
                                                       WorkerPool& workers);

}  // namespace berth::storage
