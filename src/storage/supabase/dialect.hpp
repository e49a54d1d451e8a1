#pragma once
// The Supabase Storage REST dialect as pure functions: the JSON bodies Berth
// sends and the answers it reads, with the real server's quirks
// (storage v1.70): an error is usually HTTP 400 whose body carries the real
// status as a *string* (`{"statusCode":"404","code":"NoSuchKey",…}`), a
// listing is one level deep with folders as all-null rows, a bulk delete
// answers the rows it really removed. No I/O, unit-tested.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace berth::storage::supabase {

// What a non-2xx answer means.
struct ServerError {
  int status = 0;        // the real status: the body's statusCode, else the HTTP status
  std::string code;      // NoSuchKey, KeyAlreadyExists, AccessDenied, InvalidKey, EntityTooLarge, ...
  std::string message;   // the server's words
  bool retryable = false;  // 5xx, 429, SlowDown, DatabaseTimeout: worth another try
  // A real HTTP 404: the server has no such route (a missing object is a
  // 400 with "404" inside), so SUPABASE_URL points somewhere else.
  bool unknown_route = false;
};
ServerError classify(int http_status, std::string_view body);
// The catalogue error for a caller, naming the key or operation in `what`.
Error to_error(const ServerError& e, const std::string& what);

// One row of a listing (one level), names still escaped as stored.
struct ListRow {
  std::string name;
  bool folder = false;  // "id": null
  std::uint64_t size = 0;
  std::string etag;  // without quotes
  std::string content_type;
  std::int64_t modified_ms = 0;
};
std::string list_request(std::string_view prefix, std::size_t limit, std::size_t offset);
Result<std::vector<ListRow>> parse_list(std::string_view body);

std::string delete_request(const std::vector<std::string>& stored_keys);
// How many rows the server says it deleted.
Result<std::size_t> parse_delete(std::string_view body);

std::string move_request(std::string_view bucket, std::string_view from, std::string_view to);
std::string bucket_request(std::string_view name);

// GET /bucket/{name}: the bucket's own upload limit, when it has one.
Result<std::optional<std::uint64_t>> parse_bucket_limit(std::string_view body);

// GET /object/info/{bucket}/{key}.
struct Info {
  std::uint64_t size = 0;
  std::string etag, content_type;
  std::int64_t modified_ms = 0;
};
Result<Info> parse_info(std::string_view body);

// "2024-05-01T10:20:30.123Z" (or +00:00) → ms since the epoch; nullopt if not.
std::optional<std::int64_t> parse_iso8601_ms(std::string_view text);

// SUPABASE_KEY must be a key that can read a private bucket: the
// service-role JWT or a `sb_secret_…` key. The anon JWT and `sb_publishable_`
// keys are refused with a message that says which key to take.
Status check_service_key(std::string_view key);

}  // namespace berth::storage::supabase
