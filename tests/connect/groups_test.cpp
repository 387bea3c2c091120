#include "common/arn.hpp"
#include "service_fixture.hpp"

namespace cl::connect::testing {
namespace {

constexpr const char* kAccount = "111111111111";
constexpr const char* kHome = "us-east-1";
constexpr const char* kReplica = "us-west-2";

class GroupsTest : public ServiceTest {
 protected:
  std::string instance_id;
  void SetUp() override {
    ServiceTest::SetUp();
    instance_id = call("CreateInstance", obj({{"IdentityManagementType", "SAML"},
                                              {"InstanceAlias", "global"},
                                              {"InboundCallsEnabled", true},
                                              {"OutboundCallsEnabled", true}}))
                      .string_or("Id", "");
    clock.advance_ms(2000);
  }
  Value replicate() {
    return call("ReplicateInstance",
                obj({{"InstanceId", instance_id}, {"ReplicaRegion", kReplica}, {"ReplicaAlias", "global-west"}}));
  }
  std::string create_group(const std::string& name) {
    std::string arn =
        call("CreateTrafficDistributionGroup", obj({{"Name", name}, {"InstanceId", instance_id}})).string_or("Arn", "");
    clock.advance_ms(2000);
    return arn;
  }
  std::string first_available(const std::string& target_arn, const std::string& region = kHome) {
    Value out = call("SearchAvailablePhoneNumbers",
                     obj({{"PhoneNumberCountryCode", "US"},
                          {"PhoneNumberType", "DID"},
                          {"TargetArn", target_arn},
                          {"MaxResults", int64_t{1}}}),
                     kAccount, region);
    return out.find("AvailableNumbersList")->as_list().at(0).string_or("PhoneNumber", "");
  }
};

TEST_F(GroupsTest, ReplicationPreconditions) {
  auto replicate_to = [&](const std::string& id, const std::string& region) {
    return error_of("ReplicateInstance", obj({{"InstanceId", id}, {"ReplicaRegion", region}, {"ReplicaAlias", "r"}}));
  };
  EXPECT_EQ(replicate_to(instance_id, kHome), "InvalidRequestException");
  EXPECT_EQ(replicate_to(instance_id, "eu-west-2"), "InvalidRequestException");  // not a supported pair
  const std::string managed = create_instance("managed").string_or("Id", "");
  clock.advance_ms(2000);
  EXPECT_EQ(replicate_to(managed, kReplica), "InvalidRequestException");  // not SAML
  EXPECT_NE(last_message.find("SAML"), std::string::npos);
  EXPECT_EQ(error_of("CreateTrafficDistributionGroup", obj({{"Name", "g"}, {"InstanceId", instance_id}})),
            "InvalidRequestException");
  replicate();
  EXPECT_EQ(replicate_to(instance_id, kReplica), "InvalidRequestException");  // already replicated
}

TEST_F(GroupsTest, ReplicaKeepsTheIdAndDescribesItsReplication) {
  Value out = replicate();
  EXPECT_EQ(out.string_or("Id", ""), instance_id);
  EXPECT_EQ(out.string_or("Arn", ""), arn::instance(kReplica, kAccount, instance_id));
  Value replica = call("DescribeInstance", obj({{"InstanceId", instance_id}}), kAccount, kReplica);
  EXPECT_EQ(replica.find("Instance")->string_or("Arn", ""), arn::instance(kReplica, kAccount, instance_id));
  EXPECT_EQ(replica.find("ReplicationConfiguration")->string_or("SourceRegion", ""), kHome);
  Value source = call("DescribeInstance", obj({{"InstanceId", instance_id}}));
  EXPECT_EQ(source.find("ReplicationConfiguration")
                ->find("ReplicationStatusSummaryList")
                ->as_list()[0]
                .string_or("Region", ""),
            kReplica);
  auto groups = call("ListTrafficDistributionGroups", obj({{"InstanceId", instance_id}}));
  ASSERT_EQ(groups.find("TrafficDistributionGroupSummaryList")->as_list().size(), 1u);
  EXPECT_EQ(groups.find("TrafficDistributionGroupSummaryList")->as_list()[0].opt_bool("IsDefault"), true);
}

TEST_F(GroupsTest, GroupsAreCreatedInTheSourceRegionAndSeenByArnFromTheReplica) {
  replicate();
  EXPECT_EQ(
      error_of("CreateTrafficDistributionGroup", obj({{"Name", "g"}, {"InstanceId", instance_id}}), kAccount, kReplica),
      "InvalidRequestException");
  Value created = call("CreateTrafficDistributionGroup", obj({{"Name", "g"}, {"InstanceId", instance_id}}));
  const std::string id = created.string_or("Id", ""), arn = created.string_or("Arn", "");
  EXPECT_EQ(call("DescribeTrafficDistributionGroup", obj({{"TrafficDistributionGroupId", id}}))
                .find("TrafficDistributionGroup")
                ->string_or("Status", ""),
            "CREATION_IN_PROGRESS");
  clock.advance_ms(2000);
  EXPECT_EQ(call("DescribeTrafficDistributionGroup", obj({{"TrafficDistributionGroupId", arn}}), kAccount, kReplica)
                .find("TrafficDistributionGroup")
                ->string_or("Status", ""),
            "ACTIVE");
  EXPECT_EQ(error_of("DescribeTrafficDistributionGroup", obj({{"TrafficDistributionGroupId", id}}), kAccount, kReplica),
            "ResourceNotFoundException");
  EXPECT_EQ(error_of("DeleteTrafficDistributionGroup", obj({{"TrafficDistributionGroupId", arn}}), kAccount, kReplica),
            "InvalidRequestException");
  EXPECT_EQ(error_of("CreateTrafficDistributionGroup", obj({{"Name", "g"}, {"InstanceId", instance_id}})),
            "ResourceConflictException");
}

TEST_F(GroupsTest, NumbersOnAGroupFollowTheRegionRules) {
  replicate();
  const std::string group = create_group("numbers");
  const std::string number = first_available(group);
  EXPECT_EQ(first_available(group, kReplica), number);  // search works from both regions
  EXPECT_EQ(error_of("ClaimPhoneNumber", obj({{"PhoneNumber", number}, {"TargetArn", group}}), kAccount, kReplica),
            "InvalidParameterException");
  Value claimed = call("ClaimPhoneNumber", obj({{"PhoneNumber", number}, {"TargetArn", group}}));
  const std::string id = claimed.string_or("PhoneNumberId", ""), phone_arn = claimed.string_or("PhoneNumberArn", "");
  clock.advance_ms(2000);
  // From the replica region: by full ARN only.
  EXPECT_EQ(call("DescribePhoneNumber", obj({{"PhoneNumberId", phone_arn}}), kAccount, kReplica)
                .find("ClaimedPhoneNumberSummary")
                ->string_or("TargetArn", ""),
            group);
  EXPECT_EQ(error_of("DescribePhoneNumber", obj({{"PhoneNumberId", id}}), kAccount, kReplica),
            "ResourceNotFoundException");
  EXPECT_EQ(error_of("ReleasePhoneNumber", obj({{"PhoneNumberId", phone_arn}}), kAccount, kReplica),
            "InvalidParameterException");
  EXPECT_EQ(call("ListPhoneNumbersV2", obj({{"TargetArn", group}}), kAccount, kReplica)
                .find("ListPhoneNumbersSummaryList")
                ->as_list()
                .size(),
            1u);
  // Deleting the group is refused while it holds numbers.
  EXPECT_EQ(error_of("DeleteTrafficDistributionGroup", obj({{"TrafficDistributionGroupId", group}})),
            "ResourceInUseException");
  // Move it to the instance and back.
  call("UpdatePhoneNumber", obj({{"PhoneNumberId", phone_arn}, {"InstanceId", instance_id}}));
  clock.advance_ms(2000);
  EXPECT_EQ(call("DescribePhoneNumber", obj({{"PhoneNumberId", id}}))
                .find("ClaimedPhoneNumberSummary")
                ->string_or("TargetArn", ""),
            arn::instance(kHome, kAccount, instance_id));
  EXPECT_EQ(error_of("DescribePhoneNumber", obj({{"PhoneNumberId", phone_arn}}), kAccount, kReplica),
            "ResourceNotFoundException");
  call("UpdatePhoneNumber", obj({{"PhoneNumberId", id}, {"TargetArn", group}}));
  clock.advance_ms(2000);
  call("ReleasePhoneNumber", obj({{"PhoneNumberId", phone_arn}}));
  call("DeleteTrafficDistributionGroup", obj({{"TrafficDistributionGroupId", group}}));
  EXPECT_EQ(call("DescribeTrafficDistributionGroup", obj({{"TrafficDistributionGroupId", group}}))
                .find("TrafficDistributionGroup")
                ->string_or("Status", ""),
            "PENDING_DELETION");
  clock.advance_ms(2000);
  EXPECT_EQ(error_of("DescribeTrafficDistributionGroup", obj({{"TrafficDistributionGroupId", group}})),
            "ResourceNotFoundException");
}

TEST_F(GroupsTest, TheDefaultGroupCannotBeDeletedAndInactiveGroupsTakeNoClaims) {
  replicate();
  auto groups = call("ListTrafficDistributionGroups", Value::map());
  const std::string default_id = groups.find("TrafficDistributionGroupSummaryList")->as_list()[0].string_or("Id", "");
  EXPECT_EQ(error_of("DeleteTrafficDistributionGroup", obj({{"TrafficDistributionGroupId", default_id}})),
            "InvalidRequestException");
  const std::string fresh =
      call("CreateTrafficDistributionGroup", obj({{"Name", "fresh"}, {"InstanceId", instance_id}}))
          .string_or("Arn", "");
  EXPECT_EQ(error_of("ClaimPhoneNumber", obj({{"PhoneNumber", "+12015550000"}, {"TargetArn", fresh}})),
            "ResourceNotFoundException");
}

TEST_F(GroupsTest, QuotaAppliesToGroupClaims) {
  replicate();
  const std::string group = create_group("quota");
  service.set_quotas({kAccount, kHome}, obj({{"phone_numbers_per_instance", int64_t{1}}}));
  call("ClaimPhoneNumber", obj({{"PhoneNumber", first_available(group)}, {"TargetArn", group}}));
  const std::string second =
      call("ClaimPhoneNumber", obj({{"PhoneNumber", first_available(group)}, {"TargetArn", group}}))
          .string_or("PhoneNumberId", "");
  clock.advance_ms(2000);
  EXPECT_EQ(call("DescribePhoneNumber", obj({{"PhoneNumberId", second}}))
                .find("ClaimedPhoneNumberSummary")
                ->find("PhoneNumberStatus")
                ->string_or("Status", ""),
            "FAILED");
}

}  // namespace
}  // namespace cl::connect::testing
