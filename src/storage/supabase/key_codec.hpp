#pragma once
// Supabase Storage accepts only object keys made of
// `A-Za-z0-9_/!.*'() &$=@;:+,?-` (its rule, checked by the real server);
// a code editor's names (`[slug].tsx`, `50%.txt`, `héllo.txt`, `🎉.txt`)
// are refused. The codec escapes every refused byte, and always the escape
// character `*` itself, as `*XX` (two upper-case hex digits) — made only of
// accepted characters, so the result is always accepted, and reversible.
//
// `*` is the escape because no file name on Windows may contain it, so
// names written by other tools almost never need it; a name made only of
// accepted characters other than `*` is stored unchanged, so the bucket
// stays readable in Supabase's dashboard and an existing bucket works.
// Pure functions, unit-tested and fuzzed.
#include <optional>
#include <string>
#include <string_view>

namespace berth::storage::supabase {

constexpr std::size_t kMaxKeyBytes = 1024;  // the server refuses longer names

bool is_accepted_key_char(unsigned char c);
std::string escape_key(std::string_view logical);
// nullopt when `stored` is not a valid escape (a bare `*`, bad hex).
std::optional<std::string> unescape_key(std::string_view stored);
// Percent-encodes a stored key for a URL path: `/` stays, a space is %20,
// a `+` stays `+` (the server does not read it as a space), others as needed.
std::string url_path(std::string_view stored);

}  // namespace berth::storage::supabase
