#pragma once
// Shared helpers for the inventory tests: one NumberPlan per process (it is immutable) and the
// model's PhoneNumberCountryCode enum.

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "inventory/number_plan.hpp"

namespace cl::inventory::test {

inline const NumberPlan& plan() {
  static const NumberPlan p;
  return p;
}

// The enum values of the PhoneNumberCountryCode shape in model/connect.json (a plain text scan:
// the inventory module and its tests use no JSON library).
inline std::vector<std::string> model_countries() {
  std::ifstream f(std::string(CL_SOURCE_DIR) + "/model/connect.json");
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string s = ss.str();
  size_t p = 0;
  for (;;) {
    p = s.find("\"PhoneNumberCountryCode\"", p);
    if (p == std::string::npos) throw std::runtime_error("PhoneNumberCountryCode enum not found");
    size_t q = s.find('"', s.find('{', p));
    if (s.compare(q, 6, "\"enum\"") == 0) break;
    ++p;
  }
  const size_t open = s.find('[', p), close = s.find(']', open);
  std::vector<std::string> out;
  for (size_t i = open; i < close; ++i) {
    if (s[i] != '"') continue;
    size_t j = s.find('"', i + 1);
    out.push_back(s.substr(i + 1, j - i - 1));
    i = j;
  }
  return out;
}

inline std::string pad(uint64_t v, int width) {
  std::string d = std::to_string(v);
  return std::string(size_t(width) - d.size(), '0') + d;
}

}  // namespace cl::inventory::test
