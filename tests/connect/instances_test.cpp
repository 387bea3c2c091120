#include "service_fixture.hpp"

namespace cl::connect::testing {
namespace {

using InstancesTest = ServiceTest;

TEST_F(InstancesTest, CreatedInstanceIsInProgressThenActive) {
  Value created = create_instance("shop");
  const std::string id = created.string_or("Id", "");
  EXPECT_TRUE(is_lower_uuid(id));
  EXPECT_EQ(created.string_or("Arn", ""), "arn:aws:connect:us-east-1:111111111111:instance/" + id);
  auto status = [&] {
    return call("DescribeInstance", obj({{"InstanceId", id}})).find("Instance")->string_or("InstanceStatus", "");
  };
  EXPECT_EQ(status(), "CREATION_IN_PROGRESS");
  clock.advance_ms(2000);
  EXPECT_EQ(status(), "ACTIVE");
  Value inst = *call("DescribeInstance", obj({{"InstanceId", created.string_or("Arn", "")}})).find("Instance");
  EXPECT_EQ(inst.string_or("InstanceAccessUrl", ""), "https://shop.my.connect.aws/");
  EXPECT_EQ(
      inst.string_or("ServiceRole", "")
          .rfind(
              "arn:aws:iam::111111111111:role/aws-service-role/connect.amazonaws.com/AWSServiceRoleForAmazonConnect_",
              0),
      0u);
}

TEST_F(InstancesTest, AliasIsUniqueInTheRegionOnly) {
  create_instance("shop");
  EXPECT_EQ(error_of("CreateInstance", obj({{"IdentityManagementType", "SAML"},
                                            {"InstanceAlias", "SHOP"},
                                            {"InboundCallsEnabled", true},
                                            {"OutboundCallsEnabled", true}})),
            "ResourceConflictException");
  EXPECT_NO_THROW(create_instance("shop", "111111111111", "us-west-2"));
}

TEST_F(InstancesTest, InstanceQuotaIsPerAccountAndRegion) {
  create_instance("a1");
  create_instance("a2");
  EXPECT_EQ(error_of("CreateInstance", obj({{"IdentityManagementType", "CONNECT_MANAGED"},
                                            {"InstanceAlias", "a3"},
                                            {"InboundCallsEnabled", true},
                                            {"OutboundCallsEnabled", true}})),
            "ServiceQuotaExceededException");
  EXPECT_NO_THROW(create_instance("b1", "222222222222"));
  service.set_quotas({"111111111111", "us-east-1"}, obj({{"instances", int64_t{3}}}));
  EXPECT_NO_THROW(create_instance("a3"));
}

TEST_F(InstancesTest, ClientTokenReplaysAndRejectsDifferentParameters) {
  Value in = obj({{"IdentityManagementType", "CONNECT_MANAGED"},
                  {"InstanceAlias", "tok"},
                  {"InboundCallsEnabled", true},
                  {"OutboundCallsEnabled", true},
                  {"ClientToken", "t-1"}});
  Value first = call("CreateInstance", in);
  Value again = call("CreateInstance", in);
  EXPECT_EQ(first, again);
  Value changed = in;
  changed.set("OutboundCallsEnabled", false);
  EXPECT_EQ(error_of("CreateInstance", changed), "IdempotencyException");
  // The same token in another account is another request.
  EXPECT_NE(call("CreateInstance",
                 obj({{"IdentityManagementType", "CONNECT_MANAGED"},
                      {"InstanceAlias", "tok2"},
                      {"InboundCallsEnabled", true},
                      {"OutboundCallsEnabled", true},
                      {"ClientToken", "t-1"}}),
                 "333333333333")
                .string_or("Id", ""),
            first.string_or("Id", ""));
}

TEST_F(InstancesTest, ListPaginatesWithBoundTokens) {
  service.set_quotas({"111111111111", "us-east-1"}, obj({{"instances", int64_t{5}}}));
  for (int i = 0; i < 5; ++i) create_instance("p" + std::to_string(i));
  std::vector<std::string> seen;
  Value in = obj({{"MaxResults", int64_t{2}}});
  std::string previous;
  for (int page = 0; page < 10; ++page) {
    Value out = call("ListInstances", in);
    for (const auto& s : out.find("InstanceSummaryList")->as_list()) seen.push_back(s.string_or("Id", ""));
    auto next = out.opt_string("NextToken");
    if (!next) break;
    EXPECT_NE(*next, previous);
    previous = *next;
    in.set("NextToken", *next);
  }
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  // A token from another account, or altered, does not verify.
  Value first = call("ListInstances", obj({{"MaxResults", int64_t{1}}}));
  std::string token = first.string_or("NextToken", "");
  ASSERT_FALSE(token.empty());
  // ListInstances models only InvalidRequestException among the 400s.
  EXPECT_EQ(error_of("ListInstances", obj({{"NextToken", token}}), "222222222222"), "InvalidRequestException");
  token[token.size() / 2] = token[token.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_EQ(error_of("ListInstances", obj({{"NextToken", token}})), "InvalidRequestException");
}

TEST_F(InstancesTest, OtherAccountsAndRegionsSeeNothing) {
  Value created = create_instance("mine");
  const std::string id = created.string_or("Id", ""), arn = created.string_or("Arn", "");
  EXPECT_EQ(error_of("DescribeInstance", obj({{"InstanceId", id}}), "222222222222"), "ResourceNotFoundException");
  EXPECT_EQ(error_of("DescribeInstance", obj({{"InstanceId", arn}}), "222222222222"), "ResourceNotFoundException");
  EXPECT_EQ(error_of("DescribeInstance", obj({{"InstanceId", id}}), "111111111111", "eu-west-2"),
            "ResourceNotFoundException");
  EXPECT_EQ(call("ListInstances", Value::map(), "222222222222").find("InstanceSummaryList")->as_list().size(), 0u);
}

TEST_F(InstancesTest, DeleteRemovesTheInstanceAndItsTags) {
  Value created = create_instance("gone");
  const std::string id = created.string_or("Id", ""), arn = created.string_or("Arn", "");
  call("TagResource", obj({{"resourceArn", arn}, {"tags", obj({{"k", "v"}})}}));
  call("DeleteInstance", obj({{"InstanceId", arn}}));
  EXPECT_EQ(error_of("DescribeInstance", obj({{"InstanceId", id}})), "ResourceNotFoundException");
  EXPECT_EQ(error_of("DeleteInstance", obj({{"InstanceId", id}})), "ResourceNotFoundException");
  EXPECT_EQ(error_of("ListTagsForResource", obj({{"resourceArn", arn}})), "ResourceNotFoundException");
  EXPECT_NO_THROW(create_instance("gone"));  // the alias is free again
}

TEST_F(InstancesTest, TagsMergeAreListedAndLimitedTo50) {
  const std::string arn = create_instance("tagged").string_or("Arn", "");
  call("TagResource", obj({{"resourceArn", arn}, {"tags", obj({{"a", "1"}, {"b", "2"}})}}));
  call("TagResource", obj({{"resourceArn", arn}, {"tags", obj({{"b", "3"}})}}));
  call("UntagResource", obj({{"resourceArn", arn}, {"tagKeys", Value(Value::List{Value("a")})}}));
  EXPECT_EQ(*call("ListTagsForResource", obj({{"resourceArn", arn}})).find("tags"), obj({{"b", "3"}}));
  Value many = Value::map();
  for (int i = 0; i < 50; ++i) many.set("k" + std::to_string(i), "v");
  EXPECT_EQ(error_of("TagResource", obj({{"resourceArn", arn}, {"tags", many}})), "InvalidParameterException");
  EXPECT_EQ(call("ListTagsForResource", obj({{"resourceArn", arn}})).find("tags")->as_map().size(), 1u);
  Value describe = call("DescribeInstance", obj({{"InstanceId", arn}}));
  EXPECT_EQ(*describe.find("Instance")->find("Tags"), obj({{"b", "3"}}));
}

TEST_F(InstancesTest, TagOperationsRejectForeignAndLegacyArns) {
  const std::string id = create_instance("t").string_or("Id", "");
  EXPECT_EQ(
      error_of("ListTagsForResource", obj({{"resourceArn", "arn:aws:connect:us-east-1:222222222222:instance/" + id}})),
      "ResourceNotFoundException");
  EXPECT_EQ(
      error_of("ListTagsForResource",
               obj({{"resourceArn", "arn:aws:connect:us-east-1:111111111111:instance/" + id + "/phone-number/x"}})),
      "ResourceNotFoundException");
  EXPECT_EQ(error_of("ListTagsForResource", obj({{"resourceArn", "not-an-arn"}})), "ResourceNotFoundException");
}

TEST_F(InstancesTest, OnlyTheStrictArnOfTheCallersInstanceIsAccepted) {
  const std::string id = create_instance("strict").string_or("Id", "");
  const std::string rest = ":instance/" + id;
  // Every near miss of arn:aws:connect:us-east-1:111111111111:instance/<id> is not found, and
  // DeleteInstance through any of them deletes nothing.
  for (const std::string& bad :
       {"arn:aws-cn:connect:us-east-1:111111111111" + rest, "arn:aws-us-gov:connect:us-east-1:111111111111" + rest,
        "arn::connect:us-east-1:111111111111" + rest, "arn:aws:sms-voice:us-east-1:111111111111" + rest,
        "arn:aws:connect:us-west-2:111111111111" + rest, "arn:aws:connect:zz-evil-9:111111111111" + rest,
        "arn:aws:connect:us-east-1:222222222222" + rest,
        "arn:aws:connect:us-east-1:111111111111" + rest + "/contact-flow/" + id,
        "arn:aws:connect:us-east-1:111111111111:instance/" + id + "/",
        "arn:aws:connect:us-east-1:111111111111:phone-number/" + id, id + "/", " " + id}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(error_of("DescribeInstance", obj({{"InstanceId", bad}})), "ResourceNotFoundException");
    EXPECT_EQ(error_of("DeleteInstance", obj({{"InstanceId", bad}})), "ResourceNotFoundException");
    EXPECT_EQ(error_of("ListTagsForResource", obj({{"resourceArn", bad}})), "ResourceNotFoundException");
  }
  EXPECT_EQ(error_of("DescribeInstance", obj({{"InstanceId", "arn:aws:connect:us-east-1:111111111111" + rest}})), "");
  EXPECT_EQ(error_of("DescribeInstance", obj({{"InstanceId", id}})), "");
}

}  // namespace
}  // namespace cl::connect::testing
