#pragma once
// Model patterns (Java-style regular expressions) compiled with PCRE2, Unicode-aware, matched
// against the whole value, with a match limit so a hostile value cannot make a pattern backtrack
// for long.
#include <string>
#include <string_view>

namespace cl::protocol {

class Pattern {
 public:
  explicit Pattern(const std::string& source);  // throws std::runtime_error if it does not compile
  ~Pattern();
  Pattern(const Pattern&) = delete;
  Pattern& operator=(const Pattern&) = delete;
  bool full_match(std::string_view subject) const;

 private:
  void* code_ = nullptr;  // pcre2_code*
};

}  // namespace cl::protocol
