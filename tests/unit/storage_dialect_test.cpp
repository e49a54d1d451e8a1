// The Supabase Storage REST dialect against bodies as the real server
// (storage v1.70) words them: errors are HTTP 400 with the real status as a
// string in the body, unknown routes a real 404 with a numeric one, listings
// one level deep with folders as all-null rows.
#include "storage/supabase/dialect.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/encoding.hpp"

using namespace berth;
using namespace berth::storage::supabase;
namespace json = boost::json;

namespace {

json::object parse_object(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  EXPECT_FALSE(ec) << text;
  EXPECT_TRUE(v.is_object()) << text;
  return v.is_object() ? v.as_object() : json::object{};
}

std::string jwt(const json::object& payload) {
  return base64url_encode(R"({"alg":"HS256","typ":"JWT"})") + "." + base64url_encode(json::serialize(payload)) + "." +
         base64url_encode("not-a-real-signature-but-32-byte");
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

constexpr std::int64_t kMay1 = 1714558830123;  // 2024-05-01T10:20:30.123Z

}  // namespace

// ---- classify / to_error

TEST(StorageDialect, NoSuchKeyIsA404HiddenInA400) {
  auto e = classify(400, R"({"statusCode":"404","error":"not_found","message":"Object not found","code":"NoSuchKey"})");
  EXPECT_EQ(e.status, 404);
  EXPECT_EQ(e.code, "NoSuchKey");
  EXPECT_EQ(e.message, "Object not found");
  EXPECT_FALSE(e.retryable);
  auto err = to_error(e, "docs/a.txt");
  EXPECT_EQ(err.code, "not_found");
  EXPECT_TRUE(contains(err.message, "docs/a.txt")) << err.message;
}

TEST(StorageDialect, NoSuchBucketIsNotFound) {
  auto e = classify(400, R"({"statusCode":"404","error":"Bucket not found","message":"Bucket not found","code":"NoSuchBucket"})");
  EXPECT_EQ(e.status, 404);
  EXPECT_EQ(e.code, "NoSuchBucket");
  EXPECT_EQ(to_error(e, "bucket berth").code, "not_found");
}

TEST(StorageDialect, UnknownRouteIsARealNotFoundWithANumericStatus) {
  auto e = classify(404, R"({"statusCode":404,"error":"Not Found","message":"Route GET:/objekt/b/a not found"})");
  EXPECT_EQ(e.status, 404);
  EXPECT_EQ(e.code, "");
  EXPECT_EQ(e.message, "Route GET:/objekt/b/a not found");
  EXPECT_FALSE(e.retryable);
  EXPECT_TRUE(e.unknown_route);
  auto err = to_error(e, "x");  // a wrong base URL, not a missing file
  EXPECT_EQ(err.code, "storage_unavailable");
  EXPECT_NE(err.message.find("SUPABASE_URL"), std::string::npos) << err.message;
}

TEST(StorageDialect, AccessDeniedNamesTheServiceKey) {
  auto e = classify(400, R"({"statusCode":"403","error":"Unauthorized","message":"new row violates row-level security policy","code":"AccessDenied"})");
  EXPECT_EQ(e.status, 403);
  EXPECT_EQ(e.code, "AccessDenied");
  EXPECT_FALSE(e.retryable);
  auto err = to_error(e, "upload a.txt");
  EXPECT_EQ(err.code, "storage_unavailable");
  EXPECT_TRUE(contains(err.message, "SUPABASE_KEY")) << err.message;
  EXPECT_TRUE(contains(err.message, "service-role")) << err.message;
  EXPECT_TRUE(contains(err.message, "row-level security")) << err.message;
}

TEST(StorageDialect, KeyAlreadyExistsIsConflict) {
  auto e = classify(400, R"({"statusCode":"409","error":"Duplicate","message":"The resource already exists","code":"KeyAlreadyExists"})");
  EXPECT_EQ(e.status, 409);
  EXPECT_EQ(e.code, "KeyAlreadyExists");
  EXPECT_FALSE(e.retryable);
  EXPECT_EQ(to_error(e, "a.txt").code, "conflict");
}

TEST(StorageDialect, EntityTooLargeIsTooLarge) {
  auto e = classify(400, R"({"statusCode":"413","error":"Payload too large","message":"The object exceeded the maximum allowed size","code":"EntityTooLarge"})");
  EXPECT_EQ(e.status, 413);
  EXPECT_EQ(e.code, "EntityTooLarge");
  EXPECT_FALSE(e.retryable);
  EXPECT_EQ(to_error(e, "big.bin").code, "too_large");
  // The gateway's own 413 without the envelope is too large as well.
  EXPECT_EQ(to_error(classify(413, "<html>413 Request Entity Too Large</html>"), "big.bin").code, "too_large");
}

TEST(StorageDialect, InvalidKeyIsInvalidPath) {
  auto e = classify(400, R"({"statusCode":"400","error":"InvalidKey","message":"Invalid key: [slug].tsx","code":"InvalidKey"})");
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.code, "InvalidKey");
  EXPECT_FALSE(e.retryable);
  auto err = to_error(e, "[slug].tsx");
  EXPECT_EQ(err.code, "invalid_path");
  EXPECT_TRUE(contains(err.message, "Invalid key")) << err.message;
}

