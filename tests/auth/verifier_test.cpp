// Verifier behaviour: every mutation of a real captured request is rejected with the right code and
// AWS's message; malformed and missing authentication; Mode::Off.
#include "auth/verifier.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "common/time_format.hpp"
#include "test_util.hpp"

namespace cl::auth {
namespace {

using namespace cl::auth::test;

constexpr const char* kMismatch =
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access "
    "Key and signing method. Consult the service documentation for details.";
constexpr const char* kInvalidToken = "The security token included in the request is invalid.";

const std::vector<Capture>& captures() {
  static const std::vector<Capture> all = load_captures();
  return all;
}

std::string token() {
  for (const auto& c : captures())
    if (c.request.has_header("x-amz-security-token")) return header(c.request, "x-amz-security-token");
  return {};
}

Credentials creds(const std::string& secret = kSecret) {
  Credentials c;
  c.add({"AKIDEXAMPLE", secret, kAccount, "", std::nullopt});
  c.add({"ASIATEMPEXAMPLE", secret, kAccount, token(), std::nullopt});
  return c;
}

int64_t date_of(const http::Request& r) {
  int64_t ms = 0;
  EXPECT_TRUE(parse_amz_date(r.header("x-amz-date"), ms));
  return ms;
}

// A different byte that no decoding or case folding maps back to the original.
char other(char c) { return c == 'z' ? 'y' : 'z'; }

std::string replace_once(std::string s, const std::string& from, const std::string& to) {
  auto pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from << " not in " << s;
  if (pos != std::string::npos) s.replace(pos, from.size(), to);
  return s;
}

class Mutations : public ::testing::Test {
 protected:
  Verifier verifier{creds(), Mode::Verify};

