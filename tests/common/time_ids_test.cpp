// The one calendar and the one UUID layout every module uses.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "common/ids.hpp"
#include "common/time_format.hpp"

namespace cl {
namespace {

TEST(HttpDate, FormatsRfc1123) {
  EXPECT_EQ(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(http_date(1795708868), "Thu, 26 Nov 2026 16:01:08 GMT");
  EXPECT_EQ(http_date(951868799), "Tue, 29 Feb 2000 23:59:59 GMT");
  EXPECT_EQ(http_date(-1), "Wed, 31 Dec 1969 23:59:59 GMT");
}

TEST(Iso8601, FormatsUtcSeconds) {
  EXPECT_EQ(iso8601_utc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(iso8601_utc(1795708868'999), "2026-11-26T16:01:08Z");
  EXPECT_EQ(iso8601_utc(951868799'000), "2000-02-29T23:59:59Z");
  EXPECT_EQ(iso8601_utc(-1), "1969-12-31T23:59:59Z");
}

TEST(AmzDate, FormatsAndParsesTheSigV4Form) {
  EXPECT_EQ(amz_date(0), "19700101T000000Z");
  EXPECT_EQ(amz_date(1795708868'999), "20261126T160108Z");
  EXPECT_EQ(amz_date(-1), "19691231T235959Z");
  Millis ms = 0;
  ASSERT_TRUE(parse_amz_date("20000229T235959Z", ms));
  EXPECT_EQ(ms, 951868799'000);
  EXPECT_EQ(amz_date(ms), "20000229T235959Z");
  for (const char* bad : {"", "19000229T000000Z", "20261126T240000Z", "20261126 160108Z", "20261126T160108",
                          "2026112T1601080Z", "20261326T160108Z"})
    EXPECT_FALSE(parse_amz_date(bad, ms)) << bad;
}

TEST(CivilDays, RoundTrip) {
  for (int64_t d : {-800000LL, -1LL, 0LL, 11016LL, 20788LL, 2932896LL}) {
    const CivilDate c = civil_from_days(d);
    EXPECT_EQ(days_from_civil(c.year, c.month, c.day), d);
  }
}

TEST(Uuid, BothGeneratorsGiveLowerCaseVersion4) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    for (const std::string& u : {random_uuid(), fast_uuid()}) {
      EXPECT_TRUE(is_lower_uuid(u)) << u;
      EXPECT_EQ(u[14], '4') << u;
      EXPECT_NE(std::string("89ab").find(u[19]), std::string::npos) << u;
      seen.insert(u);
    }
  }
  EXPECT_EQ(seen.size(), 400u);
}

}  // namespace
}  // namespace cl