TEST(StorageDialect, DatabaseTimeoutIsRetryable) {
  auto e = classify(500, R"({"statusCode":"500","error":"DatabaseTimeout","message":"timeout acquiring a connection to the database","code":"DatabaseTimeout"})");
  EXPECT_EQ(e.status, 500);
  EXPECT_EQ(e.code, "DatabaseTimeout");
  EXPECT_TRUE(e.retryable);
  EXPECT_EQ(to_error(e, "a.txt").code, "storage_unavailable");
  // Retryable by its code alone, whatever status the body names.
  EXPECT_TRUE(classify(400, R"({"statusCode":"400","code":"DatabaseTimeout","message":"x"})").retryable);
}

TEST(StorageDialect, ServiceUnavailableIsRetryable) {
  auto e = classify(400, R"({"statusCode":"503","error":"DatabaseConnectionLimit","message":"Too many connections issued to the database","code":"DatabaseConnectionLimit"})");
  EXPECT_EQ(e.status, 503);
  EXPECT_TRUE(e.retryable);
  auto err = to_error(e, "a.txt");
  EXPECT_EQ(err.code, "storage_unavailable");
  EXPECT_TRUE(contains(err.message, "503")) << err.message;
  EXPECT_TRUE(classify(503, "").retryable);
}

TEST(StorageDialect, SlowDownIsRetryable) {
  auto e = classify(400, R"({"statusCode":"429","error":"SlowDown","message":"Please reduce your request rate","code":"SlowDown"})");
  EXPECT_EQ(e.status, 429);
  EXPECT_EQ(e.code, "SlowDown");
  EXPECT_TRUE(e.retryable);
  EXPECT_EQ(to_error(e, "a.txt").code, "storage_unavailable");
  // By its code alone too.
  EXPECT_TRUE(classify(400, R"({"statusCode":"400","code":"SlowDown"})").retryable);
}

TEST(StorageDialect, GatewayRateLimitIsRetryable) {
  auto e = classify(429, R"({"message":"API rate limit exceeded"})");
  EXPECT_EQ(e.status, 429);
  EXPECT_EQ(e.code, "");
  EXPECT_EQ(e.message, "API rate limit exceeded");
  EXPECT_TRUE(e.retryable);
  EXPECT_EQ(to_error(e, "a.txt").code, "storage_unavailable");
}

TEST(StorageDialect, GarbageOrEmptyBodyKeepsTheHttpStatus) {
  // HEAD of a missing object: a bodiless 400.
  auto head = classify(400, "");
  EXPECT_EQ(head.status, 400);
  EXPECT_EQ(head.code, "");
  EXPECT_EQ(head.message, "");
  EXPECT_FALSE(head.retryable);
  EXPECT_EQ(to_error(head, "a.txt").code, "storage_unavailable");

  auto html = classify(502, "<html><body>502 Bad Gateway</body></html>");
  EXPECT_EQ(html.status, 502);
  EXPECT_EQ(html.code, "");
  EXPECT_TRUE(html.retryable);
  EXPECT_EQ(to_error(html, "a.txt").code, "storage_unavailable");

  for (std::string body : {"{", "null", "[]", "\"404\"", "404", R"({"statusCode":"abc"})", R"({"statusCode":"999"})",
                           R"({"statusCode":true})"}) {
    auto e = classify(400, body);
    EXPECT_EQ(e.status, 400) << body;
    EXPECT_FALSE(e.retryable) << body;
  }
}

