#include "common/value.hpp"

namespace cl {

const Value* Value::find(std::string_view key) const {
  if (!is_map()) return nullptr;
  const auto& m = as_map();
  auto it = m.find(key);
  return it == m.end() ? nullptr : &it->second;
}

std::optional<std::string> Value::opt_string(std::string_view key) const {
  const Value* v = find(key);
  if (!v || !v->is_string()) return std::nullopt;
  return v->as_string();
}

std::string Value::string_or(std::string_view key, std::string_view fallback) const {
  auto s = opt_string(key);
  return s ? *s : std::string(fallback);
}

std::optional<int64_t> Value::opt_int(std::string_view key) const {
  const Value* v = find(key);
  if (!v || (v->kind() != Kind::Int && v->kind() != Kind::Double)) return std::nullopt;
  return v->as_int();
}

std::optional<bool> Value::opt_bool(std::string_view key) const {
  const Value* v = find(key);
  if (!v || v->kind() != Kind::Bool) return std::nullopt;
  return v->as_bool();
}

Value& Value::set(std::string key, Value v) {
  if (is_null()) v_ = Map{};
  as_map().insert_or_assign(std::move(key), std::move(v));
  return *this;
}

Value& Value::operator[](std::string_view key) {
  if (is_null()) v_ = Map{};
  auto& m = as_map();
  auto it = m.find(key);
  if (it == m.end()) it = m.emplace(std::string(key), Value{}).first;
  return it->second;
}

}  // namespace cl
