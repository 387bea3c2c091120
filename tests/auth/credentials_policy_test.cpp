// Credentials file parsing and IAM-style policy evaluation.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "auth/credentials.hpp"
#include "auth/policy.hpp"

namespace cl::auth {
namespace {

std::string write_temp(const std::string& name, const std::string& content) {
  const std::string path = ::testing::TempDir() + "/cl_auth_" + name + ".json";
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

// Expects `f` to throw std::runtime_error whose message contains `needle`.
template <typename F>
void expect_error_containing(F&& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no exception; expected one mentioning: " << needle;
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(Credentials, Defaults) {
  const Credentials c = Credentials::defaults();
  EXPECT_EQ(c.size(), 1u);
  const Credential* t = c.find("test");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->secret_access_key, "test");
  EXPECT_EQ(t->account_id, "000000000000");
  EXPECT_TRUE(t->session_token.empty());
  EXPECT_FALSE(t->policy.has_value());
  EXPECT_EQ(c.find("TEST"), nullptr);
  EXPECT_EQ(c.find(""), nullptr);
}

TEST(Credentials, LoadFile) {
  const std::string path = write_temp("good", R"({"credentials": [
    {"access_key_id": "AKIDEXAMPLE", "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
     "account_id": "123456789012", "description": "team A"},
    {"access_key_id": "ASIATEMPEXAMPLE", "secret_access_key": "s2", "account_id": "210987654321",
     "session_token": "FQoGZXIvYXdzEXAMPLESESSIONTOKEN//+=",
     "policy": {"Version": "2012-10-17", "Statement": [
       {"Effect": "Allow", "Action": "connect:Describe*", "Resource": "*"}]}},
    {"access_key_id": "AKIDSTRINGPOLICY", "secret_access_key": "s3", "account_id": "000000000001",
     "policy": "{\"Statement\":{\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\"}}"}
  ]})");
  const Credentials c = Credentials::load_file(path);
  EXPECT_EQ(c.size(), 3u);
  const Credential* a = c.find("AKIDEXAMPLE");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->account_id, "123456789012");
  EXPECT_FALSE(a->policy.has_value());
  const Credential* b = c.find("ASIATEMPEXAMPLE");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->session_token, "FQoGZXIvYXdzEXAMPLESESSIONTOKEN//+=");
  ASSERT_TRUE(b->policy.has_value());
  EXPECT_TRUE(
      b->policy->allows("connect:DescribePhoneNumber", "arn:aws:connect:us-east-1:210987654321:phone-number/x"));
  EXPECT_FALSE(b->policy->allows("connect:ClaimPhoneNumber", "arn:aws:connect:us-east-1:210987654321:phone-number/x"));
  const Credential* s = c.find("AKIDSTRINGPOLICY");
  ASSERT_NE(s, nullptr);
  ASSERT_TRUE(s->policy.has_value());
  EXPECT_FALSE(s->policy->allows("connect:ListInstances", "*"));
  EXPECT_EQ(c.find("NOPE"), nullptr);
}

TEST(Credentials, PointersSurviveMoves) {
  Credentials c;
  for (int i = 0; i < 100; ++i) c.add({"AK" + std::to_string(i), "s", "123456789012", "", std::nullopt});
  const Credential* p = c.find("AK42");
  Credentials moved = std::move(c);
  EXPECT_EQ(moved.find("AK42"), p);
}

