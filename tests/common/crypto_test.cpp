// SHA-256 and HMAC-SHA256 against published vectors (FIPS 180-2, RFC 4231), including a key longer
// than the block and calls from several threads (each reuses its own context).
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "common/crypto.hpp"

namespace cl::crypto {
namespace {

std::string hex_of(const Digest& d) { return hex(d.data(), d.size()); }

TEST(Crypto, Sha256MatchesPublishedVectors) {
  EXPECT_EQ(hex_of(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex_of(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Crypto, HmacSha256MatchesRfc4231) {
  EXPECT_EQ(hex_of(hmac_sha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(hex_of(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: a 131-byte key is hashed first.
  EXPECT_EQ(hex_of(hmac_sha256(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(Crypto, HashesFromSeveralThreadsAgree) {
  const std::string expected = hex_of(hmac_sha256("key", "The quick brown fox jumps over the lazy dog"));
  EXPECT_EQ(expected, "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (size_t t = 0; t < mismatches.size(); ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i)
        if (hex_of(hmac_sha256("key", "The quick brown fox jumps over the lazy dog")) != expected) ++mismatches[t];
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace cl::crypto