TEST(StorageDialect, ToErrorSaysWhatAndTheServersWords) {
  ServerError e;
  e.status = 500;
  e.code = "InternalError";
  e.message = "Internal Server Error";
  auto err = to_error(e, "list docs/");
  EXPECT_EQ(err.code, "storage_unavailable");
  EXPECT_TRUE(contains(err.message, "list docs/")) << err.message;
  EXPECT_TRUE(contains(err.message, "500")) << err.message;
  EXPECT_TRUE(contains(err.message, "InternalError")) << err.message;
  EXPECT_TRUE(contains(err.message, "Internal Server Error")) << err.message;
}

// ---- listing

TEST(StorageDialect, ListRequestIsAscendingByName) {
  auto o = parse_object(list_request("docs/sub/", 100, 200));
  ASSERT_TRUE(o.contains("prefix"));
  EXPECT_EQ(o.at("prefix").as_string(), "docs/sub/");
  EXPECT_EQ(o.at("limit").to_number<std::int64_t>(), 100);
  EXPECT_EQ(o.at("offset").to_number<std::int64_t>(), 200);
  ASSERT_TRUE(o.at("sortBy").is_object());
  auto& sort = o.at("sortBy").as_object();
  EXPECT_EQ(sort.at("column").as_string(), "name");
  EXPECT_EQ(sort.at("order").as_string(), "asc");
  EXPECT_FALSE(o.contains("search"));

  // A prefix with quotes and escapes survives as JSON.
  EXPECT_EQ(parse_object(list_request("a\"b\\c*5B/", 1, 0)).at("prefix").as_string(), "a\"b\\c*5B/");
  EXPECT_EQ(parse_object(list_request("", 1, 0)).at("prefix").as_string(), "");
}

TEST(StorageDialect, ParseListReadsFoldersAndFiles) {
  auto body = R"([
    {"name":"sub","id":null,"updated_at":null,"created_at":null,"last_accessed_at":null,"metadata":null},
    {"name":"a.txt","id":"0b2f6a8e-0c1d-4e3a-9f00-1b2c3d4e5f60","updated_at":"2024-05-01T10:20:30.123Z",
     "created_at":"2024-05-01T10:20:30.123Z","last_accessed_at":"2024-05-01T10:20:30.123Z",
     "metadata":{"eTag":"\"abc\"","size":12,"mimetype":"text/plain","cacheControl":"max-age=3600",
                 "lastModified":"2024-05-01T10:20:30.123Z","contentLength":12,"httpStatusCode":200}},
    {"name":"*5Bslug*5D.tsx","id":"0b2f6a8e-0c1d-4e3a-9f00-1b2c3d4e5f61","updated_at":"2024-05-01T10:20:31.000Z",
     "created_at":"2024-05-01T10:20:31.000Z","last_accessed_at":"2024-05-01T10:20:31.000Z",
     "metadata":{"eTag":"\"d41d8cd98f00b204e9800998ecf8427e\"","size":0,"mimetype":"application/octet-stream",
                 "cacheControl":"max-age=3600","lastModified":"2024-05-01T10:20:31.000Z","contentLength":0,
                 "httpStatusCode":200}}
  ])";
  auto rows = parse_list(body);
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 3u);

  auto& folder = (*rows)[0];
  EXPECT_EQ(folder.name, "sub");
  EXPECT_TRUE(folder.folder);
  EXPECT_EQ(folder.size, 0u);
  EXPECT_EQ(folder.etag, "");
  EXPECT_EQ(folder.modified_ms, 0);

  auto& file = (*rows)[1];
  EXPECT_EQ(file.name, "a.txt");
  EXPECT_FALSE(file.folder);
  EXPECT_EQ(file.size, 12u);
  EXPECT_EQ(file.etag, "abc");
  EXPECT_EQ(file.content_type, "text/plain");
  EXPECT_EQ(file.modified_ms, kMay1);

  auto& escaped = (*rows)[2];
  EXPECT_EQ(escaped.name, "*5Bslug*5D.tsx");  // still as stored
  EXPECT_FALSE(escaped.folder);
  EXPECT_EQ(escaped.size, 0u);
  EXPECT_EQ(escaped.etag, "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(escaped.modified_ms, kMay1 - 123 + 1000);
}