TEST(Credentials, Errors) {
  auto load = [](const std::string& name, const std::string& json) {
    return [=] { Credentials::load_file(write_temp(name, json)); };
  };
  expect_error_containing([] { Credentials::load_file("/nonexistent/creds.json"); },
                          "credentials file '/nonexistent/creds.json': cannot be opened");
  expect_error_containing(load("badjson", "{\"credentials\": ["), "invalid JSON at offset");
  expect_error_containing(load("notobj", "[]"), "expected a JSON object");
  expect_error_containing(load("nolist", "{\"creds\": []}"), "expected a JSON object {\"credentials\": [...]}");
  expect_error_containing(load("empty", "{\"credentials\": []}"), "the credentials list is empty");
  expect_error_containing(
      load("extra_top",
           R"({"credentials": [{"access_key_id":"A","secret_access_key":"s","account_id":"123456789012"}], "x": 1})"),
      "unknown top-level member 'x'");
  expect_error_containing(load("noak", R"({"credentials": [{"secret_access_key":"s","account_id":"123456789012"}]})"),
                          "credentials[0].access_key_id is required");
  expect_error_containing(
      load("emptyak", R"({"credentials": [{"access_key_id":"","secret_access_key":"s","account_id":"123456789012"}]})"),
      "credentials[0]: access_key_id must not be empty");
  expect_error_containing(load("nosecret", R"({"credentials": [{"access_key_id":"A","account_id":"123456789012"}]})"),
                          "credentials[0].secret_access_key is required");
  expect_error_containing(
      load("emptysecret",
           R"({"credentials": [{"access_key_id":"A","secret_access_key":"","account_id":"123456789012"}]})"),
      "secret_access_key of 'A' must not be empty");
  expect_error_containing(
      load("short", R"({"credentials": [{"access_key_id":"A","secret_access_key":"s","account_id":"12345678901"}]})"),
      "account_id of 'A' must be exactly 12 digits, got '12345678901'");
  expect_error_containing(
      load("alpha", R"({"credentials": [{"access_key_id":"A","secret_access_key":"s","account_id":"12345678901x"}]})"),
      "must be exactly 12 digits");
  expect_error_containing(
      load("numeric", R"({"credentials": [{"access_key_id":"A","secret_access_key":"s","account_id":123456789012}]})"),
      "credentials[0].account_id must be a string");
  expect_error_containing(load("dup", R"({"credentials": [
      {"access_key_id":"A","secret_access_key":"s","account_id":"123456789012"},
      {"access_key_id":"A","secret_access_key":"t","account_id":"210987654321"}]})"),
                          "credentials[1]: duplicate access_key_id 'A'");
  expect_error_containing(
      load(
          "typo",
          R"({"credentials": [{"access_key_id":"A","secret_access_key":"s","account_id":"123456789012","polcy":{}}]})"),
      "credentials[0].polcy is not a known member");
  expect_error_containing(
      load(
          "badpolicy",
          R"({"credentials": [{"access_key_id":"A","secret_access_key":"s","account_id":"123456789012","policy":{"Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}}]})"),
      "credentials[0].policy: Statement[0].Effect must be \"Allow\" or \"Deny\"");
  expect_error_containing(
      load(
          "policytype",
          R"({"credentials": [{"access_key_id":"A","secret_access_key":"s","account_id":"123456789012","policy":5}]})"),
      "credentials[0].policy must be a policy document");
  // The origin names the file.
  expect_error_containing(load("origin", "{"), "credentials file '");
}

TEST(Credentials, AddValidates) {
  Credentials c;
  expect_error_containing(
      [&] {
        c.add({"", "s", "123456789012", "", std::nullopt});
      },
      "access_key_id must not be empty");
  c.add({"A", "s", "123456789012", "", std::nullopt});
  expect_error_containing([&] { c.add({"A", "s", "123456789012", "", std::nullopt}); }, "duplicate access_key_id 'A'");
  EXPECT_EQ(c.size(), 1u);
  EXPECT_TRUE(valid_account_id("000000000000"));
  EXPECT_FALSE(valid_account_id("0000000000000"));
  EXPECT_FALSE(valid_account_id("00000000000a"));
}

constexpr const char* kPn = "arn:aws:connect:us-east-1:123456789012:phone-number/11111111-2222-4333-8444-555555555555";
constexpr const char* kInst = "arn:aws:connect:us-east-1:123456789012:instance/aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";

TEST(Policy, AllowNeedsAMatch) {
  const Policy p = Policy::parse(R"({"Version":"2012-10-17","Statement":[
      {"Effect":"Allow","Action":"connect:ClaimPhoneNumber","Resource":"arn:aws:connect:*:123456789012:phone-number/*"}]})");
  EXPECT_TRUE(p.allows("connect:ClaimPhoneNumber", kPn));
  EXPECT_FALSE(p.allows("connect:ReleasePhoneNumber", kPn));  // action not listed
  EXPECT_FALSE(p.allows("connect:ClaimPhoneNumber", kInst));  // resource not matched
  EXPECT_FALSE(p.allows("connect:ClaimPhoneNumber",
                        "arn:aws:connect:us-east-1:999999999999:phone-number/x"));  // another account
}

TEST(Policy, ExplicitDenyWins) {
  const Policy p = Policy::parse(R"({"Statement":[
      {"Effect":"Allow","Action":"connect:*","Resource":"*"},
      {"Effect":"Deny","Action":["connect:Release*","connect:DeleteInstance"],"Resource":"*"}]})");
  EXPECT_TRUE(p.allows("connect:ClaimPhoneNumber", kPn));
  EXPECT_FALSE(p.allows("connect:ReleasePhoneNumber", kPn));
  EXPECT_FALSE(p.allows("connect:DeleteInstance", kInst));
  // Order does not matter.
  const Policy q = Policy::parse(R"({"Statement":[
      {"Effect":"Deny","Action":"connect:ReleasePhoneNumber","Resource":"*"},
      {"Effect":"Allow","Action":"*","Resource":"*"}]})");
  EXPECT_FALSE(q.allows("connect:ReleasePhoneNumber", kPn));
  EXPECT_TRUE(q.allows("connect:DescribePhoneNumber", kPn));
}

