#include "common/page_token.hpp"

#include <gtest/gtest.h>

#include "common/crypto.hpp"

namespace cl {
namespace {

const std::string kBinding = "111111111111/us-east-1/ListPhoneNumbersV2/US";

TEST(PageTokens, OpenGivesBackThePositionForTheSameBinding) {
  PageTokens tokens("key-1");
  for (const std::string& position :
       {std::string(), std::string("+12065550100"), std::string("with\0nul", 8), std::string(300, 'x')}) {
    const std::string token = tokens.make(kBinding, position);
    EXPECT_EQ(tokens.open(kBinding, token), std::optional<std::string>(position));
    // URL-safe: it travels in query strings.
    EXPECT_EQ(token.find_first_of("+/= "), std::string::npos) << token;
  }
}

TEST(PageTokens, ATokenBoundToAnotherQueryIsRefused) {
  PageTokens tokens("key-1");
  const std::string token = tokens.make(kBinding, "+12065550100");
  EXPECT_EQ(tokens.open("222222222222/us-east-1/ListPhoneNumbersV2/US", token), std::nullopt);  // account
  EXPECT_EQ(tokens.open("111111111111/us-east-1/ListPhoneNumbersV2/CA", token), std::nullopt);  // filters
  EXPECT_EQ(tokens.open(kBinding + std::string(1, '\0'), token), std::nullopt);
  EXPECT_EQ(tokens.open(kBinding.substr(0, kBinding.size() - 1), token), std::nullopt);
  EXPECT_EQ(tokens.open("", token), std::nullopt);
}

TEST(PageTokens, ATokenMadeWithAnotherKeyIsRefused) {
  EXPECT_EQ(PageTokens("key-2").open(kBinding, PageTokens("key-1").make(kBinding, "+12065550100")), std::nullopt);
}

TEST(PageTokens, AnyTamperingIsRefused) {
  PageTokens tokens("key-1");
  const std::string token = tokens.make(kBinding, "+12065550100");
  std::string raw;
  ASSERT_TRUE(crypto::base64url_decode(token, raw));
  // Flipping any bit of the decoded token (version, MAC or position) breaks it.
  for (size_t i = 0; i < raw.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = raw;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      EXPECT_EQ(tokens.open(kBinding, crypto::base64url_encode(bad)), std::nullopt) << "byte " << i << " bit " << bit;
    }
  }
  // A position swapped for another with the old MAC kept.
  std::string swapped = raw.substr(0, raw.size() - 12) + "+13125550100";
  EXPECT_EQ(tokens.open(kBinding, crypto::base64url_encode(swapped)), std::nullopt);
  // Truncated, extended, not base64url, empty, oversized.
  EXPECT_EQ(tokens.open(kBinding, token.substr(0, token.size() - 1)), std::nullopt);
  EXPECT_EQ(tokens.open(kBinding, token + "A"), std::nullopt);
  EXPECT_EQ(tokens.open(kBinding, "!!!!"), std::nullopt);
  EXPECT_EQ(tokens.open(kBinding, ""), std::nullopt);
  EXPECT_EQ(tokens.open(kBinding, std::string(5000, 'A')), std::nullopt);
}

}  // namespace
}  // namespace cl
