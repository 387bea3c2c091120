#include "protocol/model.hpp"

#include <rapidjson/document.h>

#include <stdexcept>

#include "common/aws_error.hpp"
#include "common/embedded.hpp"
#include "protocol/pattern.hpp"

namespace cl {
extern const EmbeddedFile kEmbeddedModel[];  // model/connect.json, embedded at build time
}

namespace cl::protocol {

namespace {

ShapeType shape_type(std::string_view t) {
  if (t == "structure") return ShapeType::Structure;
  if (t == "list") return ShapeType::List;
  if (t == "map") return ShapeType::Map;
  if (t == "string") return ShapeType::String;
  if (t == "integer") return ShapeType::Integer;
  if (t == "long") return ShapeType::Long;
  if (t == "boolean") return ShapeType::Boolean;
  if (t == "timestamp") return ShapeType::Timestamp;
  if (t == "double" || t == "float") return ShapeType::Double;
  throw std::runtime_error("unsupported shape type " + std::string(t));
}

Location location(std::string_view l) {
  if (l == "uri") return Location::Uri;
  if (l == "querystring") return Location::Query;
  if (l == "header") return Location::Header;
  throw std::runtime_error("unsupported member location " + std::string(l));
}

std::string str(const rapidjson::Value& v, const char* key) {
  auto it = v.FindMember(key);
  return it == v.MemberEnd() ? std::string() : std::string(it->value.GetString(), it->value.GetStringLength());
}

}  // namespace

std::vector<PathSegment> split_uri_template(std::string_view uri) {
  uri = uri.substr(0, uri.find('?'));
  std::vector<PathSegment> out;
  size_t pos = 1;
  while (pos <= uri.size()) {
    size_t next = uri.find('/', pos);
    if (next == std::string_view::npos) next = uri.size();
    std::string_view seg = uri.substr(pos, next - pos);
    if (!seg.empty()) {
      PathSegment s;
      if (seg.front() == '{' && seg.back() == '}') {
        s.is_label = true;
        seg = seg.substr(1, seg.size() - 2);
        if (!seg.empty() && seg.back() == '+') {
          s.greedy = true;
          seg.remove_suffix(1);
        }
      }
      s.text = std::string(seg);
      out.push_back(std::move(s));
    }
    pos = next + 1;
  }
  return out;
}

const Member* Shape::find_member(std::string_view n) const {
  for (const auto& m : members)
    if (m.name == n) return &m;
  return nullptr;
}

bool Operation::has_error(std::string_view code) const {
  for (const auto* e : errors)
    if (e->name == code) return true;
  return false;
}

const char* Operation::validation_error_code() const {
  return has_error(errors::kInvalidParameter) ? errors::kInvalidParameter : errors::kInvalidRequest;
}

Model Model::parse(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) throw std::runtime_error("model is not valid JSON");
  Model m;
  m.api_version_ = str(doc["metadata"], "apiVersion");
  const auto& shapes = doc["shapes"];
  for (auto it = shapes.MemberBegin(); it != shapes.MemberEnd(); ++it) {
    auto s = std::make_unique<Shape>();
    s->name = it->name.GetString();
    m.shapes_.emplace(s->name, std::move(s));
  }
  auto ref = [&](const rapidjson::Value& r) -> const Shape* {
    auto found = m.shapes_.find(r["shape"].GetString());
    if (found == m.shapes_.end()) throw std::runtime_error(std::string("unknown shape ") + r["shape"].GetString());
    return found->second.get();
  };
  for (auto it = shapes.MemberBegin(); it != shapes.MemberEnd(); ++it) {
    Shape& s = *m.shapes_.at(it->name.GetString());
    const auto& j = it->value;
    s.type = shape_type(j["type"].GetString());
    if (j.HasMember("min")) s.min = j["min"].GetInt64();
    if (j.HasMember("max")) s.max = j["max"].GetInt64();
    if (j.HasMember("pattern")) {
      s.pattern_text = j["pattern"].GetString();
      s.pattern = std::make_shared<Pattern>(s.pattern_text);
    }
    if (j.HasMember("enum"))
      for (const auto& e : j["enum"].GetArray()) s.enum_values.emplace_back(e.GetString());
    s.sensitive = j.HasMember("sensitive") && j["sensitive"].GetBool();
    s.is_error = j.HasMember("exception") && j["exception"].GetBool();
    if (j.HasMember("error") && j["error"].HasMember("httpStatusCode"))
      s.http_status = j["error"]["httpStatusCode"].GetInt();
    if (j.HasMember("member")) s.member = ref(j["member"]);
    if (j.HasMember("key")) s.key = ref(j["key"]);
    if (j.HasMember("value")) s.value = ref(j["value"]);
    if (j.HasMember("members")) {
      std::vector<std::string> required;
      if (j.HasMember("required"))
        for (const auto& r : j["required"].GetArray()) required.emplace_back(r.GetString());
      for (auto mi = j["members"].MemberBegin(); mi != j["members"].MemberEnd(); ++mi) {
        Member mem;
        mem.name = mi->name.GetString();
        mem.shape = ref(mi->value);
        if (mi->value.HasMember("location")) mem.location = location(mi->value["location"].GetString());
        mem.location_name = mi->value.HasMember("locationName") ? mi->value["locationName"].GetString() : mem.name;
        mem.idempotency_token = mi->value.HasMember("idempotencyToken") && mi->value["idempotencyToken"].GetBool();
        for (const auto& r : required) mem.required |= (r == mem.name);
        s.members.push_back(std::move(mem));
      }
    }
  }
  for (auto it = doc["operations"].MemberBegin(); it != doc["operations"].MemberEnd(); ++it) {
    const auto& j = it->value;
    Operation op;
    op.name = it->name.GetString();
    op.method = j["http"]["method"].GetString();
    op.request_uri = j["http"]["requestUri"].GetString();
    op.path = split_uri_template(op.request_uri);
    if (j.HasMember("input")) op.input = ref(j["input"]);
    if (j.HasMember("output")) op.output = ref(j["output"]);
    if (j.HasMember("errors"))
      for (const auto& e : j["errors"].GetArray()) op.errors.push_back(ref(e));
    m.operations_.push_back(std::move(op));
  }
  for (const auto& r : doc["otherRoutes"].GetArray())
    m.other_routes_.push_back({r[0].GetString(), split_uri_template(r[1].GetString()), r[2].GetString()});
  return m;
}

const Model& Model::embedded() {
  static const Model model = parse(kEmbeddedModel[0].content);
  return model;
}

const Operation* Model::operation(std::string_view name) const {
  for (const auto& op : operations_)
    if (op.name == name) return &op;
  return nullptr;
}

const Shape* Model::shape(std::string_view name) const {
  auto it = shapes_.find(std::string(name));
  return it == shapes_.end() ? nullptr : it->second.get();
}

std::optional<int> Model::error_status(std::string_view code) const {
  const Shape* s = shape(code);
  if (!s || !s->is_error) return std::nullopt;
  return s->http_status;
}

}  // namespace cl::protocol
