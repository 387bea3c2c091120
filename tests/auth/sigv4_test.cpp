// The pure SigV4 functions, piece by piece.
#include "auth/sigv4.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "common/aws_error.hpp"
#include "common/time_format.hpp"
#include "test_util.hpp"

namespace cl::auth {
namespace {

using namespace cl::auth::test;

TEST(ParseAuthorization, BotocoreForm) {
  auto a = parse_authorization(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-east-1/connect/aws4_request, "
      "SignedHeaders=host;x-amz-date, Signature=abc123");
  EXPECT_EQ(a.algorithm, "AWS4-HMAC-SHA256");
  EXPECT_EQ(a.credential, "AKIDEXAMPLE/20261126/us-east-1/connect/aws4_request");
  EXPECT_EQ(a.signed_headers, "host;x-amz-date");
  EXPECT_EQ(a.signature, "abc123");
  EXPECT_TRUE(a.has_credential && a.has_signed_headers && a.has_signature);
}

TEST(ParseAuthorization, TolerantOfSpacing) {
  for (const char* v : {"AWS4-HMAC-SHA256 Credential=A/d/r/s/t,SignedHeaders=host,Signature=ff",
                        "  AWS4-HMAC-SHA256   Credential = A/d/r/s/t ,  SignedHeaders=host ,\tSignature=ff  ",
                        "AWS4-HMAC-SHA256\tSignature=ff, SignedHeaders=host, Credential=A/d/r/s/t"}) {
    SCOPED_TRACE(v);
    auto a = parse_authorization(v);
    EXPECT_EQ(a.algorithm, "AWS4-HMAC-SHA256");
    EXPECT_EQ(a.credential, "A/d/r/s/t");
    EXPECT_EQ(a.signed_headers, "host");
    EXPECT_EQ(a.signature, "ff");
  }
}

TEST(ParseAuthorization, MissingParameters) {
  auto a = parse_authorization("AWS4-HMAC-SHA256 Credential=A/d/r/s/t, SignedHeaders=host");
  EXPECT_TRUE(a.has_credential);
  EXPECT_TRUE(a.has_signed_headers);
  EXPECT_FALSE(a.has_signature);
  auto b = parse_authorization("Bearer abc");
  EXPECT_EQ(b.algorithm, "Bearer");
  EXPECT_FALSE(b.has_credential || b.has_signed_headers || b.has_signature);
  auto c = parse_authorization("");
  EXPECT_FALSE(c.has_credential || c.has_signed_headers || c.has_signature);
  auto d = parse_authorization("Credential=A/d/r/s/t, SignedHeaders=host, Signature=ff");
  EXPECT_EQ(d.algorithm, "");
  EXPECT_TRUE(d.has_credential && d.has_signed_headers && d.has_signature);
}

TEST(ParseCredential, FiveElements) {
  CredentialScope s;
  ASSERT_TRUE(parse_credential("AKID/20261126/eu-west-2/connect/aws4_request", s));
  EXPECT_EQ(s.access_key_id, "AKID");
  EXPECT_EQ(s.date, "20261126");
  EXPECT_EQ(s.region, "eu-west-2");
  EXPECT_EQ(s.service, "connect");
  EXPECT_EQ(s.terminator, "aws4_request");
  EXPECT_EQ(s.scope, "20261126/eu-west-2/connect/aws4_request");
  EXPECT_FALSE(parse_credential("AKID/20261126/eu-west-2/connect", s));
  EXPECT_FALSE(parse_credential("AKID/20261126/eu-west-2/connect/aws4_request/x", s));
  EXPECT_FALSE(parse_credential("", s));
}

TEST(Region, Shape) {
  EXPECT_TRUE(valid_region("us-east-1"));
  EXPECT_TRUE(valid_region("eu-west-2"));
  EXPECT_TRUE(valid_region("us-gov-west-1"));
  EXPECT_FALSE(valid_region(""));
  EXPECT_FALSE(valid_region("US-EAST-1"));
  EXPECT_FALSE(valid_region("us_east_1"));
  EXPECT_FALSE(valid_region(std::string(33, 'a')));
  EXPECT_TRUE(valid_region(std::string(32, 'a')));
}

TEST(AmzDate, ParseAndFormat) {
  int64_t ms = 0;
  ASSERT_TRUE(parse_amz_date("19700101T000000Z", ms));
  EXPECT_EQ(ms, 0);
  ASSERT_TRUE(parse_amz_date("20261126T160108Z", ms));
  EXPECT_EQ(ms, 1795708868000);
  EXPECT_EQ(cl::amz_date(ms), "20261126T160108Z");
  EXPECT_EQ(cl::amz_date(ms + 999), "20261126T160108Z");
  ASSERT_TRUE(parse_amz_date("20240229T235959Z", ms));
  EXPECT_EQ(cl::amz_date(ms + 1000), "20240301T000000Z");
  for (const char* bad :
       {"", "20261126T160108", "20261126 160108Z", "2026-11-26T16:01:08Z", "20261326T160108Z", "20230229T000000Z",
        "20261126T240000Z", "20261126T006000Z", "2026112aT160108Z", "Thu, 26 Nov 2026 16:01:08 GMT"})
    EXPECT_FALSE(parse_amz_date(bad, ms)) << bad;
}

TEST(CanonicalUri, EncodesTheRawPathAgain) {
  EXPECT_EQ(canonical_uri("/instance"), "/instance");
  EXPECT_EQ(canonical_uri(""), "/");
  EXPECT_EQ(canonical_uri("/tags/arn%3Aaws%3Aconnect%2Fx"), "/tags/arn%253Aaws%253Aconnect%252Fx");
  EXPECT_EQ(canonical_uri("/a b/~_.-/A+Z"), "/a%20b/~_.-/A%2BZ");
  EXPECT_EQ(canonical_uri("/\xc3\xa9"), "/%C3%A9");
  // No normalisation.
  EXPECT_EQ(canonical_uri("/a//b/../c/./"), "/a//b/../c/./");
}

TEST(CanonicalQuery, DecodesReencodesAndSorts) {
  EXPECT_EQ(canonical_query(""), "");
  EXPECT_EQ(canonical_query("b=2&a=1"), "a=1&b=2");
  EXPECT_EQ(canonical_query("tagKeys=team&tagKeys=env&tagKeys=key%20with%20space&tagKeys=k%3Acolon%2Fslash"),
            "tagKeys=env&tagKeys=k%3Acolon%2Fslash&tagKeys=key%20with%20space&tagKeys=team");
  // Lower-case hex and needlessly escaped unreserved bytes are normalised; '+' stays a plus.
  EXPECT_EQ(canonical_query("k=%3a%41+b"), "k=%3AA%2Bb");
  // Bytes that should have been escaped are.
  EXPECT_EQ(canonical_query("k=a b:c/d"), "k=a%20b%3Ac%2Fd");
  // No '=': empty value. Empty components are dropped.
  EXPECT_EQ(canonical_query("flag&&a=1&"), "a=1&flag=");
  // Only the first '=' splits.
  EXPECT_EQ(canonical_query("t=a%3D=b"), "t=a%3D%3Db");
  // A malformed escape is a literal '%'.
  EXPECT_EQ(canonical_query("k=%zz&j=%4"), "j=%254&k=%25zz");
  // Sorted by encoded name (byte order: upper case before lower case), then by value.
  EXPECT_EQ(canonical_query("a=2&B=1&a=1&_=0"), "B=1&_=0&a=1&a=2");
}

TEST(CanonicalQuery, PresignedDropsOnlyTheSignature) {
  const std::string q = "X-Amz-Date=20261126T160108Z&X-Amz-Signature=abc&maxResults=5";
  EXPECT_EQ(canonical_query(q, true), "X-Amz-Date=20261126T160108Z&maxResults=5");
  EXPECT_EQ(canonical_query(q, false), "X-Amz-Date=20261126T160108Z&X-Amz-Signature=abc&maxResults=5");
}

TEST(CanonicalHeaders, TrimCollapseAndJoin) {
  http::Request r;
  r.headers = {{"Host", "  example.com  "},
               {"X-Multi", "a   b \t c"},
               {"x-dup", "one"},
               {"X-Dup", " two "},
               {"X-Skip", "ignored"}};
  EXPECT_EQ(canonical_headers(r, "host;x-dup;x-multi"), "host:example.com\nx-dup:one,two\nx-multi:a b c\n");
  // The given order is kept; an absent header canonicalises as an empty value.
  EXPECT_EQ(canonical_headers(r, "x-multi;host;x-absent"), "x-multi:a b c\nhost:example.com\nx-absent:\n");
}

TEST(PayloadHash, BodyOrHeader) {
  http::Request r;
  EXPECT_EQ(payload_hash(r), kEmptyPayloadHash);
  r.body = "{}";
  const std::string h = crypto::hex(crypto::sha256("{}"));
  EXPECT_EQ(payload_hash(r), h);
  r.headers.push_back({"X-Amz-Content-Sha256", h});
  EXPECT_EQ(payload_hash(r), h);
  std::string upper = h;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  r.headers.back().value = upper;
  EXPECT_EQ(payload_hash(r), upper);  // the declared value is what was signed
  r.headers.back().value = "UNSIGNED-PAYLOAD";
  EXPECT_EQ(payload_hash(r), "UNSIGNED-PAYLOAD");
  r.headers.back().value = std::string(kEmptyPayloadHash);
  expect_aws_error([&] { payload_hash(r); }, errors::kInvalidSignature,
                   "The provided 'x-amz-content-sha256' header does not match what was computed.");
}

TEST(SigningKey, AwsDocumentationExample) {
  // docs.aws.amazon.com "Examples of how to derive a signing key for Signature Version 4".
  EXPECT_EQ(crypto::hex(signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam")),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

TEST(StringToSign, Layout) {
  EXPECT_EQ(
      string_to_sign("20261126T160108Z", "20261126/us-east-1/connect/aws4_request", ""),
      "AWS4-HMAC-SHA256\n20261126T160108Z\n20261126/us-east-1/connect/aws4_request\n" + std::string(kEmptyPayloadHash));
  EXPECT_EQ(credential_scope("20261126", "eu-west-2", "connect"), "20261126/eu-west-2/connect/aws4_request");
}

TEST(SigningKeyCache, HitsAndMatchesDerivation) {
  SigningKeyCache cache;
  const auto k1 = cache.get("secret", "20261126", "us-east-1", "connect");
  EXPECT_EQ(k1, signing_key("secret", "20261126", "us-east-1", "connect"));
  EXPECT_EQ(cache.misses(), 1u);
  EXPECT_EQ(cache.get("secret", "20261126", "us-east-1", "connect"), k1);
  EXPECT_EQ(cache.misses(), 1u);
  EXPECT_EQ(cache.get("secret", "20261127", "us-east-1", "connect"),
            signing_key("secret", "20261127", "us-east-1", "connect"));
  EXPECT_EQ(cache.get("other", "20261126", "us-east-1", "connect"),
            signing_key("other", "20261126", "us-east-1", "connect"));
  EXPECT_EQ(cache.get("secret", "20261126", "eu-west-2", "connect"),
            signing_key("secret", "20261126", "eu-west-2", "connect"));
  EXPECT_EQ(cache.misses(), 4u);
}

TEST(SigningKeyCache, BoundedCapacity) {
  SigningKeyCache cache(2);
  for (int round = 0; round < 3; ++round)
    for (const char* region : {"r-1", "r-2", "r-3"})
      EXPECT_EQ(cache.get("s", "20261126", region, "connect"), signing_key("s", "20261126", region, "connect"));
}

TEST(SigningKeyCache, ConcurrentUseIsConsistent) {
  SigningKeyCache cache;
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        const std::string region = "region-" + std::to_string((i + t) % 100);  // more keys than slots
        if (cache.get("s", "20261126", region, "connect") != signing_key("s", "20261126", region, "connect")) ++bad;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace cl::auth
