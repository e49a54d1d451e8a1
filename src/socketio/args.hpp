#pragma once
// The arguments of an event or an acknowledgement. Each argument is either
// raw JSON text — exactly as the client sent it, never re-serialized — or
// binary bytes (a Buffer/ArrayBuffer on the JavaScript side). A JSON
// argument may also nest binary data: its text then holds placeholders
// {"_placeholder":true,"num":n} that index attachments().
//
//   Args a;
//   a.add_json(R"({"path":"src/a.ts"})").add_binary(bytes);
//   auto ph = a.attach(png);  // nest: a.add_json("{\"image\":" + ph + "}")
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "socketio/packet.hpp"

namespace berth::socketio {

// Tags for building arguments inline: emit("e", Json{"{...}"}, Binary{bytes}, String{"hi"}).
struct Json {
  std::string text;  // must be valid JSON; emit() refuses it otherwise
};
struct Binary {
  std::string bytes;
};
struct String {
  std::string text;  // plain UTF-8, quoted for you
};

class Args {
 public:
  Args() = default;

  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  // Raw JSON text of argument i; a binary argument reads as its placeholder.
  std::string_view json(std::size_t i) const { return items_.at(i); }
  bool is_binary(std::size_t i) const { return binary_.at(i) >= 0; }
  // The bytes of binary argument i ("" if it is not binary).
  std::string_view bytes(std::size_t i) const;
  // Binary parts by placeholder number (top-level and nested ones).
  const std::vector<std::string>& attachments() const { return attachments_; }

  Args& add_json(std::string text);
  Args& add_string(std::string_view text);
  Args& add_binary(std::string bytes);
  Args& add(Json j) { return add_json(std::move(j.text)); }
  Args& add(Binary b) { return add_binary(std::move(b.bytes)); }
  Args& add(String s) { return add_string(s.text); }
  // Stores bytes and returns the placeholder text to put inside a JSON argument.
  std::string attach(std::string bytes);

  template <class... A>
  static Args of(A&&... a) {
    Args args;
    (args.add(std::forward<A>(a)), ...);
    return args;
  }

  // The JSON array payload of an event ("[\"name\",a,b]") or an ack ("[a,b]").
  std::string to_payload(std::string_view event_name_literal = {}) const;
  void append_payload(std::string& out, std::string_view event_name_literal = {}) const;
  std::size_t payload_size_hint() const;
  // Checks that every argument is JSON and every placeholder points at an
  // attachment: what a client could not parse must never be sent.
  Status validate() const;

  // From a decoded payload: `elements` are the array's raw elements (after
  // the event name for events); `whole` marks the elements that are
  // placeholders, with their attachment numbers. The elements must come
  // from decode(), which validated them: they are trusted, not re-checked.
  static Args from_elements(std::vector<std::string> elements, std::vector<int> binary_index,
                            std::vector<std::string> attachments);

 private:
  std::vector<std::string> items_;
  std::vector<int> binary_;  // attachment number of a top-level binary argument, or -1
  std::vector<std::string> attachments_;
  // Arguments from a decoded packet were checked by decode(): validate()
  // has nothing to do until they are changed.
  bool validated_ = false;
};

// The frames of an EVENT (a BINARY_EVENT when args carry binary data) and
// of an ACK; an error when an argument is not valid JSON or names an
// attachment that does not exist, or the event name is reserved.
Result<Frames> encode_event(std::string_view nsp, std::string_view event, const Args& args,
                            std::optional<std::uint64_t> id);
Result<Frames> encode_ack(std::string_view nsp, std::uint64_t id, const Args& args);

}  // namespace berth::socketio
