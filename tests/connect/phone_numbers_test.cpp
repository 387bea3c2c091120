#include "common/arn.hpp"
#include "service_fixture.hpp"

namespace cl::connect::testing {
namespace {

constexpr Millis kDay = 24LL * 3600 * 1000;

class PhoneNumbersTest : public ServiceTest {
 protected:
  std::string instance_id, instance_arn;
  void SetUp() override {
    ServiceTest::SetUp();
    Value created = create_instance("phones");
    instance_id = created.string_or("Id", "");
    instance_arn = created.string_or("Arn", "");
    clock.advance_ms(2000);
  }
  std::vector<std::string> search(const std::string& type = "DID", const std::string& prefix = "", int max = 10) {
    Value in = obj({{"PhoneNumberCountryCode", "US"},
                    {"PhoneNumberType", type},
                    {"InstanceId", instance_id},
                    {"MaxResults", int64_t{max}}});
    if (!prefix.empty()) in.set("PhoneNumberPrefix", prefix);
    const Value result = call("SearchAvailablePhoneNumbers", in);
    std::vector<std::string> out;
    for (const auto& n : result.find("AvailableNumbersList")->as_list()) out.push_back(n.string_or("PhoneNumber", ""));
    return out;
  }
  Value claim(const std::string& number, const std::string& target_id = "") {
    return call("ClaimPhoneNumber",
                obj({{"PhoneNumber", number}, {"InstanceId", target_id.empty() ? instance_id : target_id}}));
  }
  std::string status(const std::string& id) {
    return call("DescribePhoneNumber", obj({{"PhoneNumberId", id}}))
        .find("ClaimedPhoneNumberSummary")
        ->find("PhoneNumberStatus")
        ->string_or("Status", "");
  }
};

TEST_F(PhoneNumbersTest, SearchIsAscendingStableAndPrefixFiltered) {
  auto first = search();
  ASSERT_EQ(first.size(), 10u);
  EXPECT_TRUE(std::is_sorted(first.begin(), first.end()));
  EXPECT_EQ(first, search());
  for (const auto& n : search("DID", "+1212")) EXPECT_EQ(n.rfind("+1212", 0), 0u);
  EXPECT_TRUE(search("DID", "+44").empty());  // a prefix contradicting the country
  for (const auto& n : search("TOLL_FREE")) EXPECT_EQ(n.rfind("+1800555", 0), 0u);
  EXPECT_TRUE(search("THIRD_PARTY_DID").empty());
}

TEST_F(PhoneNumbersTest, SearchPagesNeverRepeat) {
  Value in = obj({{"PhoneNumberCountryCode", "US"},
                  {"PhoneNumberType", "DID"},
                  {"InstanceId", instance_id},
                  {"MaxResults", int64_t{3}}});
  Value p1 = call("SearchAvailablePhoneNumbers", in);
  in.set("NextToken", p1.string_or("NextToken", ""));
  Value p2 = call("SearchAvailablePhoneNumbers", in);
  EXPECT_LT(p1.find("AvailableNumbersList")->as_list().back().string_or("PhoneNumber", ""),
            p2.find("AvailableNumbersList")->as_list().front().string_or("PhoneNumber", ""));
  EXPECT_NE(p1.string_or("NextToken", ""), p2.string_or("NextToken", ""));
  in.set("PhoneNumberPrefix", "+1212");  // a token is bound to its query
  EXPECT_EQ(error_of("SearchAvailablePhoneNumbers", in), "InvalidParameterException");
}

TEST_F(PhoneNumbersTest, ClaimIsInProgressThenClaimedAndLeavesTheSearch) {
  const std::string number = search()[0];
  Value claimed = claim(number);
  const std::string id = claimed.string_or("PhoneNumberId", "");
  EXPECT_EQ(claimed.string_or("PhoneNumberArn", ""), arn::phone_number("us-east-1", "111111111111", id));
  EXPECT_EQ(status(id), "IN_PROGRESS");
  EXPECT_NE(search()[0], number);
  clock.advance_ms(2000);
  EXPECT_EQ(status(id), "CLAIMED");
  Value summary = *call("DescribePhoneNumber", obj({{"PhoneNumberId", claimed.string_or("PhoneNumberArn", "")}}))
                       .find("ClaimedPhoneNumberSummary");
  EXPECT_EQ(summary.string_or("PhoneNumber", ""), number);
  EXPECT_EQ(summary.string_or("TargetArn", ""), instance_arn);
  EXPECT_EQ(summary.string_or("InstanceId", ""), instance_id);
  EXPECT_EQ(summary.string_or("PhoneNumberCountryCode", ""), "US");
  EXPECT_EQ(summary.string_or("PhoneNumberType", ""), "DID");
}

TEST_F(PhoneNumbersTest, ANumberHasOneHolderAcrossAccounts) {
  const std::string number = search()[0];
  claim(number);
  EXPECT_EQ(error_of("ClaimPhoneNumber", obj({{"PhoneNumber", number}, {"InstanceId", instance_id}})),
            "InvalidParameterException");
  EXPECT_EQ(last_message, "Phone number not available: " + number);
  const std::string other = create_instance("other", "222222222222").string_or("Id", "");
  EXPECT_EQ(error_of("ClaimPhoneNumber", obj({{"PhoneNumber", number}, {"InstanceId", other}}), "222222222222"),
            "InvalidParameterException");
  EXPECT_EQ(error_of("ClaimPhoneNumber", obj({{"PhoneNumber", "+15550000000"}, {"InstanceId", instance_id}})),
            "InvalidParameterException");  // not in the inventory
}

TEST_F(PhoneNumbersTest, TargetRules) {
  const std::string number = search()[0];
  EXPECT_EQ(error_of("ClaimPhoneNumber", obj({{"PhoneNumber", number}})), "InvalidParameterException");
  EXPECT_EQ(last_message, "Either InstanceId or TargetArn must be provided");
  EXPECT_EQ(error_of("ClaimPhoneNumber",
                     obj({{"PhoneNumber", number}, {"InstanceId", "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"}})),
            "ResourceNotFoundException");
  EXPECT_EQ(error_of("ClaimPhoneNumber", obj({{"PhoneNumber", number},
                                              {"TargetArn", arn::instance("us-west-2", "111111111111", instance_id)}})),
            "InvalidParameterException");
  EXPECT_NE(last_message.find("not in the same Region"), std::string::npos);
  EXPECT_EQ(error_of("SearchAvailablePhoneNumbers", obj({{"PhoneNumberCountryCode", "US"},
                                                         {"PhoneNumberType", "DID"},
                                                         {"InstanceId", "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"}})),
            "InvalidParameterException");
}

TEST_F(PhoneNumbersTest, OverQuotaClaimSettlesToFailedAndVanishesAfterADay) {
  auto numbers = search("DID", "", 6);
  for (int i = 0; i < 5; ++i) claim(numbers[static_cast<size_t>(i)]);
  const std::string id = claim(numbers[5]).string_or("PhoneNumberId", "");
  clock.advance_ms(2000);
  Value status_value = *call("DescribePhoneNumber", obj({{"PhoneNumberId", id}}))
                            .find("ClaimedPhoneNumberSummary")
                            ->find("PhoneNumberStatus");
  EXPECT_EQ(status_value.string_or("Status", ""), "FAILED");
  EXPECT_EQ(status_value.string_or("Message", ""),
            "The allowed limit for claimed phone numbers has been exceeded for your instance");
  clock.advance_ms(kDay);
  EXPECT_EQ(error_of("DescribePhoneNumber", obj({{"PhoneNumberId", id}})), "ResourceNotFoundException");
  EXPECT_EQ(search("DID", numbers[5], 1), std::vector<std::string>{numbers[5]});  // back in the inventory
}

TEST_F(PhoneNumbersTest, ReleaseRulesAndCooldown) {
  const std::string number = search()[0];
  const std::string id = claim(number).string_or("PhoneNumberId", "");
  try {
    call("ReleasePhoneNumber", obj({{"PhoneNumberId", id}}));
    FAIL() << "release while in progress";
  } catch (const AwsException& e) {
    EXPECT_EQ(e.error().code, "ResourceInUseException");
    EXPECT_EQ(e.error().fields.string_or("ResourceType", ""), "PHONE_NUMBER");
    EXPECT_EQ(e.error().fields.string_or("ResourceId", ""), arn::phone_number("us-east-1", "111111111111", id));
  }
  clock.advance_ms(2000);
  call("ReleasePhoneNumber", obj({{"PhoneNumberId", id}}));
  EXPECT_EQ(error_of("DescribePhoneNumber", obj({{"PhoneNumberId", id}})), "ResourceNotFoundException");
  EXPECT_EQ(error_of("ReleasePhoneNumber", obj({{"PhoneNumberId", id}})), "ResourceNotFoundException");
  EXPECT_NE(search()[0], number);
  EXPECT_EQ(error_of("ClaimPhoneNumber", obj({{"PhoneNumber", number}, {"InstanceId", instance_id}})),
            "InvalidParameterException");
  clock.advance_ms(180 * kDay);
  EXPECT_EQ(search()[0], number);
  EXPECT_NO_THROW(claim(number));
}

TEST_F(PhoneNumbersTest, ClaimReleaseRuleBlocksAfterTwiceTheQuotaUntilTheWindowPasses) {
  service.set_quotas({"111111111111", "us-east-1"}, obj({{"cooldown_days", int64_t{0}}}));
  for (int i = 0; i < 10; ++i) {
    const std::string id = claim(search()[0]).string_or("PhoneNumberId", "");
    clock.advance_ms(2000);
    call("ReleasePhoneNumber", obj({{"PhoneNumberId", id}}));
  }
  EXPECT_EQ(error_of("ClaimPhoneNumber", obj({{"PhoneNumber", search()[0]}, {"InstanceId", instance_id}})),
            "InvalidParameterException");
  EXPECT_NE(last_message.find("claim limit"), std::string::npos) << last_message;
  clock.advance_ms(180 * kDay);
  EXPECT_NO_THROW(claim(search()[0]));
}

TEST_F(PhoneNumbersTest, ClientTokenOnClaim) {
  const std::string number = search()[0];
  Value in = obj(
      {{"PhoneNumber", number}, {"InstanceId", instance_id}, {"ClientToken", "0b7c7f7e-1234-4abc-9def-0123456789ab"}});
  Value first = call("ClaimPhoneNumber", in);
  EXPECT_EQ(call("ClaimPhoneNumber", in), first);  // a retry claims nothing twice
  in.set("PhoneNumberDescription", "changed");
  EXPECT_EQ(error_of("ClaimPhoneNumber", in), "IdempotencyException");
  in.set("ClientToken", "not-a-uuid");
  EXPECT_EQ(error_of("ClaimPhoneNumber", in), "InvalidParameterException");
}

TEST_F(PhoneNumbersTest, ListsAndUpdates) {
  auto numbers = search("DID", "", 2);
  const std::string a = claim(numbers[0]).string_or("PhoneNumberId", "");
  const std::string b = claim(numbers[1]).string_or("PhoneNumberId", "");
  auto v2 = call("ListPhoneNumbersV2", obj({{"InstanceId", instance_id}}));
  ASSERT_EQ(v2.find("ListPhoneNumbersSummaryList")->as_list().size(), 2u);  // IN_PROGRESS numbers are listed
  EXPECT_EQ(
      call("ListPhoneNumbers", obj({{"InstanceId", instance_id}})).find("PhoneNumberSummaryList")->as_list().size(),
      0u);
  clock.advance_ms(2000);
  auto v1 = call("ListPhoneNumbers", obj({{"InstanceId", instance_id}}));
  ASSERT_EQ(v1.find("PhoneNumberSummaryList")->as_list().size(), 2u);
  EXPECT_EQ(v1.find("PhoneNumberSummaryList")->as_list()[0].string_or("Arn", ""), instance_arn + "/phone-number/" + a);
  const std::string other = create_instance("second").string_or("Id", "");
  clock.advance_ms(2000);
  call("UpdatePhoneNumber", obj({{"PhoneNumberId", b}, {"InstanceId", other}}));
  EXPECT_EQ(status(b), "IN_PROGRESS");
  EXPECT_EQ(error_of("UpdatePhoneNumber", obj({{"PhoneNumberId", b}, {"InstanceId", instance_id}})),
            "ResourceInUseException");
  clock.advance_ms(2000);
  EXPECT_EQ(status(b), "CLAIMED");
  EXPECT_EQ(
      call("ListPhoneNumbersV2", obj({{"InstanceId", other}})).find("ListPhoneNumbersSummaryList")->as_list().size(),
      1u);
  EXPECT_EQ(call("ListPhoneNumbersV2", Value::map()).find("ListPhoneNumbersSummaryList")->as_list().size(), 2u);
  call("UpdatePhoneNumberMetadata", obj({{"PhoneNumberId", a}, {"PhoneNumberDescription", "front desk"}}));
  clock.advance_ms(2000);
  EXPECT_EQ(call("DescribePhoneNumber", obj({{"PhoneNumberId", a}}))
                .find("ClaimedPhoneNumberSummary")
                ->string_or("PhoneNumberDescription", ""),
            "front desk");
}

TEST_F(PhoneNumbersTest, FlowsAndAssociations) {
  auto flows =
      call("ListContactFlows",
           obj({{"InstanceId", instance_id}, {"ContactFlowTypes", Value(Value::List{Value("CONTACT_FLOW")})}}));
  const auto& list = flows.find("ContactFlowSummaryList")->as_list();
  auto inbound = std::find_if(list.begin(), list.end(),
                              [](const Value& f) { return f.string_or("Name", "") == "Default inbound"; });
  ASSERT_NE(inbound, list.end());
  const std::string id = claim(search()[0]).string_or("PhoneNumberId", "");
  clock.advance_ms(2000);
  call("AssociatePhoneNumberContactFlow",
       obj({{"PhoneNumberId", id}, {"InstanceId", instance_id}, {"ContactFlowId", inbound->string_or("Id", "")}}));
  auto assoc = call("ListFlowAssociations", obj({{"InstanceId", instance_id}, {"ResourceType", "VOICE_PHONE_NUMBER"}}));
  ASSERT_EQ(assoc.find("FlowAssociationSummaryList")->as_list().size(), 1u);
  EXPECT_EQ(assoc.find("FlowAssociationSummaryList")->as_list()[0].string_or("FlowId", ""),
            inbound->string_or("Arn", ""));
  call("ReleasePhoneNumber", obj({{"PhoneNumberId", id}}));
  EXPECT_EQ(call("ListFlowAssociations", obj({{"InstanceId", instance_id}}))
                .find("FlowAssociationSummaryList")
                ->as_list()
                .size(),
            0u);
  EXPECT_EQ(error_of("CreateContactFlow",
                     obj({{"InstanceId", instance_id}, {"Name", "x"}, {"Type", "CONTACT_FLOW"}, {"Content", "{bad"}})),
            "InvalidContactFlowException");
  Value created = call("CreateContactFlow",
                       obj({{"InstanceId", instance_id}, {"Name", "x"}, {"Type", "CONTACT_FLOW"}, {"Content", "{}"}}));
  EXPECT_EQ(call("DescribeContactFlow",
                 obj({{"InstanceId", instance_id}, {"ContactFlowId", created.string_or("ContactFlowId", "")}}))
                .find("ContactFlow")
                ->string_or("Content", ""),
            "{}");
  EXPECT_EQ(error_of("CreateContactFlow",
                     obj({{"InstanceId", instance_id}, {"Name", "x"}, {"Type", "CONTACT_FLOW"}, {"Content", "{}"}})),
            "DuplicateResourceException");
}

TEST_F(PhoneNumbersTest, TagsThroughThePhoneNumberArnOnly) {
  Value claimed =
      call("ClaimPhoneNumber",
           obj({{"PhoneNumber", search()[0]}, {"InstanceId", instance_id}, {"Tags", obj({{"team", "a"}})}}));
  const std::string arn = claimed.string_or("PhoneNumberArn", ""), id = claimed.string_or("PhoneNumberId", "");
  call("TagResource", obj({{"resourceArn", arn}, {"tags", obj({{"env", "dev"}})}}));
  EXPECT_EQ(*call("DescribePhoneNumber", obj({{"PhoneNumberId", id}})).find("ClaimedPhoneNumberSummary")->find("Tags"),
            obj({{"env", "dev"}, {"team", "a"}}));
  EXPECT_EQ(error_of("ListTagsForResource", obj({{"resourceArn", instance_arn + "/phone-number/" + id}})),
            "ResourceNotFoundException");
}

TEST_F(PhoneNumbersTest, DeletingTheInstanceReleasesItsNumbers) {
  const std::string number = search()[0];
  const std::string id = claim(number).string_or("PhoneNumberId", "");
  clock.advance_ms(2000);
  call("DeleteInstance", obj({{"InstanceId", instance_id}}));
  EXPECT_EQ(error_of("DescribePhoneNumber", obj({{"PhoneNumberId", id}})), "ResourceNotFoundException");
  const std::string again = create_instance("again").string_or("Id", "");
  EXPECT_EQ(error_of("ClaimPhoneNumber", obj({{"PhoneNumber", number}, {"InstanceId", again}})),
            "InvalidParameterException");
}

TEST_F(PhoneNumbersTest, FaultRulesFailClaims) {
  FaultRule rule;
  rule.operation = "ClaimPhoneNumber";
  rule.claim_failure = "Carrier rejected the number";
  service.add_fault_rule(rule);
  const std::string id = claim(search()[0]).string_or("PhoneNumberId", "");
  clock.advance_ms(2000);
  EXPECT_EQ(call("DescribePhoneNumber", obj({{"PhoneNumberId", id}}))
                .find("ClaimedPhoneNumberSummary")
                ->find("PhoneNumberStatus")
                ->string_or("Message", ""),
            "Carrier rejected the number");
}

TEST_F(PhoneNumbersTest, AFaultRuleWithALimitFiresThatManyTimes) {
  FaultRule rule;
  rule.operation = "DescribeInstance";
  rule.error_code = "InternalServiceException";
  rule.message = "boom";
  rule.times = 2;
  service.add_fault_rule(rule);
  const Value in = obj({{"InstanceId", instance_id}});
  EXPECT_EQ(error_of("DescribeInstance", in), "InternalServiceException");
  EXPECT_EQ(error_of("DescribeInstance", in), "InternalServiceException");
  EXPECT_EQ(error_of("DescribeInstance", in), "");
  ASSERT_EQ(service.fault_rules().size(), 1u);
  EXPECT_EQ(service.fault_rules()[0].times, 0);
}

TEST_F(PhoneNumbersTest, TheAccountOfAFailedClaimMayClaimTheNumberAgainWithinTheDay) {
  FaultRule rule;
  rule.operation = "ClaimPhoneNumber";
  rule.claim_failure = "Carrier rejected the number";
  rule.times = 1;
  service.add_fault_rule(rule);
  const std::string number = search()[0];
  const std::string failed = claim(number).string_or("PhoneNumberId", "");
  clock.advance_ms(2000);
  // Nobody else can take it while the FAILED claim holds it ...
  const std::string other_instance = create_instance("other", "222222222222").string_or("Id", "");
  clock.advance_ms(2000);
  EXPECT_EQ(
      error_of("ClaimPhoneNumber", obj({{"PhoneNumber", number}, {"InstanceId", other_instance}}), "222222222222"),
      "InvalidParameterException");
  EXPECT_EQ(last_message, "Phone number not available: " + number);
  // ... but its own account retries, and the retry replaces the FAILED record.
  const std::string retried = claim(number).string_or("PhoneNumberId", "");
  EXPECT_NE(retried, failed);
  EXPECT_EQ(error_of("DescribePhoneNumber", obj({{"PhoneNumberId", failed}})), "ResourceNotFoundException");
  clock.advance_ms(2000);
  EXPECT_EQ(call("DescribePhoneNumber", obj({{"PhoneNumberId", retried}}))
                .find("ClaimedPhoneNumberSummary")
                ->find("PhoneNumberStatus")
                ->string_or("Status", ""),
            "CLAIMED");
}

}  // namespace
}  // namespace cl::connect::testing