TEST(Policy, WildcardsListsAndCase) {
  const Policy p = Policy::parse(R"({"Statement":{"Effect":"Allow",
      "Action":["connect:Describe*","connect:List?honeNumbers*"],
      "Resource":["arn:aws:connect:us-east-1:123456789012:phone-number/*","arn:aws:connect:*:*:instance/????????-*"]}})");
  EXPECT_TRUE(p.allows("connect:DescribePhoneNumber", kPn));
  EXPECT_TRUE(p.allows("connect:describephonenumber", kPn));  // actions are case-insensitive
  EXPECT_TRUE(p.allows("CONNECT:DESCRIBEINSTANCE", kInst));
  EXPECT_TRUE(p.allows("connect:ListPhoneNumbersV2", kPn));
  EXPECT_TRUE(p.allows("connect:ListPhoneNumbers", kPn));
  EXPECT_FALSE(p.allows("connect:ListInstances", kPn));
  // Resources are case-sensitive.
  EXPECT_FALSE(p.allows("connect:DescribePhoneNumber",
                        "arn:aws:connect:us-east-1:123456789012:PHONE-NUMBER/11111111-2222-4333-8444-555555555555"));
  EXPECT_FALSE(p.allows("connect:DescribeInstance", "arn:aws:connect:us-east-1:123456789012:instance/short"));
}

TEST(Policy, EmptyStatementListDeniesEverything) {
  const Policy p = Policy::parse(R"({"Version":"2012-10-17","Statement":[]})");
  EXPECT_FALSE(p.allows("connect:ListInstances", "*"));
}

TEST(Policy, Malformed) {
  expect_error_containing([] { Policy::parse("not json"); }, "policy: invalid JSON");
  expect_error_containing([] { Policy::parse("[]"); }, "must be a JSON object");
  expect_error_containing([] { Policy::parse("{}"); }, "Statement is required");
  expect_error_containing([] { Policy::parse(R"({"Version":"2020-01-01","Statement":[]})"); }, "Version must be");
  expect_error_containing([] { Policy::parse(R"({"Statement":[{"Effect":"allow","Action":"*","Resource":"*"}]})"); },
                          "Statement[0].Effect must be \"Allow\" or \"Deny\", got \"allow\"");
  expect_error_containing([] { Policy::parse(R"({"Statement":[{"Action":"*","Resource":"*"}]})"); }, "requires Effect");
  expect_error_containing([] { Policy::parse(R"({"Statement":[{"Effect":"Allow","Resource":"*"}]})"); },
                          "requires Action");
  expect_error_containing([] { Policy::parse(R"({"Statement":[{"Effect":"Allow","Action":"*"}]})"); },
                          "requires Resource");
  expect_error_containing([] { Policy::parse(R"({"Statement":[{"Effect":"Allow","Action":5,"Resource":"*"}]})"); },
                          "Statement[0].Action must be a string or a list of strings");
  expect_error_containing([] { Policy::parse(R"({"Statement":[{"Effect":"Allow","Action":[],"Resource":"*"}]})"); },
                          "Statement[0].Action must not be empty");
  expect_error_containing(
      [] { Policy::parse(R"({"Statement":[{"Effect":"Allow","Action":"ClaimPhoneNumber","Resource":"*"}]})"); },
      "must be \"*\" or \"<service>:<action pattern>\"");
  expect_error_containing(
      [] { Policy::parse(R"({"Statement":[{"Effect":"Allow","Action":"*","Resource":"phone-number/*"}]})"); },
      "must be \"*\" or an ARN pattern");
  expect_error_containing(
      [] { Policy::parse(R"({"Statement":[{"Effect":"Deny","NotAction":"connect:List*","Resource":"*"}]})"); },
      "Statement[0].NotAction is not supported");
  expect_error_containing(
      [] { Policy::parse(R"({"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{}}]})"); },
      "Statement[0].Condition is not supported");
  expect_error_containing([] { Policy::parse(R"({"Statement":["x"]})"); }, "Statement[0] must be an object");
  expect_error_containing(
      [] { Policy::parse("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"\xff\",\"Resource\":\"*\"}]}"); },
      "invalid JSON");
}

TEST(Wildcard, Matching) {
  EXPECT_TRUE(wildcard_match("*", "", false));
  EXPECT_TRUE(wildcard_match("*", "anything", false));
  EXPECT_TRUE(wildcard_match("a*c", "abc", false));
  EXPECT_TRUE(wildcard_match("a*c", "ac", false));
  EXPECT_FALSE(wildcard_match("a*c", "ab", false));
  EXPECT_TRUE(wildcard_match("a?c", "abc", false));
  EXPECT_FALSE(wildcard_match("a?c", "ac", false));
  EXPECT_TRUE(wildcard_match("*a*b*", "xxaxxbxx", false));
  EXPECT_FALSE(wildcard_match("abc", "ABC", false));
  EXPECT_TRUE(wildcard_match("abc", "ABC", true));
  EXPECT_TRUE(wildcard_match("", "", false));
  EXPECT_FALSE(wildcard_match("", "a", false));
  EXPECT_FALSE(wildcard_match("a", "", false));
  EXPECT_TRUE(wildcard_match("a**", "a", false));
}

TEST(Wildcard, PathologicalPatternIsFast) {
  const std::string text(20000, 'a');
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(wildcard_match("*a*a*a*a*a*a*a*a*b", text, false));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

}  // namespace
}  // namespace cl::auth
