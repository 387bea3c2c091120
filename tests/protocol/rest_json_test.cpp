#include <gtest/gtest.h>

#include "common/aws_error.hpp"
#include "common/value_json.hpp"
#include "protocol/model.hpp"
#include "protocol/rest_json.hpp"
#include "protocol/router.hpp"

namespace cl::protocol {
namespace {

struct Parsed {
  Value input;
  AwsError error;
};

Parsed run(const std::string& method, const std::string& target, const std::string& body = "") {
  Router r(Model::embedded());
  http::Request req;
  req.method = method;
  req.target = target;
  req.body = body;
  Parsed p;
  try {
    auto m = r.route(method, req.raw_path());
    p.input = parse_input(m, req);
    validate_input(*m.operation, p.input);
  } catch (const AwsException& e) {
    p.error = e.error();
  }
  return p;
}

TEST(RestJson, ParsesBodyMembersAndIgnoresUnknownOnes) {
  auto p = run(
      "POST", "/phone-number/claim",
      R"({"PhoneNumber":"+12065550100","InstanceId":"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee","Tags":{"a":"b"},"Extra":1})");
  ASSERT_EQ(p.error.code, "");
  EXPECT_EQ(p.input.string_or("PhoneNumber", ""), "+12065550100");
  EXPECT_EQ(p.input.find("Tags")->find("a")->as_string(), "b");
  EXPECT_FALSE(p.input.has("Extra"));
}

TEST(RestJson, PatternViolationNamesTheMember) {
  auto p = run("POST", "/phone-number/claim",
               R"({"PhoneNumber":"abc","InstanceId":"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"})");
  EXPECT_EQ(p.error.code, "InvalidParameterException");
  EXPECT_EQ(p.error.message,
            "1 validation error detected: Value 'abc' at 'phoneNumber' failed to satisfy constraint: Member must "
            "satisfy regular expression pattern: \\+[1-9]\\d{1,14}$");
}

TEST(RestJson, MissingRequiredMemberAndOperationWithoutInvalidParameter) {
  auto p = run("PUT", "/instance", R"({"InboundCallsEnabled":true,"OutboundCallsEnabled":true})");
  EXPECT_EQ(p.error.code, "InvalidRequestException");  // CreateInstance models no InvalidParameterException
  EXPECT_NE(p.error.message.find(
                "Value null at 'identityManagementType' failed to satisfy constraint: Member must not be null"),
            std::string::npos)
      << p.error.message;
}

TEST(RestJson, SeveralErrorsAreCounted) {
  auto p = run(
      "PUT", "/instance",
      R"({"IdentityManagementType":"NOPE","InboundCallsEnabled":true,"OutboundCallsEnabled":true,"InstanceAlias":"-bad-"})");
  EXPECT_EQ(p.error.message.rfind("2 validation errors detected: ", 0), 0u) << p.error.message;
  EXPECT_NE(p.error.message.find("Member must satisfy enum value set"), std::string::npos);
}

TEST(RestJson, WrongJsonTypesAndMalformedBodiesAreSerializationErrors) {
  EXPECT_EQ(run("PUT", "/instance",
                R"({"IdentityManagementType":"SAML","InboundCallsEnabled":"yes","OutboundCallsEnabled":true})")
                .error.code,
            "SerializationException");
  EXPECT_EQ(run("PUT", "/instance", "{not json").error.code, "SerializationException");
  EXPECT_EQ(run("PUT", "/instance", "[1,2]").error.code, "SerializationException");
  EXPECT_EQ(run("PUT", "/instance", "{} trailing").error.code, "SerializationException");
  EXPECT_EQ(run("PUT", "/instance", std::string("{\"InstanceAlias\":\"\xff\"}")).error.code, "SerializationException");
}

TEST(RestJson, DeeplyNestedBodiesAreRefusedWithoutRecursion) {
  EXPECT_EQ(run("POST", "/phone-number/list", std::string(1000000, '[')).error.code, "SerializationException");
  std::string objects;
  for (int i = 0; i < 200000; ++i) objects += "{\"Tags\":";
  EXPECT_EQ(run("POST", "/phone-number/claim", objects).error.code, "SerializationException");
  Value v;
  std::string deep = std::string(100, '[') + std::string(100, ']');
  EXPECT_FALSE(from_json(deep, v));
  EXPECT_TRUE(from_json(std::string(10, '[') + std::string(10, ']'), v));
}

TEST(RestJson, NestingIsBoundedWhileParsingNotAfter) {
  // A complete, well-formed 1 MiB document nested 500k deep is refused at its 65th bracket, with
  // the reason, before any DOM of it is built.
  const size_t depth = 500000;
  auto p = run("POST", "/phone-number/claim", R"({"Tags":)" + std::string(depth, '[') + std::string(depth, ']') + "}");
  EXPECT_EQ(p.error.code, "SerializationException");
  EXPECT_NE(p.error.message.find("nested more than 64 levels deep"), std::string::npos) << p.error.message;
  Value v;
  EXPECT_TRUE(from_json(std::string(64, '[') + std::string(64, ']'), v));
  std::string error;
  EXPECT_FALSE(from_json(std::string(65, '[') + std::string(65, ']'), v, &error));
  EXPECT_EQ(error, "nested more than 64 levels deep");
}

TEST(RestJson, EchoedValuesAreCutShortAndErrorsAreValidUtf8) {
  auto p =
      run("POST", "/phone-number/claim",
          R"({"PhoneNumber":")" + std::string(5000, '9') + R"(","InstanceId":"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"})");
  EXPECT_EQ(p.error.code, "InvalidParameterException");
  EXPECT_LT(p.error.message.size(), 1000u);
  auto r = error_response(Model::embedded(),
                          AwsError{"ResourceNotFoundException", "Phone number not found: \xff\xfe", {}, 0});
  Value body;
  ASSERT_TRUE(from_json(r.body, body)) << r.body;
  EXPECT_EQ(body.string_or("Message", ""), "Phone number not found: \xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(RestJson, QueryListsRepeatTheKeyAndIntegersAreChecked) {
  auto p =
      run("DELETE",
          "/tags/arn%3Aaws%3Aconnect%3Aus-east-1%3A123456789012%3Ainstance%2Fx?tagKeys=b&tagKeys=a%20b&tagKeys=k%3Ac");
  ASSERT_EQ(p.error.code, "");
  const auto& keys = p.input.find("tagKeys")->as_list();
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(keys[1].as_string(), "a b");
  EXPECT_EQ(keys[2].as_string(), "k:c");
  EXPECT_EQ(run("GET", "/instance?maxResults=abc").error.code, "SerializationException");
  auto big = run("GET", "/instance?maxResults=11");
  EXPECT_EQ(big.error.code, "InvalidRequestException");
  EXPECT_NE(big.error.message.find("Member must have value less than or equal to 10"), std::string::npos);
}

TEST(RestJson, TagKeysWithAwsPrefixAreRefused) {
  auto p =
      run("POST", "/tags/arn%3Aaws%3Aconnect%3Aus-east-1%3A123456789012%3Ainstance%2Fx", R"({"tags":{"aws:x":"1"}})");
  EXPECT_EQ(p.error.code, "InvalidParameterException");
  EXPECT_NE(p.error.message.find("Map keys must satisfy constraint"), std::string::npos) << p.error.message;
}

TEST(RestJson, OutputKeepsDeclaredMembersOnlyAndTimestampsAsEpochSeconds) {
  const Model& m = Model::embedded();
  Value inst = Value::map();
  inst.set("Id", "i");
  inst.set("CreatedTime", 1700000000.5);
  inst.set("NotInShape", "x");
  Value out = Value::map();
  out.set("Instance", inst);
  std::string json = serialize_output(m.operation("DescribeInstance")->output, out);
  EXPECT_EQ(json, R"({"Instance":{"CreatedTime":1700000000.5,"Id":"i"}})");
  EXPECT_EQ(serialize_output(nullptr, Value()), "{}");
}

TEST(RestJson, ErrorResponseUsesTheModelStatusAndExtraMembers) {
  const Model& m = Model::embedded();
  Value fields = Value::map();
  fields.set("ResourceType", "PHONE_NUMBER");
  auto r = error_response(m, AwsError{"ResourceInUseException", "busy", fields, 0});
  EXPECT_EQ(r.status, 409u);
  Value body;
  ASSERT_TRUE(from_json(r.body, body));
  EXPECT_EQ(body.string_or("Message", ""), "busy");
  EXPECT_EQ(body.string_or("ResourceType", ""), "PHONE_NUMBER");
  EXPECT_EQ(error_response(m, AwsError{"ServiceQuotaExceededException", "q", {}, 0}).status, 402u);
  EXPECT_EQ(error_response(m, AwsError{"InvalidSignatureException", "s", {}, 0}).status, 403u);
}

}  // namespace
}  // namespace cl::protocol
