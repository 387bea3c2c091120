#include "common/time_format.hpp"

#include <algorithm>
#include <cstring>

namespace cl {

namespace {

void put2(char* p, unsigned v) {
  p[0] = static_cast<char>('0' + v / 10 % 10);
  p[1] = static_cast<char>('0' + v % 10);
}

void put4(char* p, int64_t year) {
  year = std::clamp<int64_t>(year, 0, 9999);
  put2(p, static_cast<unsigned>(year / 100));
  put2(p + 2, static_cast<unsigned>(year % 100));
}

// Floor division, so times before 1970 land on the right day.
void split_seconds(int64_t t, int64_t& days, int64_t& secs_of_day) {
  days = t / 86400;
  secs_of_day = t % 86400;
  if (secs_of_day < 0) {
    secs_of_day += 86400;
    --days;
  }
}

int64_t floor_seconds(Millis ms) { return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000); }

unsigned days_in_month(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

unsigned digits(std::string_view s, size_t pos, size_t n) {
  unsigned v = 0;
  for (size_t i = 0; i < n; ++i) v = v * 10 + static_cast<unsigned>(s[pos + i] - '0');
  return v;
}

}  // namespace

CivilDate civil_from_days(int64_t days) {
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void format_http_date(int64_t unix_seconds, char* out) {
  static constexpr char kDays[7][4] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};  // day 0 was a Thursday
  static constexpr char kMonths[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int64_t days, secs;
  split_seconds(unix_seconds, days, secs);
  const CivilDate c = civil_from_days(days);
  std::memcpy(out, kDays[((days % 7) + 7) % 7], 3);
  out[3] = ',';
  out[4] = ' ';
  put2(out + 5, c.day);
  out[7] = ' ';
  std::memcpy(out + 8, kMonths[c.month - 1], 3);
  out[11] = ' ';
  put4(out + 12, c.year);
  out[16] = ' ';
  put2(out + 17, static_cast<unsigned>(secs / 3600));
  out[19] = ':';
  put2(out + 20, static_cast<unsigned>(secs / 60 % 60));
  out[22] = ':';
  put2(out + 23, static_cast<unsigned>(secs % 60));
  std::memcpy(out + 25, " GMT", 4);  // NOLINT(bugprone-not-null-terminated-result): a fixed-width field, not a C string
}

std::string http_date(int64_t unix_seconds) {
  std::string s(kHttpDateLength, ' ');
  format_http_date(unix_seconds, s.data());
  return s;
}

namespace {

// The civil date and time of `ms` written into `layout` (a copy of the form, with its digits as
// zeros) at the offsets of year, month, day, hour, minute and second.
std::string civil_time(Millis ms, std::string layout, const size_t (&at)[6]) {
  int64_t days, secs;
  split_seconds(floor_seconds(ms), days, secs);
  const CivilDate c = civil_from_days(days);
  put4(layout.data() + at[0], c.year);
  put2(layout.data() + at[1], c.month);
  put2(layout.data() + at[2], c.day);
  put2(layout.data() + at[3], static_cast<unsigned>(secs / 3600));
  put2(layout.data() + at[4], static_cast<unsigned>(secs / 60 % 60));
  put2(layout.data() + at[5], static_cast<unsigned>(secs % 60));
  return layout;
}

}  // namespace

std::string iso8601_utc(Millis ms) { return civil_time(ms, "0000-00-00T00:00:00Z", {0, 5, 8, 11, 14, 17}); }

std::string amz_date(Millis ms) { return civil_time(ms, "00000000T000000Z", {0, 4, 6, 9, 11, 13}); }

bool parse_amz_date(std::string_view s, Millis& epoch_ms) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return false;
  for (size_t i = 0; i < 15; ++i)
    if (i != 8 && (s[i] < '0' || s[i] > '9')) return false;
  const int64_t y = digits(s, 0, 4);
  const unsigned mo = digits(s, 4, 2), d = digits(s, 6, 2);
  const unsigned h = digits(s, 9, 2), mi = digits(s, 11, 2), sec = digits(s, 13, 2);
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59) return false;
  epoch_ms = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60'000 + int64_t(sec) * 1000;
  return true;
}

}  // namespace cl
