// The Supabase object-key codec: every name an editor can produce must be
// stored under a key the real server accepts, and must come back unchanged;
// a name the server already accepts (and that has no `*`) is stored as is.
#include "storage/supabase/key_codec.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <regex>
#include <string>
#include <vector>

using namespace berth::storage::supabase;
using namespace std::string_literals;

namespace {

// The real server's key rule (supabase/storage, and tests/support/storage-server/routes.mjs).
const std::regex& server_key_rule() {
  static const std::regex re("^[A-Za-z0-9_/!.*'() &$=@;:+,?-]*$");
  return re;
}

bool server_accepts(const std::string& key) { return std::regex_match(key, server_key_rule()); }

// Names a code editor (or a user) can give a file.
std::vector<std::string> editor_names() {
  return {
      "[slug].tsx", "{id}.json", "50%.txt", "~backup", "#notes.md", "héllo.txt", "日本語.md", "🎉.txt",
      "a\\b", "a*b", "*2A", "**", "*", "*4", "*ZZ", "*4a", "a*", "tab\there", "new\nline", "bell\x07",
      "del\x7F", "nul\0inside"s, "\0"s, "\x1F", "\"quoted\"", "<tag>", "a|b", "x^2", "`cmd`", "%20", "%",
      "src/[...all]/page.tsx", "dir with space/file (2).txt", "trailing/", "/leading", "", "a/b/c.d",
      "\xFF\xFE", "\xC3", "Ünïcödé/ファイル/🙂.md", "100% [done] {ok} ~ # \" < > | ^ ` \\",
  };
}

// Percent-decoding for the url_path checks.
std::optional<std::string> percent_decode(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size() || hex(s[i + 1]) < 0 || hex(s[i + 2]) < 0) return std::nullopt;
    out.push_back(char(hex(s[i + 1]) * 16 + hex(s[i + 2])));
    i += 2;
  }
  return out;
}

}  // namespace

TEST(StorageKeyCodec, AcceptedCharsAreExactlyTheServersRule) {
  for (int c = 0; c < 256; ++c) {
    std::string one(1, char(c));
    EXPECT_EQ(is_accepted_key_char(static_cast<unsigned char>(c)), server_accepts(one)) << "byte " << c;
  }
  EXPECT_TRUE(is_accepted_key_char('*'));  // accepted by the server, yet always escaped by the codec
  EXPECT_FALSE(is_accepted_key_char('%'));
  EXPECT_FALSE(is_accepted_key_char('#'));
  EXPECT_FALSE(is_accepted_key_char(0xC3));
}

TEST(StorageKeyCodec, EditorNamesRoundTripAndAreAccepted) {
  for (const auto& name : editor_names()) {
    auto stored = escape_key(name);
    EXPECT_TRUE(server_accepts(stored)) << "name [" << name << "] stored as [" << stored << "]";
    auto back = unescape_key(stored);
    ASSERT_TRUE(back.has_value()) << "stored [" << stored << "]";
    EXPECT_EQ(*back, name) << "stored [" << stored << "]";
  }
}

TEST(StorageKeyCodec, EscapesAsStarAndUpperCaseHex) {
  EXPECT_EQ(escape_key("[slug].tsx"), "*5Bslug*5D.tsx");
  EXPECT_EQ(escape_key("{id}.json"), "*7Bid*7D.json");
  EXPECT_EQ(escape_key("50%.txt"), "50*25.txt");
  EXPECT_EQ(escape_key("~backup"), "*7Ebackup");
  EXPECT_EQ(escape_key("#notes.md"), "*23notes.md");
  EXPECT_EQ(escape_key("héllo.txt"), "h*C3*A9llo.txt");
  EXPECT_EQ(escape_key("🎉.txt"), "*F0*9F*8E*89.txt");
  EXPECT_EQ(escape_key("a\\b"), "a*5Cb");
  EXPECT_EQ(escape_key("\"<>|^`"), "*22*3C*3E*7C*5E*60");
  EXPECT_EQ(escape_key("nul\0"s), "nul*00");
  EXPECT_EQ(escape_key("\x7F"), "*7F");
  EXPECT_EQ(escape_key("\xFF"), "*FF");
}

TEST(StorageKeyCodec, EscapeCharacterIsAlwaysEscaped) {
  EXPECT_EQ(escape_key("*"), "*2A");
  EXPECT_EQ(escape_key("a*b"), "a*2Ab");
  EXPECT_EQ(escape_key("**"), "*2A*2A");
  // A name that looks like an escape must not be read back as the byte it spells.
  EXPECT_EQ(escape_key("*2A"), "*2A2A");
  EXPECT_EQ(unescape_key(escape_key("*2A")), "*2A");
  EXPECT_EQ(unescape_key(escape_key("*41")), "*41");
}

