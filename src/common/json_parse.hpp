#pragma once
// Client JSON into a RapidJSON document with the nesting depth bounded while parsing: a document
// nested deeper than any model shape is refused at its 65th bracket, before a DOM of it is built
// (a 1 MiB body of "[[[[..." would otherwise cost an I/O thread tens of milliseconds).
// Header-only for the modules that already use RapidJSON.
#include <rapidjson/document.h>
#include <rapidjson/encodedstream.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <string>
#include <string_view>

namespace cl {

inline constexpr int kMaxJsonDepth = 64;

namespace detail {

// Forwards SAX events to the document, counting depth; stops the reader past the limit.
struct DepthLimitedHandler {
  using SizeType = rapidjson::SizeType;
  rapidjson::Document& doc;
  int max_depth;
  int depth = 0;
  bool too_deep = false;

  bool Null() { return doc.Null(); }
  bool Bool(bool b) { return doc.Bool(b); }
  bool Int(int i) { return doc.Int(i); }
  bool Uint(unsigned u) { return doc.Uint(u); }
  bool Int64(int64_t i) { return doc.Int64(i); }
  bool Uint64(uint64_t u) { return doc.Uint64(u); }
  bool Double(double d) { return doc.Double(d); }
  bool RawNumber(const char* s, SizeType n, bool copy) { return doc.RawNumber(s, n, copy); }
  bool String(const char* s, SizeType n, bool copy) { return doc.String(s, n, copy); }
  bool Key(const char* s, SizeType n, bool copy) { return doc.Key(s, n, copy); }
  bool StartObject() { return enter() && doc.StartObject(); }
  bool EndObject(SizeType n) {
    --depth;
    return doc.EndObject(n);
  }
  bool StartArray() { return enter() && doc.StartArray(); }
  bool EndArray(SizeType n) {
    --depth;
    return doc.EndArray(n);
  }
  bool enter() {
    if (++depth <= max_depth) return true;
    too_deep = true;
    return false;
  }
};

}  // namespace detail

// False with `error` set when `text` is not exactly one well-formed JSON document (UTF-8
// validated, only white space after it) or nests deeper than `max_depth`.
inline bool parse_json_bounded(std::string_view text, rapidjson::Document& doc, std::string& error,
                               int max_depth = kMaxJsonDepth) {
  rapidjson::MemoryStream ms(text.data(), text.size());
  rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> is(ms);
  rapidjson::Reader reader;
  rapidjson::ParseResult result;
  bool too_deep = false;
  auto generate = [&](rapidjson::Document& target) {
    detail::DepthLimitedHandler handler{target, max_depth};
    result = reader.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(is, handler);
    too_deep = handler.too_deep;
    return !result.IsError();
  };
  doc.Populate(generate);
  if (too_deep) {
    error = "nested more than " + std::to_string(max_depth) + " levels deep";
    return false;
  }
  if (result.IsError()) {
    error = rapidjson::GetParseError_En(result.Code());
    return false;
  }
  return true;
}

}  // namespace cl
