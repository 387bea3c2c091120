#include "common/value_json.hpp"

#include "common/json_parse.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace cl {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Deeper documents are refused: converting them would recurse without bound.
constexpr int kMaxDepth = kMaxJsonDepth;
struct TooDeep {};

Value from_rapid(const rapidjson::Value& j, int depth = 0) {
  if (depth > kMaxDepth) throw TooDeep{};
  switch (j.GetType()) {
    case rapidjson::kNullType: return Value();
    case rapidjson::kFalseType: return Value(false);
    case rapidjson::kTrueType: return Value(true);
    case rapidjson::kStringType: return Value(std::string(j.GetString(), j.GetStringLength()));
    case rapidjson::kNumberType:
      if (j.IsInt64()) return Value(j.GetInt64());
      return Value(j.GetDouble());
    case rapidjson::kArrayType: {
      Value::List l;
      l.reserve(j.Size());
      for (const auto& e : j.GetArray()) l.push_back(from_rapid(e, depth + 1));
      return Value(std::move(l));
    }
    case rapidjson::kObjectType: {
      Value::Map m;
      for (auto it = j.MemberBegin(); it != j.MemberEnd(); ++it)
        m.insert_or_assign(std::string(it->name.GetString(), it->name.GetStringLength()),
                           from_rapid(it->value, depth + 1));
      return Value(std::move(m));
    }
  }
  return Value();
}

void write_any(Writer& w, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Null: w.Null(); break;
    case Value::Kind::Bool: w.Bool(v.as_bool()); break;
    case Value::Kind::Int: w.Int64(v.as_int()); break;
    case Value::Kind::Double: w.Double(v.as_double()); break;
    case Value::Kind::String: {
      // Messages may echo client bytes (a percent-decoded path): always write valid UTF-8.
      const std::string text = valid_utf8(v.as_string()) ? v.as_string() : sanitize_utf8(v.as_string());
      w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
      break;
    }
    case Value::Kind::List:
      w.StartArray();
      for (const auto& e : v.as_list()) write_any(w, e);
      w.EndArray();
      break;
    case Value::Kind::Map:
      w.StartObject();
      for (const auto& [k, e] : v.as_map()) {
        w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
        write_any(w, e);
      }
      w.EndObject();
      break;
  }
}

}  // namespace

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size() || (n == 2 && c < 0xC2)) return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    if (n == 3) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0)) return false;  // overlong, surrogates
    }
    if (n == 4) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      if ((c == 0xF0 && c1 < 0x90) || c > 0xF4 || (c == 0xF4 && c1 >= 0x90)) return false;
    }
    i += n;
  }
  return true;
}

std::string sanitize_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    size_t n = 1;
    while (n <= 4 && i + n <= s.size() && !valid_utf8(s.substr(i, n))) ++n;
    if (n <= 4 && i + n <= s.size()) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out.append("\xEF\xBF\xBD");  // U+FFFD
      ++i;
    }
  }
  return out;
}

std::string to_json(const Value& value) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  write_any(w, value);
  return std::string(buf.GetString(), buf.GetSize());
}

bool from_json(std::string_view text, Value& out, std::string* error) {
  rapidjson::Document doc;
  std::string message;
  if (!parse_json_bounded(text, doc, message, kMaxDepth)) {
    if (error) *error = std::move(message);
    return false;
  }
  try {
    out = from_rapid(doc);
  } catch (const TooDeep&) {
    if (error) *error = "nested more than " + std::to_string(kMaxDepth) + " levels deep";
    return false;
  }
  return true;
}

}  // namespace cl
