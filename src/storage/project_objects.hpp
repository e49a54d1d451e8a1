#pragma once
// Whole-project operations on an ObjectStore: everything under a prefix
// (a project's `<ownerId>/<projectId>/` or a template's `_templates/<id>/`)
// together with its manifest, which lives outside the prefix
// (layout.hpp). Copying a template into a new project, or deleting a
// project, must never forget the manifest, so these are the only way to do
// either.
#include <boost/asio/awaitable.hpp>
#include <string>

#include "storage/object_store.hpp"
#include "storage/project_manifest.hpp"

namespace berth::storage {

// A missing manifest is an empty one (a bucket filled by another client).
boost::asio::awaitable<Result<ProjectManifest>> load_manifest(ObjectStore& store, std::string prefix);
// An empty manifest is removed rather than stored.
boost::asio::awaitable<Status> save_manifest(ObjectStore& store, std::string prefix, const ProjectManifest& manifest);

// Copies every object under `from` to the same path under `to`, `width` at a
// time, then the manifest. Objects already under `to` are overwritten.
boost::asio::awaitable<Status> copy_tree(ObjectStore& store, std::string from, std::string to, std::size_t width = 8);
// Deletes every object under `prefix` (listed, then removed in batches, as
// a folder name deletes nothing) and its manifest; returns how many
// objects existed (the manifest included).
boost::asio::awaitable<Result<std::size_t>> delete_tree(ObjectStore& store, std::string prefix);

}  // namespace berth::storage
