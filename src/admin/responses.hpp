#pragma once
// JSON answers of the admin API, shared by its endpoint files.
#include <string>

#include "common/value.hpp"
#include "common/value_json.hpp"
#include "http/message.hpp"

namespace cl::admin {

inline http::Response json(unsigned status, const Value& body) {
  http::Response r;
  r.status = status;
  r.body = to_json(body);
  r.set_header("Content-Type", "application/json");
  return r;
}

inline http::Response error(unsigned status, const std::string& message) {
  Value v = Value::map();
  v.set("error", message);
  return json(status, v);
}

}  // namespace cl::admin
