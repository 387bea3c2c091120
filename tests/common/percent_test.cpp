#include "common/percent.hpp"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace cl::percent {
namespace {

TEST(Percent, DecodesEscapesInEitherCaseAndKeepsPlusLiteral) {
  EXPECT_EQ(decode("%2B1%20206"), std::optional<std::string>("+1 206"));
  EXPECT_EQ(decode("%2b%3a%3A"), std::optional<std::string>("+::"));
  EXPECT_EQ(decode("a+b"), std::optional<std::string>("a+b"));  // '+' is never a space in AWS paths
  EXPECT_EQ(decode(""), std::optional<std::string>(""));
  EXPECT_EQ(decode("%00"), std::optional<std::string>(std::string(1, '\0')));
  EXPECT_EQ(decode("%E2%82%AC"), std::optional<std::string>("\xE2\x82\xAC"));
  EXPECT_EQ(decode("%41"), std::optional<std::string>("A"));  // an escape ending the input
}

TEST(Percent, MalformedEscapesAreRefused) {
  for (const char* bad : {"%", "%4", "abc%", "abc%2", "%G0", "%0G", "%%41", "% 41", "%-1"})
    EXPECT_EQ(decode(bad), std::nullopt) << bad;
}

TEST(Percent, EncodesEverythingButUnreservedWithUpperCaseHex) {
  EXPECT_EQ(encode("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(encode("+1 206/x"), "%2B1%20206%2Fx");
  EXPECT_EQ(encode("+1 206/x", true), "%2B1%20206/x");
  EXPECT_EQ(encode("\xE2\x82\xAC"), "%E2%82%AC");
  EXPECT_EQ(encode(std::string(1, '\0')), "%00");
}

TEST(Percent, EncodeThenDecodeIsTheIdentityOnEveryByte) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  EXPECT_EQ(decode(encode(all)), std::optional<std::string>(all));
  EXPECT_EQ(decode(encode(all, true)), std::optional<std::string>(all));
}

TEST(Percent, QueryPartsAreSplitInOrderStillEncoded) {
  std::vector<std::pair<std::string, std::string>> parts;
  for_each_query_part("a=1&&b&c=%2B=x&=v&", [&](std::string_view n, std::string_view v) {
    parts.emplace_back(std::string(n), std::string(v));
  });
  const std::vector<std::pair<std::string, std::string>> expected = {{"a", "1"}, {"b", ""}, {"c", "%2B=x"}, {"", "v"}};
  EXPECT_EQ(parts, expected);
}

}  // namespace
}  // namespace cl::percent
