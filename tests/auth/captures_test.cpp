// Data-driven over every request in fixtures/wire-captures (boto3, AWS CLI, JS SDK v3): the
// canonical request must match the captured one byte for byte, and the verifier must accept the
// real client signature.
#include <gtest/gtest.h>

#include <set>

#include "auth/verifier.hpp"
#include "common/time_format.hpp"
#include "test_util.hpp"

namespace cl::auth {
namespace {

using namespace cl::auth::test;

// Counts requests without RapidJSON, so a loader that silently skips some is caught.
size_t count_requests_textually() {
  size_t n = 0;
  for (const auto& path : capture_files()) {
    const std::string text = read_file(path);
    for (size_t pos = text.find("\"sigv4_verification\""); pos != std::string::npos;
         pos = text.find("\"sigv4_verification\"", pos + 1))
      ++n;
  }
  return n;
}

std::string session_token_of(const std::vector<Capture>& captures) {
  for (const auto& c : captures)
    if (c.request.has_header("x-amz-security-token")) return header(c.request, "x-amz-security-token");
  return {};
}

Credentials capture_credentials(const std::string& token) {
  Credentials creds;
  creds.add({"AKIDEXAMPLE", kSecret, kAccount, "", std::nullopt});
  creds.add({"ASIATEMPEXAMPLE", kSecret, kAccount, token, std::nullopt});
  return creds;
}

TEST(Captures, AllFilesArePresent) {
  EXPECT_EQ(capture_files().size(), 113u) << "fixtures/wire-captures should hold 113 capture files";
}

TEST(Captures, CanonicalRequestMatchesEveryCapture) {
  const auto captures = load_captures();
  ASSERT_FALSE(captures.empty());
  size_t matched = 0;
  for (const auto& c : captures) {
    SCOPED_TRACE(c.file + " request " + std::to_string(c.index));
    const auto a = parse_authorization(c.request.header("authorization"));
    EXPECT_EQ(a.algorithm, "AWS4-HMAC-SHA256");
    EXPECT_EQ(a.signed_headers, c.signed_headers);
    EXPECT_EQ(a.signature, c.signature);
    CredentialScope scope;
    ASSERT_TRUE(parse_credential(a.credential, scope));
    EXPECT_EQ(scope.access_key_id, c.access_key);
    EXPECT_EQ(scope.region, c.region);
    const std::string cr = canonical_request(c.request, a.signed_headers, payload_hash(c.request));
    EXPECT_EQ(cr, c.canonical_request);
    // And the signature computed from it is the client's.
    const std::string amz_date = header(c.request, "x-amz-date");
    const std::string sig = signature(signing_key(kSecret, scope.date, scope.region, scope.service),
                                      string_to_sign(amz_date, scope.scope, cr));
    EXPECT_EQ(sig, c.signature);
    if (cr == c.canonical_request && sig == c.signature) ++matched;
  }
  EXPECT_EQ(matched, captures.size());
}

TEST(Captures, VerifierAcceptsEveryCapturedRequest) {
  const auto captures = load_captures();
  const size_t present = count_requests_textually();
  ASSERT_EQ(captures.size(), present) << "the loader skipped requests";
  const std::string token = session_token_of(captures);
  ASSERT_FALSE(token.empty()) << "no session-token capture found";
  const Verifier verifier(capture_credentials(token), Mode::Verify);

  size_t verified = 0, with_token = 0, with_content_sha = 0, with_query = 0;
  for (const auto& c : captures) {
    SCOPED_TRACE(c.file + " request " + std::to_string(c.index));
    int64_t now = 0;
    ASSERT_TRUE(parse_amz_date(c.request.header("x-amz-date"), now));
    try {
      const Identity id = verifier.verify(c.request, now);
      EXPECT_EQ(id.account_id, kAccount);
      EXPECT_EQ(id.region, c.region);
      EXPECT_EQ(id.access_key_id, c.access_key);
      ASSERT_NE(id.credential, nullptr);
      EXPECT_EQ(id.credential->access_key_id, c.access_key);
      ++verified;
      with_token += c.request.has_header("x-amz-security-token");
      with_content_sha += c.request.has_header("x-amz-content-sha256");
      with_query += !c.request.raw_query().empty();
    } catch (const AwsException& e) {
      ADD_FAILURE() << e.error().code << ": " << e.error().message;
    }
  }
  EXPECT_EQ(verified, present);
  // The interesting shapes are all there.
  EXPECT_GE(with_token, 2u);
  EXPECT_GT(with_content_sha, 0u);
  EXPECT_GT(with_query, 0u);
  // One signing-key derivation per distinct (day, region): the cache absorbs everything else.
  std::set<std::string> scopes;
  for (const auto& c : captures) scopes.insert(header(c.request, "x-amz-date").substr(0, 8) + "/" + c.region);
  EXPECT_EQ(verifier.key_cache().misses(), scopes.size());
}

TEST(Captures, VerifiedWithinSkewWindowAndRejectedOutside) {
  const auto captures = load_captures();
  const Verifier verifier(capture_credentials(session_token_of(captures)), Mode::Verify);
  for (const auto& c : captures) {
    SCOPED_TRACE(c.file + " request " + std::to_string(c.index));
    int64_t t = 0;
    ASSERT_TRUE(parse_amz_date(c.request.header("x-amz-date"), t));
    EXPECT_NO_THROW(verifier.verify(c.request, t + kMaxClockSkewMs));
    EXPECT_NO_THROW(verifier.verify(c.request, t - kMaxClockSkewMs));
    expect_aws_error([&] { verifier.verify(c.request, t + kMaxClockSkewMs + 1000); }, errors::kInvalidSignature);
    expect_aws_error([&] { verifier.verify(c.request, t - kMaxClockSkewMs - 1000); }, errors::kInvalidSignature);
  }
}

}  // namespace
}  // namespace cl::auth
