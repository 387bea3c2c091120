// The one id/ARN parser: every accepted form, and every near miss refused with its reason.
#include "common/resource_ref.hpp"

#include <gtest/gtest.h>

namespace cl {
namespace {

constexpr const char* kAccount = "111111111111";
constexpr const char* kI = "11111111-2222-4333-8444-555555555555";
constexpr const char* kP = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
const Caller kCaller{kAccount, "us-east-1"};

std::string arn(const std::string& region, const std::string& account, const std::string& resource,
                const std::string& partition = "aws", const std::string& service = "connect") {
  return "arn:" + partition + ":" + service + ":" + region + ":" + account + ":" + resource;
}

TEST(ResourceRef, BareIdTakesTheCallersAccountAndRegion) {
  auto r = parse_resource_ref(kI, kinds(ResourceKind::Instance), kCaller);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, ResourceKind::Instance);
  EXPECT_TRUE(r->bare);
  EXPECT_EQ(r->region, "us-east-1");
  EXPECT_EQ(r->account_id, kAccount);
  EXPECT_EQ(r->id, kI);
  EXPECT_EQ(r->arn(), arn("us-east-1", kAccount, std::string("instance/") + kI));

  auto p = parse_resource_ref(kP, kinds(ResourceKind::PhoneNumber), kCaller);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->arn(), arn("us-east-1", kAccount, std::string("phone-number/") + kP));
  EXPECT_EQ(p->instance_id, "");  // a number names no instance (found by resource_ref_fuzz)
  auto g = parse_resource_ref(kP, kinds(ResourceKind::TrafficDistributionGroup), kCaller);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->arn(), arn("us-east-1", kAccount, std::string("traffic-distribution-group/") + kP));
}

TEST(ResourceRef, BareFlowIdNeedsItsInstance) {
  EXPECT_FALSE(parse_resource_ref(kP, kinds(ResourceKind::ContactFlow), kCaller));
  auto f = parse_resource_ref(kP, kinds(ResourceKind::ContactFlow), kCaller, RefOptions{true, kI});
  ASSERT_TRUE(f);
  EXPECT_EQ(f->instance_id, kI);
  EXPECT_EQ(f->arn(), arn("us-east-1", kAccount, std::string("instance/") + kI + "/contact-flow/" + kP));
}

TEST(ResourceRef, EveryArnFormRoundTrips) {
  const std::string forms[] = {
      arn("us-west-2", kAccount, std::string("instance/") + kI),
      arn("us-west-2", kAccount, std::string("phone-number/") + kP),
      arn("us-west-2", kAccount, std::string("traffic-distribution-group/") + kP),
      arn("us-west-2", kAccount, std::string("instance/") + kI + "/contact-flow/" + kP),
      arn("us-west-2", kAccount, std::string("instance/") + kI + "/phone-number/" + kP),
  };
  const ResourceKind expected[] = {ResourceKind::Instance, ResourceKind::PhoneNumber,
                                   ResourceKind::TrafficDistributionGroup, ResourceKind::ContactFlow,
                                   ResourceKind::LegacyPhoneNumber};
  for (size_t i = 0; i < std::size(forms); ++i) {
    SCOPED_TRACE(forms[i]);
    auto r = parse_resource_ref(forms[i], kAnyKind, kCaller);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->kind, expected[i]);
    EXPECT_FALSE(r->bare);
    EXPECT_EQ(r->region, "us-west-2");  // the ARN's region: the domain applies the region rules
    EXPECT_EQ(r->arn(), forms[i]);
  }
}

