#include "app/throttle.hpp"

#include <gtest/gtest.h>

namespace cl::app {
namespace {

// `--throttle aws`: 2 requests/s, burst 5.
TEST(Throttle, ABurstIsAdmittedThenTheRate) {
  Throttle t(2.0, 5.0);
  const Millis t0 = 1'000'000;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(t.admit("111111111111", "us-east-1", "ClaimPhoneNumber", t0)) << i;
  EXPECT_FALSE(t.admit("111111111111", "us-east-1", "ClaimPhoneNumber", t0));
  EXPECT_FALSE(t.admit("111111111111", "us-east-1", "ClaimPhoneNumber", t0 + 499));  // 0.998 tokens
  EXPECT_TRUE(t.admit("111111111111", "us-east-1", "ClaimPhoneNumber", t0 + 500));   // one token per 500 ms
  EXPECT_FALSE(t.admit("111111111111", "us-east-1", "ClaimPhoneNumber", t0 + 500));
  EXPECT_TRUE(t.admit("111111111111", "us-east-1", "ClaimPhoneNumber", t0 + 1000));
}

TEST(Throttle, AnIdleBucketRefillsOnlyUpToTheBurst) {
  Throttle t(2.0, 5.0);
  EXPECT_TRUE(t.admit("a", "r", "Op", 0));
  const Millis later = 3'600'000;  // an hour idle
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(t.admit("a", "r", "Op", later)) << i;
  EXPECT_FALSE(t.admit("a", "r", "Op", later));
}

TEST(Throttle, BucketsArePerAccountRegionAndOperation) {
  Throttle t(2.0, 1.0);
  EXPECT_TRUE(t.admit("111111111111", "us-east-1", "ClaimPhoneNumber", 0));
  EXPECT_FALSE(t.admit("111111111111", "us-east-1", "ClaimPhoneNumber", 0));
  EXPECT_TRUE(t.admit("222222222222", "us-east-1", "ClaimPhoneNumber", 0));
  EXPECT_TRUE(t.admit("111111111111", "eu-west-2", "ClaimPhoneNumber", 0));
  EXPECT_TRUE(t.admit("111111111111", "us-east-1", "ReleasePhoneNumber", 0));
}

}  // namespace
}  // namespace cl::app
