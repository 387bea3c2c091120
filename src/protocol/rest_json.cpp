#include "protocol/rest_json.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

#include "common/json_parse.hpp"
#include "common/percent.hpp"
#include "common/value_json.hpp"
#include "protocol/pattern.hpp"

namespace cl::protocol {

namespace {

// Output strings come from validated input or from the server itself: no re-validation on write.
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

[[noreturn]] void serialization_error(std::string message) {
  errors::raise(errors::kSerialization, std::move(message));
}

std::string lower_camel(std::string_view name) {
  std::string s(name);
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

// ---- JSON -> Value, checked against the shape --------------------------------------------------

Value typed_from_json(const Shape& shape, const rapidjson::Value& j, const std::string& where);

Value structure_from_json(const Shape& shape, const rapidjson::Value& j, const std::string& where) {
  if (!j.IsObject()) serialization_error("Expected a JSON object for '" + where + "'");
  Value out = Value::map();
  for (const auto& m : shape.members) {
    if (m.location != Location::Body) continue;
    auto it = j.FindMember(m.location_name.c_str());
    if (it == j.MemberEnd() || it->value.IsNull()) continue;
    out.set(m.name, typed_from_json(*m.shape, it->value, where.empty() ? m.name : where + "." + m.name));
  }
  return out;
}

Value typed_from_json(const Shape& shape, const rapidjson::Value& j, const std::string& where) {
  auto wrong = [&](const char* expected) -> Value {
    serialization_error("Expected " + std::string(expected) + " for member '" + where + "'");
  };
  switch (shape.type) {
    case ShapeType::Structure: return structure_from_json(shape, j, where);
    case ShapeType::List: {
      if (!j.IsArray()) return wrong("a list");
      Value::List l;
      l.reserve(j.Size());
      for (const auto& e : j.GetArray()) {
        if (e.IsNull()) continue;
        l.push_back(typed_from_json(*shape.member, e, where));
      }
      return Value(std::move(l));
    }
    case ShapeType::Map: {
      if (!j.IsObject()) return wrong("a map");
      Value::Map m;
      for (auto it = j.MemberBegin(); it != j.MemberEnd(); ++it) {
        if (it->value.IsNull()) continue;
        m.insert_or_assign(std::string(it->name.GetString(), it->name.GetStringLength()),
                           typed_from_json(*shape.value, it->value, where));
      }
      return Value(std::move(m));
    }
    case ShapeType::String:
      if (!j.IsString()) return wrong("a string");
      return Value(std::string(j.GetString(), j.GetStringLength()));
    case ShapeType::Integer:
      if (!j.IsInt()) return wrong("an integer");
      return Value(j.GetInt64());
    case ShapeType::Long:
      if (!j.IsInt64()) return wrong("an integer");
      return Value(j.GetInt64());
    case ShapeType::Boolean:
      if (!j.IsBool()) return wrong("a boolean");
      return Value(j.GetBool());
    case ShapeType::Double:
      if (!j.IsNumber()) return wrong("a number");
      return Value(j.GetDouble());
    case ShapeType::Timestamp:
      if (!j.IsNumber()) return wrong("a timestamp (epoch seconds)");
      return Value(j.GetDouble());
  }
  return Value();
}

// ---- strings from uri / query / headers ----------------------------------------------------------

Value scalar_from_text(const Shape& shape, const std::string& text, const std::string& where) {
  switch (shape.type) {
    case ShapeType::Integer:
    case ShapeType::Long: {
      if (text.empty() || text.size() > 19) serialization_error("Expected an integer for member '" + where + "'");
      char* end = nullptr;
      long long v = std::strtoll(text.c_str(), &end, 10);
      if (*end != '\0') serialization_error("Expected an integer for member '" + where + "'");
      if (shape.type == ShapeType::Integer && (v > INT32_MAX || v < INT32_MIN))
        serialization_error("Expected an integer for member '" + where + "'");
      return Value(static_cast<int64_t>(v));
    }
    case ShapeType::Boolean:
      if (text == "true") return Value(true);
      if (text == "false") return Value(false);
      serialization_error("Expected a boolean for member '" + where + "'");
    default: return Value(text);
  }
}

struct QueryPair {
  std::string name, value;
};

std::vector<QueryPair> parse_query(std::string_view raw) {
  std::vector<QueryPair> out;
  percent::for_each_query_part(raw, [&](std::string_view name, std::string_view value) {
    auto n = percent::decode(name);
    auto v = percent::decode(value);
    if (!n || !v) serialization_error("Malformed percent-encoding in the query string");
    out.push_back({std::move(*n), std::move(*v)});
  });
  return out;
}

// ---- validation ------------------------------------------------------------------------------------

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string render(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Null: return "null";
    case Value::Kind::Bool: return v.as_bool() ? "true" : "false";
    case Value::Kind::Int: return std::to_string(v.as_int());
    case Value::Kind::Double: return std::to_string(v.as_double());
    case Value::Kind::String: return v.as_string();
    case Value::Kind::List: {
      std::string s = "[";
      for (const auto& e : v.as_list()) s += (s.size() > 1 ? ", " : "") + render(e);
      return s + "]";
    }
    case Value::Kind::Map: {
      std::string s = "{";
      for (const auto& [k, e] : v.as_map()) s += (s.size() > 1 ? ", " : "") + k + "=" + render(e);
      return s + "}";
    }
  }
  return "";
}

// Constraint failures of one value against its own shape (not descending into members).
void own_constraints(const Shape& shape, const Value& v, std::vector<std::string>& out) {
  auto length_of = [&]() -> std::optional<int64_t> {
    if (v.is_string()) return static_cast<int64_t>(utf8_length(v.as_string()));
    if (v.is_list()) return static_cast<int64_t>(v.as_list().size());
    if (v.is_map()) return static_cast<int64_t>(v.as_map().size());
    return std::nullopt;
  };
  if (shape.type == ShapeType::Integer || shape.type == ShapeType::Long) {
    int64_t n = v.as_int();
    if (shape.max && n > *shape.max)
      out.push_back("Member must have value less than or equal to " + std::to_string(*shape.max));
    if (shape.min && n < *shape.min)
      out.push_back("Member must have value greater than or equal to " + std::to_string(*shape.min));
    return;
  }
  bool length_ok = true;
  if (auto len = length_of()) {
    if (shape.max && *len > *shape.max) {
      out.push_back("Member must have length less than or equal to " + std::to_string(*shape.max));
      length_ok = false;
    }
    if (shape.min && *len < *shape.min) {
      out.push_back("Member must have length greater than or equal to " + std::to_string(*shape.min));
      length_ok = false;
    }
  }
  if (!v.is_string()) return;
  // An over-long value is not also run through the pattern: the length already fails it.
  if (shape.pattern && length_ok && !shape.pattern->full_match(v.as_string()))
    out.push_back("Member must satisfy regular expression pattern: " + shape.pattern_text);
  if (!shape.enum_values.empty() &&
      std::find(shape.enum_values.begin(), shape.enum_values.end(), v.as_string()) == shape.enum_values.end()) {
    std::string set;
    for (const auto& e : shape.enum_values) set += (set.empty() ? "" : ", ") + e;
    out.push_back("Member must satisfy enum value set: [" + set + "]");
  }
}

std::string join(const std::vector<std::string>& parts) {
  std::string s;
  for (const auto& p : parts) s += (s.empty() ? "" : ", ") + p;
  return s;
}

void validate_value(const Shape& shape, const Value& v, const std::string& path, std::vector<std::string>& errs);

void report(const Shape& shape, const Value& v, const std::string& path, const std::string& constraint,
            std::vector<std::string>& errs) {
  // Values are echoed as AWS does, cut short so an oversized input cannot inflate the error.
  constexpr size_t kMaxShown = 512;
  std::string rendered = shape.sensitive ? "" : render(v);
  if (rendered.size() > kMaxShown) rendered = rendered.substr(0, kMaxShown) + "...";
  std::string shown = shape.sensitive ? "Value" : "Value '" + rendered + "'";
  errs.push_back(shown + " at '" + path + "' failed to satisfy constraint: " + constraint);
}

void validate_value(const Shape& shape, const Value& v, const std::string& path, std::vector<std::string>& errs) {
  std::vector<std::string> own;
  own_constraints(shape, v, own);
  for (const auto& c : own) report(shape, v, path, c, errs);
  switch (shape.type) {
    case ShapeType::Structure:
      for (const auto& m : shape.members) {
        const Value* mv = v.find(m.name);
        std::string mpath = path.empty() ? lower_camel(m.name) : path + "." + lower_camel(m.name);
        if (!mv || mv->is_null()) {
          if (m.required)
            errs.push_back("Value null at '" + mpath + "' failed to satisfy constraint: Member must not be null");
          continue;
        }
        validate_value(*m.shape, *mv, mpath, errs);
      }
      break;
    case ShapeType::List: {
      std::vector<std::string> member_errs;
      for (const auto& e : v.as_list()) own_constraints(*shape.member, e, member_errs);
      std::sort(member_errs.begin(), member_errs.end());
      member_errs.erase(std::unique(member_errs.begin(), member_errs.end()), member_errs.end());
      if (!member_errs.empty())
        report(shape, v, path, "Member must satisfy constraint: [" + join(member_errs) + "]", errs);
      break;
    }
    case ShapeType::Map: {
      std::vector<std::string> key_errs, value_errs;
      for (const auto& [k, e] : v.as_map()) {
        own_constraints(*shape.key, Value(k), key_errs);
        own_constraints(*shape.value, e, value_errs);
      }
      for (auto* list : {&key_errs, &value_errs}) {
        std::sort(list->begin(), list->end());
        list->erase(std::unique(list->begin(), list->end()), list->end());
      }
      if (!key_errs.empty()) report(shape, v, path, "Map keys must satisfy constraint: [" + join(key_errs) + "]", errs);
      if (!value_errs.empty())
        report(shape, v, path, "Map value must satisfy constraint: [" + join(value_errs) + "]", errs);
      break;
    }
    default: break;
  }
}

// ---- Value -> JSON -----------------------------------------------------------------------------------

void write_number(Writer& w, const Value& v) {
  if (v.kind() == Value::Kind::Double) {
    double d = v.as_double();
    if (d == std::floor(d) && std::fabs(d) < 9e15)
      w.Int64(static_cast<int64_t>(d));
    else
      w.Double(d);
  } else {
    w.Int64(v.as_int());
  }
}

void write_typed(Writer& w, const Shape& shape, const Value& v) {
  switch (shape.type) {
    case ShapeType::Structure:
      w.StartObject();
      for (const auto& m : shape.members) {
        const Value* mv = v.find(m.name);
        if (!mv || mv->is_null()) continue;
        w.Key(m.location_name.data(), static_cast<rapidjson::SizeType>(m.location_name.size()));
        write_typed(w, *m.shape, *mv);
      }
      w.EndObject();
      break;
    case ShapeType::List:
      w.StartArray();
      if (v.is_list())
        for (const auto& e : v.as_list()) write_typed(w, *shape.member, e);
      w.EndArray();
      break;
    case ShapeType::Map:
      w.StartObject();
      if (v.is_map())
        for (const auto& [k, e] : v.as_map()) {
          w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
          write_typed(w, *shape.value, e);
        }
      w.EndObject();
      break;
    case ShapeType::Timestamp:
    case ShapeType::Integer:
    case ShapeType::Long: write_number(w, v); break;
    case ShapeType::Double: w.Double(v.as_double()); break;
    case ShapeType::Boolean: w.Bool(v.kind() == Value::Kind::Bool && v.as_bool()); break;
    case ShapeType::String:
      if (v.is_string())
        w.String(v.as_string().data(), static_cast<rapidjson::SizeType>(v.as_string().size()));
      else
        w.String("");
      break;
  }
}

void check_typed(const Shape& shape, const Value& v, const std::string& path, std::vector<std::string>& out) {
  auto problem = [&](const std::string& what) { out.push_back((path.empty() ? shape.name : path) + ": " + what); };
  switch (shape.type) {
    case ShapeType::Structure:
      if (!v.is_map()) return problem("not a structure");
      for (const auto& [key, e] : v.as_map())
        if (!shape.find_member(key)) out.push_back(path + (path.empty() ? "" : ".") + key + ": not in the model");
      for (const auto& m : shape.members) {
        const Value* mv = v.find(m.name);
        const std::string at = path + (path.empty() ? "" : ".") + m.name;
        if (!mv || mv->is_null()) {
          if (m.required) out.push_back(at + ": required, missing");
          continue;
        }
        check_typed(*m.shape, *mv, at, out);
      }
      return;
    case ShapeType::List:
      if (!v.is_list()) return problem("not a list");
      for (size_t i = 0; i < v.as_list().size(); ++i)
        check_typed(*shape.member, v.as_list()[i], path + "[" + std::to_string(i) + "]", out);
      return;
    case ShapeType::Map:
      if (!v.is_map()) return problem("not a map");
      for (const auto& [k, e] : v.as_map()) check_typed(*shape.value, e, path + "[" + k + "]", out);
      return;
    case ShapeType::Timestamp:
    case ShapeType::Integer:
    case ShapeType::Long:
    case ShapeType::Double:
      if (v.kind() != Value::Kind::Int && v.kind() != Value::Kind::Double) problem("not a number");
      return;
    case ShapeType::Boolean:
      if (v.kind() != Value::Kind::Bool) problem("not a boolean");
      return;
    case ShapeType::String:
      if (!v.is_string()) return problem("not a string");
      if (!shape.enum_values.empty() &&
          std::find(shape.enum_values.begin(), shape.enum_values.end(), v.as_string()) == shape.enum_values.end())
        problem("'" + v.as_string() + "' is not one of " + shape.name);
      return;
  }
}

std::atomic<bool> strict_output{false};

}  // namespace

std::vector<std::string> output_problems(const Shape* output, const Value& value) {
  std::vector<std::string> out;
  if (!output) {
    if (!value.is_null() && !(value.is_map() && value.as_map().empty())) out.emplace_back("output given, none modeled");
    return out;
  }
  check_typed(*output, value, "", out);
  return out;
}

void set_strict_output(bool strict) { strict_output.store(strict, std::memory_order_relaxed); }

Value parse_input(const RouteMatch& match, const http::Request& request) {
  const Operation& op = *match.operation;
  Value input = Value::map();
  if (!op.input) return input;
  const Shape& shape = *op.input;
  bool has_body_members = std::any_of(shape.members.begin(), shape.members.end(),
                                      [](const Member& m) { return m.location == Location::Body; });
  if (has_body_members && !request.body.empty()) {
    rapidjson::Document doc;
    std::string error;
    if (!parse_json_bounded(request.body, doc, error)) serialization_error("Malformed JSON body: " + error);
    if (!doc.IsObject()) serialization_error("The request body must be a JSON object");
    input = structure_from_json(shape, doc, "");
  }
  std::vector<QueryPair> query;
  bool query_parsed = false;
  for (const auto& m : shape.members) {
    switch (m.location) {
      case Location::Body: break;
      case Location::Uri:
        for (const auto& [label, value] : match.labels)
          if (label == m.location_name) input.set(m.name, scalar_from_text(*m.shape, value, m.name));
        break;
      case Location::Header: {
        auto h = request.header(m.location_name);
        if (!h.empty() || request.has_header(m.location_name))
          input.set(m.name, scalar_from_text(*m.shape, std::string(h), m.name));
        break;
      }
      case Location::Query: {
        if (!query_parsed) {
          query = parse_query(request.raw_query());
          query_parsed = true;
        }
        if (m.shape->type == ShapeType::List) {
          Value::List values;
          for (const auto& q : query)
            if (q.name == m.location_name) values.push_back(scalar_from_text(*m.shape->member, q.value, m.name));
          if (!values.empty()) input.set(m.name, Value(std::move(values)));
        } else {
          for (const auto& q : query)
            if (q.name == m.location_name) {
              input.set(m.name, scalar_from_text(*m.shape, q.value, m.name));
              break;
            }
        }
        break;
      }
    }
  }
  return input;
}

void validate_input(const Operation& op, const Value& input) {
  if (!op.input) return;
  std::vector<std::string> errs;
  validate_value(*op.input, input, "", errs);
  if (errs.empty()) return;
  std::string msg =
      std::to_string(errs.size()) + (errs.size() == 1 ? " validation error" : " validation errors") + " detected: ";
  for (size_t i = 0; i < errs.size(); ++i) msg += (i ? "; " : "") + errs[i];
  errors::raise(op.validation_error_code(), msg);
}

std::string serialize_output(const Shape* output, const Value& value) {
  if (strict_output.load(std::memory_order_relaxed)) {
    if (auto problems = output_problems(output, value); !problems.empty()) {
      std::string what = "output does not match " + (output ? output->name : std::string("no output")) + ":";
      for (const auto& p : problems) what += "\n  " + p;
      throw std::logic_error(what);
    }
  }
  if (!output) return "{}";
  rapidjson::StringBuffer buf;
  Writer w(buf);
  write_typed(w, *output, value);
  return std::string(buf.GetString(), buf.GetSize());
}

http::Response error_response(const Model& model, const AwsError& error) {
  http::Response r;
  int status = error.http_status;
  if (!status) status = model.error_status(error.code).value_or(non_model_error_status(error.code).value_or(500));
  r.status = static_cast<unsigned>(status);
  Value body = error.fields.is_map() ? error.fields : Value::map();
  body.set("Message", error.message);
  r.body = to_json(body);
  r.set_header("Content-Type", "application/json");
  r.set_header("x-amzn-ErrorType", error.code);
  return r;
}

}  // namespace cl::protocol
