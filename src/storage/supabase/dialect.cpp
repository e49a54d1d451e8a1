#include "storage/supabase/dialect.hpp"

#include <boost/json.hpp>
#include <charconv>
#include <ctime>

#include "core/encoding.hpp"

namespace berth::storage::supabase {

namespace json = boost::json;

namespace {

std::optional<json::value> parse_json(std::string_view body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec) return std::nullopt;
  return v;
}

std::string str(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::uint64_t num(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v) return 0;
  if (v->is_int64()) return v->as_int64() < 0 ? 0 : std::uint64_t(v->as_int64());
  if (v->is_uint64()) return v->as_uint64();
  if (v->is_double()) return v->as_double() < 0 ? 0 : std::uint64_t(v->as_double());
  return 0;
}

std::string unquote(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

Error garbage(std::string_view what) {
  return make_error("storage_unavailable", "Supabase Storage answered something that is not its JSON (" +
                                               std::string(what) + ")");
}

}  // namespace

ServerError classify(int http_status, std::string_view body) {
  ServerError e;
  e.status = http_status;
  if (auto v = parse_json(body); v && v->is_object()) {
    auto& o = v->as_object();
    // The real status hides in the body, as a string ("404") or, for an
    // unknown route, a number.
    if (auto* sc = o.if_contains("statusCode")) {
      int s = 0;
      if (sc->is_string()) {
        auto t = std::string_view(sc->as_string());
        std::from_chars(t.data(), t.data() + t.size(), s);
      } else if (sc->is_int64()) {
        s = int(sc->as_int64());
      }
      if (s >= 100 && s <= 599) e.status = s;
    }
    e.code = str(o, "code");
    e.message = str(o, "message");
    if (e.message.empty()) e.message = str(o, "error");
  }
  e.unknown_route = http_status == 404;
  e.retryable = e.status >= 500 || e.status == 429 || e.code == "SlowDown" || e.code == "DatabaseTimeout";
  return e;
}

Error to_error(const ServerError& e, const std::string& what) {
  std::string said = e.message.empty() ? "" : " (" + e.message + ")";
  if (e.unknown_route)
    return make_error("storage_unavailable", what + ": the server has no such route" + said +
                                                 "; is SUPABASE_URL the project's URL (https://<project>.supabase.co)?");
  if (e.status == 404) return make_error("not_found", what + ": not in storage" + said);
  if (e.status == 409) return make_error("conflict", what + ": already exists in storage" + said);
  if (e.status == 413 || e.code == "EntityTooLarge")
    return make_error("too_large", what + ": over the storage server's size limit" + said);
  if (e.code == "InvalidKey") return make_error("invalid_path", what + ": the storage server refuses this name" + said);
  if (e.status == 401 || e.status == 403 || e.code == "AccessDenied")
    return make_error("storage_unavailable", what + ": Supabase Storage refused SUPABASE_KEY" + said +
                                                 "; set it to the project's service-role (secret) key");
  return make_error("storage_unavailable",
                    what + ": Supabase Storage answered " + std::to_string(e.status) + (e.code.empty() ? "" : " " + e.code) + said);
}

std::string list_request(std::string_view prefix, std::size_t limit, std::size_t offset) {
  json::object o;
  o["prefix"] = prefix;
  o["limit"] = limit;
  o["offset"] = offset;
  // Ascending only: a descending listing can skip entries (upstream bug).
  o["sortBy"] = json::object{{"column", "name"}, {"order", "asc"}};
  return json::serialize(o);
}

Result<std::vector<ListRow>> parse_list(std::string_view body) {
  auto v = parse_json(body);
  if (!v || !v->is_array()) return garbage("a listing");
  std::vector<ListRow> out;
  for (auto& item : v->as_array()) {
    if (!item.is_object()) return garbage("a listing row");
    auto& o = item.as_object();
    ListRow row;
    row.name = str(o, "name");
    auto* id = o.if_contains("id");
    row.folder = !id || id->is_null();
    if (auto* m = o.if_contains("metadata"); m && m->is_object()) {
      auto& meta = m->as_object();
      row.size = num(meta, "size");
      row.etag = unquote(str(meta, "eTag"));
      row.content_type = str(meta, "mimetype");
      row.modified_ms = parse_iso8601_ms(str(meta, "lastModified")).value_or(0);
    }
    if (!row.modified_ms) row.modified_ms = parse_iso8601_ms(str(o, "updated_at")).value_or(0);
    if (!row.name.empty()) out.push_back(std::move(row));
  }
  return out;
}

std::string delete_request(const std::vector<std::string>& stored_keys) {
  json::array a;
  for (auto& k : stored_keys) a.emplace_back(k);
  return json::serialize(json::object{{"prefixes", std::move(a)}});
}

Result<std::size_t> parse_delete(std::string_view body) {
  auto v = parse_json(body);
  if (!v || !v->is_array()) return garbage("a delete answer");
  return v->as_array().size();
}

std::string move_request(std::string_view bucket, std::string_view from, std::string_view to) {
  return json::serialize(json::object{{"bucketId", bucket}, {"sourceKey", from}, {"destinationKey", to}});
}

std::string bucket_request(std::string_view name) {
  return json::serialize(json::object{{"id", name}, {"name", name}, {"public", false}});
}

Result<std::optional<std::uint64_t>> parse_bucket_limit(std::string_view body) {
  auto v = parse_json(body);
  if (!v || !v->is_object()) return garbage("a bucket");
  auto* limit = v->as_object().if_contains("file_size_limit");
  if (!limit || limit->is_null()) return std::optional<std::uint64_t>{};
  auto n = num(v->as_object(), "file_size_limit");
  return n ? std::optional<std::uint64_t>(n) : std::nullopt;
}

Result<Info> parse_info(std::string_view body) {
  auto v = parse_json(body);
  if (!v || !v->is_object()) return garbage("an object's info");
  auto& o = v->as_object();
  Info info;
  info.size = num(o, "size");
  info.etag = unquote(str(o, "etag"));
  info.content_type = str(o, "content_type");
  if (auto* m = o.if_contains("metadata"); m && m->is_object()) {
    if (!info.size) info.size = num(m->as_object(), "size");
    if (info.etag.empty()) info.etag = unquote(str(m->as_object(), "eTag"));
    if (info.content_type.empty()) info.content_type = str(m->as_object(), "mimetype");
  }
  info.modified_ms = parse_iso8601_ms(str(o, "last_modified")).value_or(0);
  return info;
}

std::optional<std::int64_t> parse_iso8601_ms(std::string_view t) {
  // YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH[:MM]], nothing after; an offset is applied.
  if (t.size() < 19 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != ' ') || t[13] != ':' || t[16] != ':')
    return std::nullopt;
  auto field = [&](std::size_t at, std::size_t len) {
    if (at + len > t.size()) return -1;
    int v = 0;
    for (std::size_t i = at; i < at + len; ++i) {
      if (t[i] < '0' || t[i] > '9') return -1;  // digits only: no sign, no space
      v = v * 10 + (t[i] - '0');
    }
    return v;
  };
  int year = field(0, 4), month = field(5, 2), day = field(8, 2);
  int hour = field(11, 2), minute = field(14, 2), second = field(17, 2);
  if (year < 1900 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
      second < 0 || second > 60)
    return std::nullopt;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (day > kDays[month - 1] + (month == 2 && leap ? 1 : 0)) return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  std::int64_t ms = 0;
  std::size_t i = 19;
  if (i < t.size() && t[i] == '.') {
    int digits = 0;
    for (++i; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i)
      if (digits++ < 3) ms = ms * 10 + (t[i] - '0');
    if (!digits) return std::nullopt;
    for (; digits < 3; ++digits) ms *= 10;
  }
  std::int64_t offset_s = 0;
  if (i < t.size() && (t[i] == 'Z' || t[i] == 'z')) {
    ++i;
  } else if (i < t.size() && (t[i] == '+' || t[i] == '-')) {
    int sign = t[i] == '-' ? -1 : 1;
    int oh = field(i + 1, 2), om = 0;
    if (oh < 0 || oh > 23) return std::nullopt;
    i += 3;
    if (i < t.size()) {
      if (t[i] == ':') ++i;
      om = field(i, 2);
      if (om < 0 || om > 59) return std::nullopt;
      i += 2;
    }
    offset_s = sign * (oh * 3600 + om * 60);
  }
  if (i != t.size()) return std::nullopt;
  return (std::int64_t(timegm(&tm)) - offset_s) * 1000 + ms;
}

Status check_service_key(std::string_view key) {
  if (key.starts_with("sb_publishable_"))
    return make_error("bad_config", "SUPABASE_KEY is a publishable key (sb_publishable_…), which cannot read a "
                                    "private bucket: set it to the secret key (sb_secret_…) or the service_role key "
                                    "from the Supabase dashboard (Project Settings → API Keys)");
  if (key.starts_with("sb_secret_")) return Ok{};
  // A legacy key is a JWT whose payload names its role.
  auto dot1 = key.find('.'), dot2 = key.rfind('.');
  if (dot1 == std::string_view::npos || dot1 == dot2) return Ok{};  // not a JWT: the server will judge it
  auto payload = base64url_decode(key.substr(dot1 + 1, dot2 - dot1 - 1));
  if (!payload) return Ok{};
  auto v = parse_json(*payload);
  if (!v || !v->is_object()) return Ok{};
  auto role = str(v->as_object(), "role");
  if (role == "anon")
    return make_error("bad_config", "SUPABASE_KEY is the anon key, which cannot read a private bucket: set it to "
                                    "the service_role key from the Supabase dashboard (Project Settings → API Keys)");
  return Ok{};
}

}  // namespace berth::storage::supabase