TEST(StorageDialect, ParseListFallsBackToUpdatedAt) {
  auto rows = parse_list(R"([{"name":"b.txt","id":"x","updated_at":"2024-05-01T10:20:30.123+00:00",
                             "metadata":{"size":3,"mimetype":"text/plain"}}])");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].modified_ms, kMay1);
  EXPECT_EQ((*rows)[0].size, 3u);
}

TEST(StorageDialect, ParseListOfNothing) {
  auto rows = parse_list("[]");
  ASSERT_TRUE(rows.ok());
  EXPECT_TRUE(rows->empty());
}

TEST(StorageDialect, ParseListRefusesGarbage) {
  for (std::string body : {"", "not json", "{}", R"({"statusCode":"404","code":"NoSuchBucket"})", "[1,2]",
                           R"([{"name":"a","id":"x"},"b"])", "null"}) {
    auto rows = parse_list(body);
    ASSERT_FALSE(rows.ok()) << body;
    EXPECT_EQ(rows.error().code, "storage_unavailable") << body;
  }
}

// ---- delete, move, bucket

TEST(StorageDialect, DeleteRequestNamesThePrefixes) {
  auto o = parse_object(delete_request({"a.txt", "docs/*5Bslug*5D.tsx", "q\"uote"}));
  ASSERT_TRUE(o.at("prefixes").is_array());
  auto& a = o.at("prefixes").as_array();
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].as_string(), "a.txt");
  EXPECT_EQ(a[1].as_string(), "docs/*5Bslug*5D.tsx");
  EXPECT_EQ(a[2].as_string(), "q\"uote");
  EXPECT_TRUE(parse_object(delete_request({})).at("prefixes").as_array().empty());
}

TEST(StorageDialect, ParseDeleteCountsTheRowsRemoved) {
  auto n = parse_delete(R"([
    {"bucket_id":"berth","name":"a.txt","owner":null,"id":"0b2f6a8e-0c1d-4e3a-9f00-1b2c3d4e5f60",
     "updated_at":"2024-05-01T10:20:30.123Z","created_at":"2024-05-01T10:20:30.123Z",
     "last_accessed_at":"2024-05-01T10:20:30.123Z","metadata":{"size":12},"version":"v1"},
    {"bucket_id":"berth","name":"b.txt","owner":null,"id":"0b2f6a8e-0c1d-4e3a-9f00-1b2c3d4e5f61",
     "updated_at":"2024-05-01T10:20:30.123Z","created_at":"2024-05-01T10:20:30.123Z",
     "last_accessed_at":"2024-05-01T10:20:30.123Z","metadata":{"size":1},"version":"v1"}])");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2u);
  auto none = parse_delete("[]");  // the names did not exist
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0u);
  for (std::string body : {"", "garbage", R"({"message":"Successfully deleted"})"}) {
    auto r = parse_delete(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().code, "storage_unavailable") << body;
  }
}

TEST(StorageDialect, MoveRequestNamesBucketSourceAndDestination) {
  auto o = parse_object(move_request("berth", "docs/a.txt", "docs/*5Bb*5D.txt"));
  EXPECT_EQ(o.at("bucketId").as_string(), "berth");
  EXPECT_EQ(o.at("sourceKey").as_string(), "docs/a.txt");
  EXPECT_EQ(o.at("destinationKey").as_string(), "docs/*5Bb*5D.txt");
  EXPECT_EQ(o.size(), 3u);
}

TEST(StorageDialect, BucketRequestIsPrivate) {
  auto o = parse_object(bucket_request("berth-files"));
  EXPECT_EQ(o.at("id").as_string(), "berth-files");
  EXPECT_EQ(o.at("name").as_string(), "berth-files");
  ASSERT_TRUE(o.at("public").is_bool());
  EXPECT_FALSE(o.at("public").as_bool());
}