TEST(StorageKeyCodec, AcceptedNamesWithoutStarAreUnchanged) {
  for (std::string name : {"src/main.py", "My File (1).txt", "a+b=c@d;e:f,g?h!i'j&k$l", "README.md",
                           "a-b_c.d/e f/(g)", "0123456789", "ABCxyz", ""}) {
    EXPECT_EQ(escape_key(name), name);
    EXPECT_EQ(unescape_key(name), name);
  }
}

TEST(StorageKeyCodec, UnescapeRefusesMalformedEscapes) {
  for (std::string bad : {"*", "*4", "*ZZ", "*4a", "*a4", "*G0", "*0G", "a*", "ab*4", "*4*", "x/*", "*2A*",
                          "* 1", "*-1", "*+1"}) {
    EXPECT_EQ(unescape_key(bad), std::nullopt) << "[" << bad << "]";
  }
}

TEST(StorageKeyCodec, UnescapeDecodesValidEscapes) {
  EXPECT_EQ(unescape_key("*41"), "A");
  EXPECT_EQ(unescape_key("*2A"), "*");
  EXPECT_EQ(unescape_key("a*2Ab"), "a*b");
  EXPECT_EQ(unescape_key("*00"), "\0"s);
  EXPECT_EQ(unescape_key("*FF"), "\xFF");
  EXPECT_EQ(unescape_key("*C3*A9"), "é");
  EXPECT_EQ(unescape_key("*2A2A"), "*2A");  // only the first three characters are an escape
}

TEST(StorageKeyCodec, RandomByteStringsRoundTripAndAreAccepted) {
  std::mt19937 rng(20240501);
  std::uniform_int_distribution<int> len(0, 64), byte(0, 255);
  std::vector<bool> seen(256, false);
  for (int n = 0; n < 10000; ++n) {
    std::string name(std::size_t(len(rng)), '\0');
    for (auto& c : name) {
      int b = byte(rng);
      seen[std::size_t(b)] = true;
      c = char(b);
    }
    auto stored = escape_key(name);
    ASSERT_TRUE(server_accepts(stored)) << "case " << n << " stored as [" << stored << "]";
    auto back = unescape_key(stored);
    ASSERT_TRUE(back.has_value()) << "case " << n << " stored as [" << stored << "]";
    ASSERT_EQ(*back, name) << "case " << n;
    // Never longer than three stored bytes per logical byte.
    ASSERT_LE(stored.size(), 3 * name.size()) << "case " << n;
  }
  for (int b = 0; b < 256; ++b) EXPECT_TRUE(seen[std::size_t(b)]) << "byte " << b << " never generated";
}

TEST(StorageKeyCodec, EscapeIsInjective) {
  // Two different names never share a stored key.
  std::vector<std::string> names = editor_names();
  for (std::size_t i = 0; i < names.size(); ++i)
    for (std::size_t j = i + 1; j < names.size(); ++j)
      if (names[i] != names[j]) {
        EXPECT_NE(escape_key(names[i]), escape_key(names[j])) << names[i] << " vs " << names[j];
      }
}

TEST(StorageKeyCodec, UrlPathKeepsSlashAndPlusAndEncodesTheRest) {
  EXPECT_EQ(url_path("src/main.py"), "src/main.py");
  EXPECT_EQ(url_path("a+b"), "a+b");
  EXPECT_EQ(url_path("My File (1).txt"), "My%20File%20(1).txt");
  EXPECT_EQ(url_path("a?b"), "a%3Fb");
  EXPECT_EQ(url_path("a#b"), "a%23b");
  EXPECT_EQ(url_path("50%"), "50%25");
  EXPECT_EQ(url_path("dir/sub dir/f+g?.txt"), "dir/sub%20dir/f+g%3F.txt");
  // Escaped keys keep their `*` so the server sees the stored key verbatim.
  EXPECT_EQ(url_path(escape_key("[slug].tsx")), "*5Bslug*5D.tsx");
  EXPECT_EQ(url_path(""), "");
}

TEST(StorageKeyCodec, UrlPathPercentDecodesBackToTheStoredKey) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> len(0, 64), byte(0, 255);
  for (int n = 0; n < 2000; ++n) {
    std::string name(std::size_t(len(rng)), '\0');
    for (auto& c : name) c = char(byte(rng));
    for (const auto& s : {name, escape_key(name)}) {
      auto path = url_path(s);
      for (unsigned char c : path) {
        // Nothing a URL gives a meaning to inside a path survives unencoded.
        ASSERT_TRUE(c > 0x20 && c < 0x7F && c != '?' && c != '#' && c != ' ' && c != '"' && c != '<' &&
                    c != '>' && c != '\\' && c != '^' && c != '`' && c != '{' && c != '|' && c != '}')
            << "byte " << int(c) << " in [" << path << "]";
      }
      auto decoded = percent_decode(path);
      ASSERT_TRUE(decoded.has_value()) << path;
      ASSERT_EQ(*decoded, s) << path;
    }
  }
}
