#pragma once
// The service model (trimmed botocore `connect` model, embedded at build time), loaded once into
// plain structures that the router, parser, validator and serializers walk.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace cl::protocol {

class Pattern;

enum class ShapeType { Structure, List, Map, String, Integer, Long, Boolean, Timestamp, Double };
enum class Location { Body, Uri, Query, Header };

struct Shape;

struct Member {
  std::string name;  // AWS member name, e.g. "PhoneNumber"
  const Shape* shape = nullptr;
  Location location = Location::Body;
  std::string location_name;  // uri label / query key / header name
  bool required = false;
  bool idempotency_token = false;
};

struct Shape {
  std::string name;
  ShapeType type = ShapeType::String;
  std::vector<Member> members;    // structure
  const Shape* member = nullptr;  // list
  const Shape* key = nullptr;     // map
  const Shape* value = nullptr;   // map
  std::optional<int64_t> min, max;
  std::shared_ptr<const Pattern> pattern;
  std::string pattern_text;
  std::vector<std::string> enum_values;
  bool sensitive = false;
  bool is_error = false;
  int http_status = 0;  // error shapes

  const Member* find_member(std::string_view n) const;
};

struct PathSegment {
  std::string text;  // literal text, or the label name
  bool is_label = false;
  bool greedy = false;  // {Label+}
};

struct Operation {
  std::string name;
  std::string method;
  std::string request_uri;
  std::vector<PathSegment> path;
  const Shape* input = nullptr;
  const Shape* output = nullptr;
  std::vector<const Shape*> errors;
  bool has_error(std::string_view code) const;
  // InvalidParameterException where the operation models it, else InvalidRequestException.
  const char* validation_error_code() const;
};

struct OtherRoute {
  std::string method;
  std::vector<PathSegment> path;
  std::string operation;
};

class Model {
 public:
  static const Model& embedded();
  static Model parse(std::string_view json);

  const Operation* operation(std::string_view name) const;
  const std::vector<Operation>& operations() const { return operations_; }
  const std::vector<OtherRoute>& other_routes() const { return other_routes_; }
  const Shape* shape(std::string_view name) const;
  // HTTP status of a modeled error shape; nullopt when the code is not an error of the model.
  std::optional<int> error_status(std::string_view code) const;
  const std::string& api_version() const { return api_version_; }

 private:
  std::unordered_map<std::string, std::unique_ptr<Shape>> shapes_;
  std::vector<Operation> operations_;
  std::vector<OtherRoute> other_routes_;
  std::string api_version_;
};

std::vector<PathSegment> split_uri_template(std::string_view uri);

}  // namespace cl::protocol