TEST(StorageDialect, ParseBucketLimit) {
  auto none = parse_bucket_limit(R"({"id":"berth","name":"berth","owner":"","public":false,"type":"STANDARD",
    "file_size_limit":null,"allowed_mime_types":null,"created_at":"2024-05-01T10:20:30.123Z",
    "updated_at":"2024-05-01T10:20:30.123Z"})");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, std::nullopt);

  auto limited = parse_bucket_limit(R"({"id":"berth","name":"berth","owner":"","public":false,
    "file_size_limit":52428800,"allowed_mime_types":null})");
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(*limited, std::optional<std::uint64_t>(52428800));

  auto zero = parse_bucket_limit(R"({"id":"berth","file_size_limit":0})");  // 0 means none
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(*zero, std::nullopt);

  auto absent = parse_bucket_limit(R"({"id":"berth","name":"berth"})");
  ASSERT_TRUE(absent.ok());
  EXPECT_EQ(*absent, std::nullopt);

  for (std::string body : {"", "[]", "<html>"}) {
    auto r = parse_bucket_limit(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().code, "storage_unavailable");
  }
}

TEST(StorageDialect, ParseInfo) {
  auto info = parse_info(R"({"id":"0b2f6a8e-0c1d-4e3a-9f00-1b2c3d4e5f60","name":"docs/a.txt",
    "version":"6c3b5e2a-1111-2222-3333-444455556666","bucket_id":"berth","size":12,"content_type":"text/plain",
    "cache_control":"max-age=3600","etag":"\"abc\"","metadata":{},"last_modified":"2024-05-01T10:20:30.123Z",
    "created_at":"2024-05-01T10:20:30.123Z"})");
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->size, 12u);
  EXPECT_EQ(info->etag, "abc");
  EXPECT_EQ(info->content_type, "text/plain");
  EXPECT_EQ(info->modified_ms, kMay1);

  // Older answers carry size, etag and type in the metadata only.
  auto meta = parse_info(R"({"name":"a.txt","metadata":{"eTag":"\"def\"","size":7,"mimetype":"image/png"},
    "last_modified":"2024-05-01T10:20:30+00:00"})");
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->size, 7u);
  EXPECT_EQ(meta->etag, "def");
  EXPECT_EQ(meta->content_type, "image/png");
  EXPECT_EQ(meta->modified_ms, kMay1 - 123);

  for (std::string body : {"", "[]", "Object not found"}) {
    auto r = parse_info(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().code, "storage_unavailable");
  }
}

// ---- timestamps

TEST(StorageDialect, ParseIso8601) {
  EXPECT_EQ(parse_iso8601_ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_iso8601_ms("1970-01-01T00:00:00.001Z"), 1);
  EXPECT_EQ(parse_iso8601_ms("2024-05-01T10:20:30.123Z"), kMay1);
  EXPECT_EQ(parse_iso8601_ms("2024-05-01T10:20:30.123+00:00"), kMay1);
  EXPECT_EQ(parse_iso8601_ms("2024-05-01T10:20:30Z"), kMay1 - 123);
  EXPECT_EQ(parse_iso8601_ms("2024-05-01T10:20:30+00:00"), kMay1 - 123);
  EXPECT_EQ(parse_iso8601_ms("2024-05-01T10:20:30.1Z"), kMay1 - 23);
  EXPECT_EQ(parse_iso8601_ms("2024-05-01T10:20:30.123456Z"), kMay1);  // microseconds truncated
  EXPECT_EQ(parse_iso8601_ms("2024-05-01 10:20:30.123+00"), kMay1);  // PostgreSQL's text form
  EXPECT_EQ(parse_iso8601_ms("2024-02-29T00:00:00Z"), 1709164800000);
  EXPECT_EQ(parse_iso8601_ms("2000-01-01T00:00:00Z"), 946684800000);
}

TEST(StorageDialect, ParseIso8601AppliesOrRefusesAnOffset) {
  // 12:20:30.123+02:00 is 10:20:30.123Z: it must not be read as 12:20 UTC.
  for (std::string t : {"2024-05-01T12:20:30.123+02:00", "2024-05-01T08:20:30.123-02:00"}) {
    auto v = parse_iso8601_ms(t);
    EXPECT_TRUE(!v || *v == kMay1) << t << " gave " << (v ? std::to_string(*v) : "nullopt");
  }
}

