#pragma once
// The one calendar: Unix time to civil dates and every text form the server reads or writes (HTTP
// Date headers, ISO 8601 in messages and logs, SigV4's X-Amz-Date). Proleptic Gregorian, UTC, no
// locale and no gmtime_r.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/clock.hpp"

namespace cl {

struct CivilDate {
  int64_t year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31
};

// Days since 1970-01-01 <-> civil date (Howard Hinnant's algorithms).
CivilDate civil_from_days(int64_t days);
int64_t days_from_civil(int64_t year, unsigned month, unsigned day);

// RFC 1123 (the HTTP Date form), e.g. "Thu, 26 Nov 2026 16:01:08 GMT": exactly kHttpDateLength
// characters written to `out`, no terminator. Years are clamped to 0..9999.
inline constexpr size_t kHttpDateLength = 29;
void format_http_date(int64_t unix_seconds, char* out);
std::string http_date(int64_t unix_seconds);

// ISO 8601 UTC to the second, e.g. "2026-11-26T16:01:08Z".
std::string iso8601_utc(Millis ms);

// The SigV4 form (X-Amz-Date, ISO 8601 basic), e.g. "20261126T160108Z", to the second.
std::string amz_date(Millis ms);
// False unless `s` is exactly yyyymmddThhmmssZ and a real UTC date and time.
bool parse_amz_date(std::string_view s, Millis& epoch_ms);

}  // namespace cl