TEST(ResourceRef, NearMissesAreRefusedWithTheirReason) {
  const std::string res = std::string("instance/") + kI;
  struct Case {
    std::string text;
    RefError error;
  };
  const Case cases[] = {
      {arn("us-east-1", kAccount, res, "aws-cn"), RefError::OtherPartition},
      {arn("us-east-1", kAccount, res, "aws-us-gov"), RefError::OtherPartition},
      {arn("us-east-1", kAccount, res, "AWS"), RefError::OtherPartition},
      {arn("us-east-1", kAccount, res, ""), RefError::OtherPartition},
      {arn("us-east-1", kAccount, res, "aws", "sms-voice"), RefError::OtherService},
      {arn("us-east-1", kAccount, res, "aws", "Connect"), RefError::OtherService},
      {arn("us-east-1", "222222222222", res), RefError::OtherAccount},
      {arn("us-east-1", "", res), RefError::OtherAccount},
      {arn("us-east-1", std::string(kAccount) + "0", res), RefError::OtherAccount},
      {arn("zz-evil-9", kAccount, res), RefError::OtherRegion},
      {arn("", kAccount, res), RefError::OtherRegion},
      {arn("us-gov-west-1", kAccount, res), RefError::OtherRegion},
      {arn("US-EAST-1", kAccount, res), RefError::OtherRegion},
      {arn("us-east-1", kAccount, "instance/" + std::string(kI) + "/"), RefError::Malformed},
      {arn("us-east-1", kAccount, "instance/" + std::string(kI) + "/contact-flow"), RefError::Malformed},
      {arn("us-east-1", kAccount, "instance/" + std::string(kI) + "/queue/" + kP), RefError::Malformed},
      {arn("us-east-1", kAccount, "instance/" + std::string(kI) + "/contact-flow/" + kP + "/x"), RefError::Malformed},
      {arn("us-east-1", kAccount, "instance:" + std::string(kI)), RefError::Malformed},
      {arn("us-east-1", kAccount, "queue/" + std::string(kI)), RefError::Malformed},
      {"arn:aws:connect:us-east-1:" + std::string(kAccount), RefError::Malformed},
      {"arn:aws", RefError::Malformed},
      {"ARN:aws:connect:us-east-1:111111111111:" + res, RefError::NoSuchId},  // not "arn:": a bare id
      {arn("us-east-1", kAccount, "instance/" + std::string(kI) + "x"), RefError::NoSuchId},
      {arn("us-east-1", kAccount, "instance/11111111-2222-4333-8444-55555555555A"), RefError::NoSuchId},
      {arn("us-east-1", kAccount, "instance/"), RefError::NoSuchId},
      {arn("us-east-1", kAccount, "instance/" + std::string(kI) + "/contact-flow/"), RefError::NoSuchId},
      {"", RefError::NoSuchId},
      {"not-an-id", RefError::NoSuchId},
      {std::string(kI) + " ", RefError::NoSuchId},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto r = parse_resource_ref(c.text, kinds(ResourceKind::Instance) | ResourceKind::ContactFlow, kCaller,
                                RefOptions{true, kI});
    // Both instance and flow are asked for; a bare id then stands for neither (ambiguous).
    if (c.error == RefError::NoSuchId && c.text.rfind("arn:", 0) != 0) {
      r = parse_resource_ref(c.text, kinds(ResourceKind::Instance), kCaller);
    }
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error, c.error) << to_string(r.error);
  }
}

TEST(ResourceRef, KindsAndBareIdsAreChecked) {
  const std::string phone = arn("us-east-1", kAccount, std::string("phone-number/") + kP);
  EXPECT_EQ(parse_resource_ref(phone, kinds(ResourceKind::Instance), kCaller).error, RefError::WrongKind);
  // The legacy v1 ARN is not a phone-number ARN.
  const std::string legacy = arn("us-east-1", kAccount, std::string("instance/") + kI + "/phone-number/" + kP);
  EXPECT_EQ(parse_resource_ref(legacy, kinds(ResourceKind::PhoneNumber), kCaller).error, RefError::WrongKind);
  EXPECT_EQ(parse_resource_ref(legacy, kTaggableKinds, kCaller).error, RefError::WrongKind);
  // ARN-only members refuse bare ids.
  EXPECT_EQ(parse_resource_ref(kI, kinds(ResourceKind::Instance), kCaller, RefOptions{false, {}}).error,
            RefError::Malformed);
  // A bare id is one kind only: a member taking instance or group ARNs takes no bare id.
  EXPECT_FALSE(parse_resource_ref(kI, ResourceKind::Instance | ResourceKind::TrafficDistributionGroup, kCaller));
}

TEST(ResourceRef, ConnectRegions) {
  for (const char* r : {"us-east-1", "us-west-2", "af-south-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
                        "ap-southeast-1", "ap-southeast-2", "ca-central-1", "eu-central-1", "eu-west-2"})
    EXPECT_TRUE(is_connect_region(r)) << r;
  for (const char* r : {"", "zz-evil-9", "us-east-2", "eu-west-1", "us-gov-west-1", "cn-north-1", "US-EAST-1",
                        "us-east-1 ", "fips-us-east-1"})
    EXPECT_FALSE(is_connect_region(r)) << r;
}

}  // namespace
}  // namespace cl