TEST(StorageDialect, ParseIso8601Offsets) {
  EXPECT_EQ(parse_iso8601_ms("2024-05-01T12:20:30.123+02:00"), kMay1);
  EXPECT_EQ(parse_iso8601_ms("2024-05-01T12:20:30.123+0200"), kMay1);
  EXPECT_EQ(parse_iso8601_ms("2024-05-01T15:50:30.123+05:30"), kMay1);
  EXPECT_EQ(parse_iso8601_ms("2024-05-01T08:20:30.123-02:00"), kMay1);
  EXPECT_EQ(parse_iso8601_ms("2024-05-01T10:20:30.123-00:00"), kMay1);
  EXPECT_EQ(parse_iso8601_ms("2024-05-01T10:20:30.123z"), kMay1);
  EXPECT_EQ(parse_iso8601_ms("2024-05-01T10:20:30.123"), kMay1);  // no zone: UTC
}

TEST(StorageDialect, ParseIso8601RefusesGarbage) {
  for (std::string t : {"", "garbage", "2024-05-01", "2024-05-01T10:20", "2024/05/01T10:20:30Z",
                        "2024-05-01X10:20:30Z", "abcd-05-01T10:20:30Z", "2024-xx-01T10:20:30Z",
                        "2024-05-01T10:20:3xZ", "2024-13-01T10:20:30Z", "2024-05-32T10:20:30Z",
                        "2024-00-01T10:20:30Z", "2024-05-01T25:20:30Z", "2024-05-01T10:61:30Z",
                        "2024-05-01T-1:20:30Z", "2024-05-01T-0:20:30Z", "2024-05-01T10:20:30.123Zjunk",
                        "2024-05-01T10:20:30 and more", "2024-05-01T10:20:30.123+0x:00",
                        "2023-02-29T00:00:00Z", "2024-04-31T00:00:00Z", "2024-05-01T10:20:30.Z",
                        "2024-05-01T10:20:30+2", "2024-05-01T10:20:30+02:0", "2024-05-01T10:20:30+24:00",
                        "2024-05-01T10:20:30ZZ", "1899-12-31T23:59:59Z"}) {
    auto v = parse_iso8601_ms(t);
    EXPECT_EQ(v, std::nullopt) << "[" << t << "] gave " << (v ? std::to_string(*v) : "");
  }
}

// ---- SUPABASE_KEY

TEST(StorageDialect, PublishableKeyIsRefused) {
  auto s = check_service_key("sb_publishable_7Xk2VQm9e4Jt0sLrA1bC3d_EfGh5iJk");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "bad_config");
  EXPECT_TRUE(contains(s.error().message, "secret key")) << s.error().message;
  EXPECT_TRUE(contains(s.error().message, "SUPABASE_KEY")) << s.error().message;
}

TEST(StorageDialect, SecretKeyIsAccepted) {
  EXPECT_TRUE(check_service_key("sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz").ok());
}

TEST(StorageDialect, AnonJwtIsRefused) {
  auto key = jwt({{"role", "anon"}, {"iss", "supabase"}});
  auto s = check_service_key(key);
  ASSERT_FALSE(s.ok()) << key;
  EXPECT_EQ(s.error().code, "bad_config");
  EXPECT_TRUE(contains(s.error().message, "anon")) << s.error().message;
  EXPECT_TRUE(contains(s.error().message, "service_role")) << s.error().message;

  // As the dashboard hands it out, with a project ref and times.
  auto legacy = jwt({{"iss", "supabase"}, {"ref", "abcdefghijklmnopqrst"}, {"role", "anon"}, {"iat", 1700000000},
                     {"exp", 2015576000}});
  EXPECT_FALSE(check_service_key(legacy).ok()) << legacy;
}

TEST(StorageDialect, ServiceRoleJwtIsAccepted) {
  EXPECT_TRUE(check_service_key(jwt({{"role", "service_role"}, {"iss", "supabase"}})).ok());
  EXPECT_TRUE(check_service_key(jwt({{"iss", "supabase"}, {"ref", "abcdefghijklmnopqrst"}, {"role", "service_role"},
                                     {"iat", 1700000000}, {"exp", 2015576000}}))
                  .ok());
}

TEST(StorageDialect, OtherKeysAreLeftToTheServer) {
  for (std::string key : {"", "some-random-string", "a.b", "a.b.c", "x.!!!.y", "sb_secretless", "..",
                          "eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln"}) {
    EXPECT_TRUE(check_service_key(key).ok()) << key;
  }
}
