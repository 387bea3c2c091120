#include "common/ids.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace cl {
namespace {

const std::regex kUuid4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");

TEST(Ids, UuidsAreLowerCaseVersion4AndUnique) {
  std::set<std::string> seen;
  RandomIdGenerator gen;
  for (int i = 0; i < 2000; ++i) {
    for (const std::string& id : {random_uuid(), fast_uuid(), gen.uuid()}) {
      EXPECT_TRUE(std::regex_match(id, kUuid4)) << id;
      EXPECT_TRUE(is_lower_uuid(id)) << id;
      EXPECT_TRUE(seen.insert(id).second) << "duplicate " << id;
    }
  }
}

TEST(Ids, ResourceIdsAreUniqueAndSortInCreationOrder) {
  std::set<std::string> seen;
  RandomIdGenerator gen;
  std::string previous_ms;
  for (int i = 0; i < 4000; ++i) {
    const std::string id = gen.uuid();
    EXPECT_TRUE(std::regex_match(id, kUuid4)) << id;
    EXPECT_TRUE(seen.insert(id).second) << "duplicate " << id;
    const std::string ms = id.substr(0, 8) + id.substr(9, 4);  // the first 48 bits: the creation time
    EXPECT_GE(ms, previous_ms) << id;
    previous_ms = ms;
  }
}

TEST(Ids, TimeOrderedUuidCarriesItsTimeInTheFirst48Bits) {
  const int64_t ms = 1795996800000;  // 2026-11-30T00:00:00Z
  const std::string id = time_ordered_uuid(ms);
  EXPECT_EQ(std::stoll(id.substr(0, 8) + id.substr(9, 4), nullptr, 16), ms) << id;
  EXPECT_TRUE(std::regex_match(id, kUuid4)) << id;
  EXPECT_NE(id.substr(14), time_ordered_uuid(ms).substr(14));  // same ms, different random part
  EXPECT_LT(time_ordered_uuid(ms).substr(0, 13), time_ordered_uuid(ms + 1).substr(0, 13));
}

TEST(Ids, UuidShapes) {
  EXPECT_TRUE(is_uuid("12345678-90ab-cdef-ABCD-ef0123456789"));
  EXPECT_FALSE(is_lower_uuid("12345678-90ab-cdef-ABCD-ef0123456789"));
  EXPECT_TRUE(is_lower_uuid("12345678-90ab-cdef-abcd-ef0123456789"));
  for (const char* bad : {"", "12345678-90ab-cdef-abcd-ef012345678", "12345678-90ab-cdef-abcd-ef01234567890",
                          "12345678090ab-cdef-abcd-ef0123456789", "1234567g-90ab-cdef-abcd-ef0123456789",
                          "12345678-90ab-cdef-abcd-ef012345678 ", "{2345678-90ab-cdef-abcd-ef012345678}"}) {
    EXPECT_FALSE(is_uuid(bad)) << bad;
    EXPECT_FALSE(is_lower_uuid(bad)) << bad;
  }
}

TEST(Ids, RandomAlnumHasTheLengthAndAlphabet) {
  for (size_t n : {0, 1, 20, 63, 64, 65, 200}) {
    const std::string s = random_alnum(n);
    EXPECT_EQ(s.size(), n);
    for (char c : s) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << s;
  }
  EXPECT_NE(random_alnum(20), random_alnum(20));
}

}  // namespace
}  // namespace cl
