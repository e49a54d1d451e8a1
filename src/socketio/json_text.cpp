#include "socketio/json_text.hpp"

namespace berth::socketio {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Scanner {
 public:
  Scanner(std::string_view text, const JsonScanOptions& options, JsonScan& out)
      : s_(text), options_(options), out_(out) {}

  bool run() {
    skip_space();
    if (i_ >= s_.size()) return fail("empty");
    out_.kind = s_[i_];
    if (!value(0, true)) return false;
    skip_space();
    if (i_ != s_.size()) return fail("trailing characters");
    return true;
  }

  const char* error = nullptr;

 private:
  bool fail(const char* why) {
    if (!error) error = why;
    return false;
  }
  void skip_space() {
    while (i_ < s_.size() && is_space(s_[i_])) ++i_;
  }
  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return fail("bad literal");
    i_ += word.size();
    return true;
  }

  bool value(int depth, bool top) {
    if (i_ >= s_.size()) return fail("unexpected end");
    switch (s_[i_]) {
      case '{': return object(depth + 1);
      case '[': return array(depth + 1, top);
      case '"': return string();
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      default: return number();
    }
  }

  bool number() {
    std::size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    if (i_ >= s_.size() || !is_digit(s_[i_])) return fail("bad number");
    if (s_[i_] == '0') {
      ++i_;
    } else {
      while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
    }
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (i_ >= s_.size() || !is_digit(s_[i_])) return fail("bad fraction");
      while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (i_ >= s_.size() || !is_digit(s_[i_])) return fail("bad exponent");
      while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
    }
    return i_ > start;
  }

  bool string() {
    ++i_;  // opening quote
    while (i_ < s_.size()) {
      unsigned char c = (unsigned char)s_[i_];
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c < 0x20) return fail("control character in string");
      if (c == '\\') {
        if (++i_ >= s_.size()) break;
        char e = s_[i_];
        if (e == 'u') {
          if (i_ + 4 >= s_.size()) return fail("bad \\u escape");
          for (int k = 1; k <= 4; ++k)
            if (hex_value(s_[i_ + k]) < 0) return fail("bad \\u escape");
          i_ += 4;
        } else if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't') {
          return fail("bad escape");
        }
      }
      ++i_;
    }
    return fail("unterminated string");
  }

  bool array(int depth, bool top) {
    if (depth > options_.max_depth) return fail("nested too deep");
    ++i_;
    skip_space();
    if (i_ < s_.size() && s_[i_] == ']') {
      ++i_;
      return true;
    }
    while (true) {
      skip_space();
      std::size_t start = i_;
      std::size_t placeholders_before = out_.placeholders.size();
      if (!value(depth, false)) return false;
      if (top) {
        std::size_t index = out_.elements.size();
        out_.elements.push_back(s_.substr(start, i_ - start));
        for (std::size_t k = placeholders_before; k < out_.placeholders.size(); ++k) {
          out_.placeholders[k].element = index;
          out_.placeholders[k].whole_element = last_placeholder_span_ == std::pair{start, i_};
        }
      }
      skip_space();
      if (i_ >= s_.size()) return fail("unterminated array");
      if (s_[i_] == ']') {
        ++i_;
        return true;
      }
      if (s_[i_] != ',') return fail("expected , or ]");
      ++i_;
    }
  }

  bool object(int depth) {
    if (depth > options_.max_depth) return fail("nested too deep");
    std::size_t start = i_;
    ++i_;
    skip_space();
    // Placeholder recognition: exactly {"_placeholder":true,"num":N}, in any key order.
    int members = 0;
    bool has_placeholder_key = false, placeholder_true = false, has_num = false;
    std::size_t num = 0;
    bool num_ok = false;
    if (i_ < s_.size() && s_[i_] == '}') {
      ++i_;
      return true;
    }
    while (true) {
      skip_space();
      if (i_ >= s_.size() || s_[i_] != '"') return fail("expected a key");
      std::size_t key_start = i_;
      if (!string()) return false;
      std::string_view key = s_.substr(key_start, i_ - key_start);
      skip_space();
      if (i_ >= s_.size() || s_[i_] != ':') return fail("expected :");
      ++i_;
      skip_space();
      std::size_t value_start = i_;
      if (!value(depth, false)) return false;
      std::string_view v = s_.substr(value_start, i_ - value_start);
      ++members;
      if (options_.find_placeholders) {
        if (key == "\"_placeholder\"") {
          has_placeholder_key = true;
          placeholder_true = v == "true";
        } else if (key == "\"num\"") {
          has_num = true;
          num_ok = !v.empty() && v.size() <= 6 && (v == "0" || v[0] != '0');
          for (char c : v) num_ok = num_ok && is_digit(c);
          if (num_ok) num = std::stoul(std::string(v));
        }
      }
      skip_space();
      if (i_ >= s_.size()) return fail("unterminated object");
      if (s_[i_] == '}') {
        ++i_;
        break;
      }
      if (s_[i_] != ',') return fail("expected , or }");
      ++i_;
    }
    if (options_.find_placeholders && has_placeholder_key) {
      if (!(members == 2 && placeholder_true && has_num && num_ok)) return fail("malformed placeholder");
      out_.placeholders.push_back(JsonPlaceholder{num, 0, false});
      last_placeholder_span_ = {start, i_};
    }
    return true;
  }

  std::string_view s_;
  const JsonScanOptions& options_;
  JsonScan& out_;
  std::size_t i_ = 0;
  std::pair<std::size_t, std::size_t> last_placeholder_span_{std::string_view::npos, 0};
};

void append_utf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | cp >> 6);
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | cp >> 12);
    out += char(0x80 | (cp >> 6 & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | cp >> 18);
    out += char(0x80 | (cp >> 12 & 0x3F));
    out += char(0x80 | (cp >> 6 & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

}  // namespace

Result<JsonScan> scan_json(std::string_view text, const JsonScanOptions& options) {
  JsonScan out;
  Scanner scanner(text, options, out);
  if (!scanner.run()) return make_error("bad_json", scanner.error ? scanner.error : "invalid JSON");
  return out;
}

bool is_json(std::string_view text) { return scan_json(text).ok(); }

std::optional<std::string> json_unquote(std::string_view lit) {
  if (lit.size() < 2 || lit.front() != '"' || lit.back() != '"') return std::nullopt;
  std::string out;
  out.reserve(lit.size() - 2);
  for (std::size_t i = 1; i + 1 < lit.size(); ++i) {
    char c = lit[i];
    if ((unsigned char)c < 0x20) return std::nullopt;
    if (c == '"') return std::nullopt;
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i + 1 > lit.size() - 1) return std::nullopt;
    char e = lit[i];
    switch (e) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        auto hex4 = [&](std::size_t at) -> int {
          if (at + 4 > lit.size() - 1) return -1;
          int v = 0;
          for (int k = 0; k < 4; ++k) {
            int h = hex_value(lit[at + k]);
            if (h < 0) return -1;
            v = v << 4 | h;
          }
          return v;
        };
        int cp = hex4(i + 1);
        if (cp < 0) return std::nullopt;
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 < lit.size() && lit[i + 1] == '\\' && lit[i + 2] == 'u') {
          int low = hex4(i + 3);
          if (low >= 0xDC00 && low <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            i += 6;
          }
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;  // a lone surrogate has no UTF-8 form
        append_utf8(out, unsigned(cp));
        break;
      }
      default: return std::nullopt;
    }
  }
  return out;
}


}  // namespace berth::socketio
