#pragma once
// Identifier generation, injectable so tests can make ids predictable.
#include <cstddef>
#include <string>
#include <string_view>

namespace cl {

class IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  virtual std::string uuid() = 0;  // lower-case UUID v4
};

class RandomIdGenerator final : public IdGenerator {
 public:
  std::string uuid() override;
};

inline constexpr size_t kUuidLength = 36;
// UUID v4 from the OS's cryptographic generator (resource ids).
std::string random_uuid();
// UUID v4 from a per-thread generator seeded from the OS: unique, cheap, not secret (request ids).
std::string fast_uuid();
void write_fast_uuid(char* out);   // exactly kUuidLength characters, no terminator
bool is_uuid(std::string_view s);  // any lower-case-or-upper-case 8-4-4-4-12 hex form
bool is_lower_uuid(std::string_view s);
// Random alphanumerics (A-Z, a-z, 0-9) of the given length.
std::string random_alnum(size_t n);

}  // namespace cl