  void expect_rejected(const http::Request& r, const char* code, const std::string& message = {}) {
    expect_aws_error([&] { verifier.verify(r, date_of(r)); }, code, message);
  }
};

TEST_F(Mutations, BodyByte) {
  size_t n = 0;
  for (const auto& c : captures()) {
    if (c.request.body.empty()) continue;
    SCOPED_TRACE(c.file);
    http::Request r = c.request;
    r.body[r.body.size() / 2] = other(r.body[r.body.size() / 2]);
    // JS declares x-amz-content-sha256, which no longer matches; boto3/CLI sign the body hash.
    expect_rejected(r, errors::kInvalidSignature,
                    r.has_header("x-amz-content-sha256")
                        ? "The provided 'x-amz-content-sha256' header does not match what was computed."
                        : kMismatch);
    ++n;
  }
  EXPECT_GT(n, 20u);
}

TEST_F(Mutations, PathByte) {
  for (const auto& c : captures()) {
    SCOPED_TRACE(c.file);
    http::Request r = c.request;
    const size_t last = r.raw_path().size() - 1;
    r.target[last] = other(r.target[last]);
    expect_rejected(r, errors::kInvalidSignature, kMismatch);
  }
}

TEST_F(Mutations, QueryByte) {
  size_t n = 0;
  for (const auto& c : captures()) {
    if (c.request.raw_query().empty()) continue;
    SCOPED_TRACE(c.file);
    http::Request r = c.request;
    r.target.back() = other(r.target.back());
    expect_rejected(r, errors::kInvalidSignature, kMismatch);
    // An extra parameter is a mutation too.
    http::Request extra = c.request;
    extra.target += "&extra=1";
    expect_rejected(extra, errors::kInvalidSignature, kMismatch);
    ++n;
  }
  EXPECT_GT(n, 10u);
}

TEST_F(Mutations, SignedHeaderValue) {
  for (const auto& c : captures()) {
    SCOPED_TRACE(c.file);
    http::Request host = c.request;
    set_header(host, "host", "127.0.0.1:18081");
    expect_rejected(host, errors::kInvalidSignature, kMismatch);
    if (c.request.has_header("amz-sdk-invocation-id") &&
        c.signed_headers.find("amz-sdk-invocation-id") != std::string::npos) {
      http::Request inv = c.request;
      std::string v = header(inv, "amz-sdk-invocation-id");
      v[0] = other(v[0]);
      set_header(inv, "amz-sdk-invocation-id", v);
      expect_rejected(inv, errors::kInvalidSignature, kMismatch);
    }
  }
}

TEST_F(Mutations, UnsignedHeadersDoNotMatter) {
  for (const auto& c : captures()) {
    SCOPED_TRACE(c.file);
    http::Request r = c.request;
    set_header(r, "User-Agent", "something else entirely");
    r.headers.push_back({"X-Unsigned", "x"});
    EXPECT_NO_THROW(verifier.verify(r, date_of(r)));
  }
}

TEST_F(Mutations, AmzDateTimeAndDay) {
  for (const auto& c : captures()) {
    SCOPED_TRACE(c.file);
    const std::string date = header(c.request, "x-amz-date");
    // A second later: within the skew window, but the signature no longer matches.
    http::Request r = c.request;
    std::string moved = date;
    moved[14] = moved[14] == '9' ? '8' : static_cast<char>(moved[14] + 1);
    set_header(r, "x-amz-date", moved);
    expect_rejected(r, errors::kInvalidSignature, kMismatch);
    // Another day: the credential scope no longer matches.
    http::Request d = c.request;
    std::string day = date;
    day[7] = day[7] == '6' ? '5' : '6';
    set_header(d, "x-amz-date", day);
    expect_aws_error([&] { verifier.verify(d, date_of(c.request)); }, errors::kInvalidSignature,
                     "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
                         date.substr(0, 8) + "' != '" + day.substr(0, 8) + "', from '" + day + "'.");
  }
}

TEST_F(Mutations, SecretKey) {
  const Verifier wrong(creds("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEz"), Mode::Verify);
  for (const auto& c : captures()) {
    SCOPED_TRACE(c.file);
    expect_aws_error([&] { wrong.verify(c.request, date_of(c.request)); }, errors::kInvalidSignature, kMismatch);
  }
}

TEST_F(Mutations, RegionInScope) {
  for (const auto& c : captures()) {
    SCOPED_TRACE(c.file);
    http::Request r = c.request;
    const std::string other_region = c.region == "ap-southeast-2" ? "ca-central-1" : "ap-southeast-2";
    set_header(r, "authorization",
               replace_once(header(r, "authorization"), "/" + c.region + "/", "/" + other_region + "/"));
    expect_rejected(r, errors::kInvalidSignature, kMismatch);
  }
}

TEST_F(Mutations, Signature) {
  for (const auto& c : captures()) {
    SCOPED_TRACE(c.file);
    http::Request r = c.request;
    std::string a = header(r, "authorization");
    a.back() = a.back() == '0' ? '1' : '0';
    set_header(r, "authorization", a);
    expect_rejected(r, errors::kInvalidSignature, kMismatch);
    // Upper-case hex is not the signature either, nor is a truncated one.
    set_header(r, "authorization",
               replace_once(header(c.request, "authorization"), c.signature, c.signature.substr(0, 63)));
    expect_rejected(r, errors::kInvalidSignature, kMismatch);
  }
}

TEST_F(Mutations, MethodChange) {
  const auto& c = captures().front();
  http::Request r = c.request;
  r.method = r.method == "GET" ? "POST" : "GET";
  expect_rejected(r, errors::kInvalidSignature, kMismatch);
}

TEST_F(Mutations, ExpiredAndNotYetCurrent) {
  const auto& c = captures().front();
  const std::string date = header(c.request, "x-amz-date");
  const int64_t t = date_of(c.request);
  constexpr int64_t kMin = 60'000;
  expect_aws_error([&] { verifier.verify(c.request, t + 16 * kMin); }, errors::kInvalidSignature,
                   "Signature expired: " + date + " is now earlier than " + cl::amz_date(t + kMin) + " (" +
                       cl::amz_date(t + 16 * kMin) + " - 15 min.)");
  expect_aws_error([&] { verifier.verify(c.request, t - 16 * kMin); }, errors::kInvalidSignature,
                   "Signature not yet current: " + date + " is still later than " + cl::amz_date(t - kMin) + " (" +
                       cl::amz_date(t - 16 * kMin) + " + 15 min.)");
  EXPECT_NO_THROW(verifier.verify(c.request, t + 15 * kMin));
  EXPECT_NO_THROW(verifier.verify(c.request, t - 15 * kMin));
}

TEST_F(Mutations, ExpiredMessageMatchesAwsExample) {
  // The message quoted in the brief: request at 16:01:08, server clock 16:31:08.
  http::Request r = basic_request();
  sign(r, "AKIDEXAMPLE", kSecret, "20261126T160108Z", "us-east-1", "host;x-amz-date");
  int64_t now = 0;
  ASSERT_TRUE(parse_amz_date("20261126T163108Z", now));
  expect_aws_error([&] { verifier.verify(r, now); }, errors::kInvalidSignature,
                   "Signature expired: 20261126T160108Z is now earlier than 20261126T161608Z (20261126T163108Z - 15 "
                   "min.)");
}

TEST_F(Mutations, UnknownAccessKey) {
  Credentials only_other;
  only_other.add({"SOMEONEELSE", kSecret, kAccount, "", std::nullopt});
  const Verifier v(std::move(only_other), Mode::Verify);
  for (const auto& c : captures()) {
    SCOPED_TRACE(c.file);
    expect_aws_error([&] { v.verify(c.request, date_of(c.request)); }, errors::kUnrecognizedClient, kInvalidToken);
  }
}

TEST_F(Mutations, SessionTokenMissingOrDifferent) {
  size_t n = 0;
  for (const auto& c : captures()) {
    if (c.access_key != "ASIATEMPEXAMPLE") continue;
    SCOPED_TRACE(c.file);
    http::Request missing = c.request;
    remove_header(missing, "x-amz-security-token");
    expect_rejected(missing, errors::kUnrecognizedClient, kInvalidToken);
    http::Request different = c.request;
    std::string t = header(different, "x-amz-security-token");
    t[3] = other(t[3]);
    set_header(different, "x-amz-security-token", t);
    expect_rejected(different, errors::kUnrecognizedClient, kInvalidToken);
    ++n;
  }
  EXPECT_GE(n, 2u);
}

TEST_F(Mutations, TokenRefusedWhenTheCredentialHasNone) {
  // A permanent key (no session token configured) refuses a signed request that carries one, as AWS does.
  http::Request r = basic_request();
  r.headers.push_back({"X-Amz-Security-Token", "whatever"});
  sign(r, "AKIDEXAMPLE", kSecret, "20261126T160108Z", "us-east-1", "host;x-amz-date;x-amz-security-token");
  expect_rejected(r, errors::kUnrecognizedClient, kInvalidToken);
  // Unsigned, too.
  http::Request unsigned_token = basic_request();
  sign(unsigned_token, "AKIDEXAMPLE", kSecret, "20261126T160108Z", "us-east-1", "host;x-amz-date");
  unsigned_token.headers.push_back({"X-Amz-Security-Token", "whatever"});
  expect_rejected(unsigned_token, errors::kUnrecognizedClient, kInvalidToken);
}

TEST_F(Mutations, RepeatedAuthenticationHeadersAreRefused) {
  http::Request base = basic_request();
  sign(base, "AKIDEXAMPLE", kSecret, "20261126T160108Z", "us-east-1", "host;x-amz-date");
  ASSERT_NO_THROW(verifier.verify(base, date_of(base)));
  // A second Authorization, valid or not, in either order: which one was meant is unknowable.
  http::Request other = basic_request();
  sign(other, "AKIDEXAMPLE", "another secret", "20261126T160108Z", "us-east-1", "host;x-amz-date");
  for (bool valid_first : {true, false}) {
    http::Request r = valid_first ? base : other;
    r.headers.push_back({"Authorization", header(valid_first ? other : base, "authorization")});
    expect_rejected(r, errors::kIncompleteSignature,
                    "The request carries more than one 'Authorization' header; exactly one is allowed.");
  }
  http::Request same = base;
  same.headers.push_back({"authorization", header(base, "authorization")});
  expect_rejected(same, errors::kIncompleteSignature);
  for (const char* name : {"X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256"}) {
    SCOPED_TRACE(name);
    http::Request r = base;
    r.headers.push_back({name, "x"});
    r.headers.push_back({name, "y"});
    expect_rejected(r, errors::kIncompleteSignature);
  }
}

TEST_F(Mutations, RegionsWhereConnectDoesNotRun) {
  for (const char* region : {"zz-evil-9", "us-east-2", "eu-west-1", "us-gov-west-1", "cn-north-1"}) {
    SCOPED_TRACE(region);
    http::Request r = basic_request();
    sign(r, "AKIDEXAMPLE", kSecret, "20261126T160108Z", region, "host;x-amz-date");  // correctly signed
    expect_rejected(r, errors::kInvalidSignature,
                    "Credential should be scoped to a valid region, not '" + std::string(region) + "'. ");
  }
  for (const char* region : {"us-east-1", "us-west-2", "eu-central-1", "eu-west-2", "ap-northeast-1", "ap-northeast-3",
                             "ap-northeast-2", "ap-southeast-1", "ap-southeast-2", "ca-central-1", "af-south-1"}) {
    SCOPED_TRACE(region);
    http::Request r = basic_request();
    sign(r, "AKIDEXAMPLE", kSecret, "20261126T160108Z", region, "host;x-amz-date");
    EXPECT_EQ(verifier.verify(r, date_of(r)).region, region);
  }
}

TEST_F(Mutations, WrongService) {
  const auto& c = captures().front();
  http::Request r = c.request;
  set_header(r, "authorization", replace_once(header(r, "authorization"), "/connect/", "/s3/"));
  expect_rejected(r, errors::kInvalidSignature, "Credential should be scoped to correct service: 'connect'. ");
}

TEST_F(Mutations, WrongTerminatorAndRegionShape) {
  const auto& c = captures().front();
  http::Request r = c.request;
  set_header(r, "authorization", replace_once(header(r, "authorization"), "/aws4_request", "/aws5_request"));
  expect_rejected(r, errors::kInvalidSignature,
                  "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. ");
  http::Request region = c.request;
  set_header(region, "authorization", replace_once(header(region, "authorization"), "/us-east-1/", "/US_EAST/"));
  expect_rejected(region, errors::kInvalidSignature, "Credential should be scoped to a valid region, not 'US_EAST'. ");
}

class Malformed : public ::testing::Test {
 protected:
  Verifier verifier{creds(), Mode::Verify};
  http::Request signed_request() {
    http::Request r = basic_request();
    sign(r, "AKIDEXAMPLE", kSecret, "20261126T160108Z", "us-east-1", "host;x-amz-date");
    return r;
  }
  void expect(const http::Request& r, const char* code, const std::string& message) {
    expect_aws_error([&] { verifier.verify(r, date_of(signed_request())); }, code, message);
  }
};

TEST_F(Malformed, SanityTheBaseRequestVerifies) {
  const http::Request r = signed_request();
  const Identity id = verifier.verify(r, date_of(r));
  EXPECT_EQ(id.account_id, kAccount);
  EXPECT_EQ(id.region, "us-east-1");
}

TEST_F(Malformed, MissingAuthentication) {
  http::Request r = basic_request();
  expect(r, errors::kMissingAuthenticationToken, "Missing Authentication Token");
  r.headers.push_back({"X-Amz-Date", "20261126T160108Z"});
  expect(r, errors::kMissingAuthenticationToken, "Missing Authentication Token");
  for (const auto& c : captures()) {
    http::Request stripped = c.request;
    remove_header(stripped, "authorization");
    expect_aws_error([&] { verifier.verify(stripped, date_of(stripped)); }, errors::kMissingAuthenticationToken,
                     "Missing Authentication Token");
  }
}

TEST_F(Malformed, MissingParameters) {
  const http::Request base = signed_request();
  const std::string a = header(base, "authorization");
  const std::string cred = a.substr(0, a.find(", SignedHeaders"));
  const std::string sh = a.substr(a.find("SignedHeaders"), a.find(", Signature") - a.find("SignedHeaders"));
  const std::string sig = a.substr(a.find("Signature="));

  http::Request r = base;
  std::string v = cred + ", " + sh;
  set_header(r, "authorization", v);
  expect(r, errors::kIncompleteSignature, "Authorization header requires 'Signature' parameter. Authorization=" + v);

  v = "AWS4-HMAC-SHA256 " + sh + ", " + sig;
  set_header(r, "authorization", v);
  expect(r, errors::kIncompleteSignature, "Authorization header requires 'Credential' parameter. Authorization=" + v);

  v = cred + ", " + sig;
  set_header(r, "authorization", v);
  expect(r, errors::kIncompleteSignature,
         "Authorization header requires 'SignedHeaders' parameter. Authorization=" + v);

  v = "Bearer abc";
  set_header(r, "authorization", v);
  expect(r, errors::kIncompleteSignature,
         "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. "
         "Authorization header requires 'SignedHeaders' parameter. Authorization=Bearer abc");

  http::Request no_date = base;
  remove_header(no_date, "x-amz-date");
  expect(no_date, errors::kIncompleteSignature,
         "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=" + a);

  http::Request empty = base;
  set_header(empty, "authorization", "");
  expect(empty, errors::kIncompleteSignature,
         "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. "
         "Authorization header requires 'SignedHeaders' parameter. Authorization=");
}

TEST_F(Malformed, BadCredentialDateAndAlgorithm) {
  const http::Request base = signed_request();
  const std::string a = header(base, "authorization");

  http::Request r = base;
  set_header(r, "authorization", replace_once(a, "/connect/aws4_request", "/connect"));
  expect(r, errors::kIncompleteSignature,
         "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got "
         "'AKIDEXAMPLE/20261126/us-east-1/connect'");

  r = base;
  set_header(r, "x-amz-date", "2026-11-26T16:01:08Z");
  expect(
      r, errors::kIncompleteSignature,
      "Date must be in ISO-8601 'basic format'. Got '2026-11-26T16:01:08Z'. See http://en.wikipedia.org/wiki/ISO_8601");

  r = base;
  set_header(r, "authorization", replace_once(a, "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512"));
  expect(r, errors::kIncompleteSignature,
         "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.");
}

TEST_F(Malformed, HostMustBeSigned) {
  http::Request r = basic_request();
  sign(r, "AKIDEXAMPLE", kSecret, "20261126T160108Z", "us-east-1", "x-amz-date");
  expect(r, errors::kInvalidSignature, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
}

TEST_F(Malformed, BothAuthForms) {
  http::Request r = signed_request();
  r.target += "?X-Amz-Algorithm=AWS4-HMAC-SHA256";
  expect_aws_error([&] { verifier.verify(r, date_of(r)); }, errors::kIncompleteSignature);
}

TEST(VerifierPayload, UnsignedPayloadAccepted) {
  const Verifier verifier(creds(), Mode::Verify);
  http::Request r = basic_request();
  r.method = "POST";
  r.body = R"({"a":1})";
  r.headers.push_back({"x-amz-content-sha256", "UNSIGNED-PAYLOAD"});
  sign(r, "AKIDEXAMPLE", kSecret, "20261126T160108Z", "us-east-1", "host;x-amz-content-sha256;x-amz-date");
  EXPECT_NO_THROW(verifier.verify(r, date_of(r)));
  r.body = R"({"a":2})";  // not covered by the signature, by the client's choice
  EXPECT_NO_THROW(verifier.verify(r, date_of(r)));
}

TEST(VerifierPath, BotocoreNormalisedPathAccepted) {
  // botocore signs normalize_url_path(path) but sends the path as is.
  const Verifier verifier(creds(), Mode::Verify);
  http::Request r = basic_request();
  r.target = "/instance/./x/../aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
  const std::string sent = r.target;
  r.target = "/instance/aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
  sign(r, "AKIDEXAMPLE", kSecret, "20261126T160108Z", "us-east-1", "host;x-amz-date");
  r.target = sent;
  EXPECT_NO_THROW(verifier.verify(r, date_of(r)));
}

TEST(VerifierIdentity, AccountAndRegionFromCredentialAndScope) {
  Credentials c;
  c.add({"AKIDONE", "s1", "111111111111", "", std::nullopt});
  c.add({"AKIDTWO", "s2", "222222222222", "", std::nullopt});
  const Verifier verifier(std::move(c), Mode::Verify);
  http::Request r = basic_request();
  sign(r, "AKIDTWO", "s2", "20261126T160108Z", "eu-central-1", "host;x-amz-date");
  const Identity id = verifier.verify(r, date_of(r));
  EXPECT_EQ(id.account_id, "222222222222");
  EXPECT_EQ(id.region, "eu-central-1");
  EXPECT_EQ(id.access_key_id, "AKIDTWO");
  ASSERT_NE(id.credential, nullptr);
  EXPECT_EQ(id.credential->secret_access_key, "s2");
  // Signed with another credential's secret: mismatch.
  sign(r, "AKIDTWO", "s1", "20261126T160108Z", "eu-central-1", "host;x-amz-date");
  expect_aws_error([&] { verifier.verify(r, date_of(r)); }, errors::kInvalidSignature, kMismatch);
}

TEST(VerifierDefaults, TestTestCredential) {
  const Verifier verifier(Credentials::defaults(), Mode::Verify);
  http::Request r = basic_request();
  sign(r, "test", "test", "20261126T160108Z", "us-west-2", "host;x-amz-date");
  const Identity id = verifier.verify(r, date_of(r));
  EXPECT_EQ(id.account_id, "000000000000");
  EXPECT_EQ(id.region, "us-west-2");
}

TEST(VerifierOff, NoSignatureCheck) {
  const Verifier verifier(creds(), Mode::Off);
  http::Request r = basic_request();
  Identity id = verifier.verify(r, 0);
  EXPECT_EQ(id.account_id, "000000000000");
  EXPECT_EQ(id.region, "us-east-1");
  EXPECT_EQ(id.credential, nullptr);

  set_header(r, "Authorization",
             "AWS4-HMAC-SHA256 Credential=123456789012/20261126/eu-west-2/connect/aws4_request, SignedHeaders=host, "
             "Signature=bogus");
  id = verifier.verify(r, 0);
  EXPECT_EQ(id.account_id, "123456789012");
  EXPECT_EQ(id.region, "eu-west-2");
  EXPECT_EQ(id.access_key_id, "123456789012");

  set_header(r, "Authorization",
             "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/ap-southeast-1/connect/aws4_request");
  id = verifier.verify(r, 0);
  EXPECT_EQ(id.account_id, "000000000000");
  EXPECT_EQ(id.region, "ap-southeast-1");
  // Signatures are not checked, but resources never land in a region where Amazon Connect does not run.
  set_header(r, "Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/zz-evil-9/connect/aws4_request");
  expect_aws_error([&] { verifier.verify(r, 0); }, errors::kInvalidSignature,
                   "Credential should be scoped to a valid region, not 'zz-evil-9'. ");

  set_header(r, "Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/NOT_A_REGION/connect/aws4_request");
  EXPECT_EQ(verifier.verify(r, 0).region, "us-east-1");
  set_header(r, "Authorization", "garbage");
  EXPECT_EQ(verifier.verify(r, 0).region, "us-east-1");

  http::Request presigned = basic_request();
  presigned.target +=
      "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=210987654321%2F20261126%2Fca-central-1%2Fconnect%2Faws4_"
      "request";
  id = verifier.verify(presigned, 0);
  EXPECT_EQ(id.account_id, "210987654321");
  EXPECT_EQ(id.region, "ca-central-1");

  // Every capture passes with any clock.
  for (const auto& c : captures()) EXPECT_NO_THROW(verifier.verify(c.request, 0));
}

TEST(VerifierConcurrency, ManyThreadsOneVerifier) {
  const Verifier verifier(creds(), Mode::Verify);
  std::atomic<int> ok{0}, bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (size_t i = 0; i < 400; ++i) {
        const auto& c = captures()[(i * 7 + static_cast<size_t>(t)) % captures().size()];
        try {
          verifier.verify(c.request, date_of(c.request));
          ++ok;
        } catch (...) {
          ++bad;
        }
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 1600);
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace cl::auth
