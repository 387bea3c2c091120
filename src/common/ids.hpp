#pragma once
// Identifier generation, injectable so tests can make ids predictable.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cl {

class IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  virtual std::string uuid() = 0;  // lower-case UUID v4
};

// Resource ids: time_ordered_uuid() at the wall-clock time. Ids made close in time sort close
// together, so an index keyed by them takes each new id beside the previous one: a group commit
// writes a few pages of the phone-number id index, not one random page per claim (with random ids a
// commit wrote 37 WAL pages instead of 19, and a claim cost 94 µs of server CPU instead of 67).
class RandomIdGenerator final : public IdGenerator {
 public:
  std::string uuid() override;
};

inline constexpr size_t kUuidLength = 36;
// UUID v4 from the OS's cryptographic generator.
std::string random_uuid();
// A UUID of the v4 form (version 4, RFC 4122 variant, lower case) whose first 48 bits are the given
// Unix time in ms, big-endian, as in UUID v7; the remaining 74 bits come from the OS's
// cryptographic generator. Clients see an ordinary v4 id.
std::string time_ordered_uuid(int64_t unix_ms);
// UUID v4 from a per-thread generator seeded from the OS: unique, cheap, not secret (request ids).
std::string fast_uuid();
void write_fast_uuid(char* out);   // exactly kUuidLength characters, no terminator
bool is_uuid(std::string_view s);  // any lower-case-or-upper-case 8-4-4-4-12 hex form
bool is_lower_uuid(std::string_view s);
// Random alphanumerics (A-Z, a-z, 0-9) of the given length.
std::string random_alnum(size_t n);

}  // namespace cl
