#pragma once
// A plain JSON-like value: what the protocol layer hands the domain and takes back from it, so the
// domain never sees the JSON library.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cl {

class Value {
 public:
  using List = std::vector<Value>;
  using Map = std::map<std::string, Value, std::less<>>;
  enum class Kind { Null, Bool, Int, Double, String, List, Map };

  Value() = default;
  Value(std::nullptr_t) {}
  Value(bool b) : v_(b) {}
  Value(int i) : v_(static_cast<int64_t>(i)) {}
  Value(int64_t i) : v_(i) {}
  Value(double d) : v_(d) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(std::string_view s) : v_(std::string(s)) {}
  Value(List l) : v_(std::move(l)) {}
  Value(Map m) : v_(std::move(m)) {}

  static Value map() { return Value(Map{}); }
  static Value list() { return Value(List{}); }

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_null() const { return kind() == Kind::Null; }
  bool is_string() const { return kind() == Kind::String; }
  bool is_map() const { return kind() == Kind::Map; }
  bool is_list() const { return kind() == Kind::List; }

  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_int() const {
    return kind() == Kind::Double ? static_cast<int64_t>(std::get<double>(v_)) : std::get<int64_t>(v_);
  }
  double as_double() const {
    return kind() == Kind::Int ? static_cast<double>(std::get<int64_t>(v_)) : std::get<double>(v_);
  }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const List& as_list() const { return std::get<List>(v_); }
  List& as_list() { return std::get<List>(v_); }
  const Map& as_map() const { return std::get<Map>(v_); }
  Map& as_map() { return std::get<Map>(v_); }

  // Member access on maps: nullptr / empty when absent.
  const Value* find(std::string_view key) const;
  bool has(std::string_view key) const { return find(key) != nullptr; }
  std::optional<std::string> opt_string(std::string_view key) const;
  std::string string_or(std::string_view key, std::string_view fallback) const;
  std::optional<int64_t> opt_int(std::string_view key) const;
  std::optional<bool> opt_bool(std::string_view key) const;

  // Builders for maps.
  Value& set(std::string key, Value v);
  Value& operator[](std::string_view key);
  void push_back(Value v) { as_list().push_back(std::move(v)); }

  bool operator==(const Value& o) const = default;

 private:
  std::variant<std::monostate, bool, int64_t, double, std::string, List, Map> v_;
};

}  // namespace cl
