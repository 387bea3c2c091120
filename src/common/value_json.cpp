#include "common/value_json.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace cl {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>, rapidjson::CrtAllocator,
                                 rapidjson::kWriteValidateEncodingFlag>;

Value from_rapid(const rapidjson::Value& j) {
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
      for (const auto& e : j.GetArray()) l.push_back(from_rapid(e));
      return Value(std::move(l));
    }
    case rapidjson::kObjectType: {
      Value::Map m;
      for (auto it = j.MemberBegin(); it != j.MemberEnd(); ++it)
        m.insert_or_assign(std::string(it->name.GetString(), it->name.GetStringLength()), from_rapid(it->value));
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
    case Value::Kind::String: w.String(v.as_string().data(), static_cast<rapidjson::SizeType>(v.as_string().size())); break;
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

std::string to_json(const Value& value) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  write_any(w, value);
  return std::string(buf.GetString(), buf.GetSize());
}

bool from_json(std::string_view text, Value& out, std::string* error) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
  if (doc.HasParseError()) {
    if (error) *error = rapidjson::GetParseError_En(doc.GetParseError());
    return false;
  }
  out = from_rapid(doc);
  return true;
}

}  // namespace cl
