// Authorization: every resource an operation touches is checked, in canonical ARN form.
#include "auth/authorize.hpp"

#include <gtest/gtest.h>

#include "protocol/model.hpp"
#include "test_util.hpp"

namespace cl::auth {
namespace {

using namespace cl::auth::test;

constexpr const char* kAcct = "111111111111";
constexpr const char* kI = "11111111-2222-4333-8444-555555555555";
constexpr const char* kP = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
constexpr const char* kF = "ffffffff-bbbb-4ccc-8ddd-eeeeeeeeeeee";
const Caller kCaller{kAcct, "us-east-1"};
const std::string kBase = "arn:aws:connect:us-east-1:111111111111:";

Value obj(std::initializer_list<std::pair<const char*, std::string>> members) {
  Value v = Value::map();
  for (const auto& [k, m] : members) v.set(k, m);
  return v;
}

struct WithPolicy {
  Credential cred;
  Identity id;
  explicit WithPolicy(const std::string& json) {
    cred = {"AKIDP", "s", kAcct, "", Policy::parse(json)};
    id = {kAcct, "us-east-1", "AKIDP", &cred};
  }
};

std::string deny_all_but(const std::string& action, const std::string& resource) {
  return R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"connect:*","Resource":"*"},)"
         R"({"Effect":"Deny","Action":")" +
         action + R"(","Resource":")" + resource + R"("}]})";
}

TEST(Authorize, EveryModeledOperationHasAnEntry) {
  for (const auto& op : protocol::Model::embedded().operations())
    EXPECT_TRUE(has_resource_entry(op.name)) << op.name << " is missing from the authorization table";
}

TEST(Authorize, EveryResourceTheOperationTouches) {
  const std::string inst = kBase + "instance/" + kI;
  const std::string phone = kBase + "phone-number/" + kP;
  const std::string group = kBase + "traffic-distribution-group/" + kP;
  const std::string flow = inst + "/contact-flow/" + kF;
  using V = std::vector<std::string>;
  EXPECT_EQ(policy_resources("UpdatePhoneNumber", obj({{"PhoneNumberId", kP}, {"TargetArn", group}}), kCaller),
            (V{phone, group}));
  EXPECT_EQ(policy_resources("UpdatePhoneNumber", obj({{"PhoneNumberId", phone}, {"InstanceId", kI}}), kCaller),
            (V{phone, inst}));
  EXPECT_EQ(policy_resources("ClaimPhoneNumber", obj({{"TargetArn", inst}, {"InstanceId", inst}}), kCaller),
            (V{kBase + "phone-number/*", inst}));
  EXPECT_EQ(policy_resources("AssociatePhoneNumberContactFlow",
                             obj({{"PhoneNumberId", kP}, {"InstanceId", kI}, {"ContactFlowId", kF}}), kCaller),
            (V{phone, flow, inst}));
  EXPECT_EQ(policy_resources("DescribeContactFlow", obj({{"InstanceId", inst}, {"ContactFlowId", kF}}), kCaller),
            (V{flow}));
  EXPECT_EQ(policy_resources("DescribeContactFlow", obj({{"InstanceId", kI}, {"ContactFlowId", flow}}), kCaller),
            (V{flow}));
  EXPECT_EQ(policy_resources("DescribeTrafficDistributionGroup", obj({{"TrafficDistributionGroupId", kP}}), kCaller),
            (V{group}));
  EXPECT_EQ(policy_resources("TagResource", obj({{"resourceArn", flow}}), kCaller), (V{flow}));
  EXPECT_EQ(policy_resources("ListInstances", Value::map(), kCaller), (V{"*"}));
  EXPECT_EQ(policy_resources("ListPhoneNumbersV2", Value::map(), kCaller), (V{"*"}));
  // A replica region names its source region's group by full ARN: the policy sees that ARN.
  const std::string west_group = "arn:aws:connect:us-west-2:111111111111:traffic-distribution-group/" + std::string(kP);
  EXPECT_EQ(
      policy_resources("DescribeTrafficDistributionGroup", obj({{"TrafficDistributionGroupId", west_group}}), kCaller),
      (V{west_group}));
}

TEST(Authorize, DenyOnInstanceHoldsWhateverFormNamesIt) {
  WithPolicy p(deny_all_but("connect:DeleteInstance", "arn:aws:connect:*:111111111111:instance/*"));
  for (const std::string& form : {std::string(kI), kBase + "instance/" + kI}) {
    SCOPED_TRACE(form);
    const std::string msg = expect_aws_error(
        [&] {
          authorize(p.id, "DeleteInstance", obj({{"InstanceId", form}}));
        },
        errors::kAccessDenied);
    EXPECT_EQ(msg,
              "User: arn:aws:iam::111111111111:user/AKIDP is not authorized to perform: connect:DeleteInstance "
              "on resource: " +
                  kBase + "instance/" + kI + " with an explicit deny in an identity-based policy");
  }
  // Forms the parser refuses reach the policy as written (and the domain refuses them as not found).
  EXPECT_NO_THROW(
      authorize(p.id, "DeleteInstance",
                obj({{"InstanceId", "arn:aws-cn:connect:us-east-1:111111111111:instance/" + std::string(kI)}})));
  EXPECT_NO_THROW(authorize(p.id, "DescribeInstance", obj({{"InstanceId", kI}})));
}

TEST(Authorize, DenyOnFlowsAppliesToFlowOperationsAndAssociations) {
  WithPolicy p(deny_all_but("connect:*", "arn:aws:connect:*:*:instance/*/contact-flow/*"));
  expect_aws_error(
      [&] {
        authorize(p.id, "DescribeContactFlow", obj({{"InstanceId", kI}, {"ContactFlowId", kF}}));
      },
      errors::kAccessDenied);
  expect_aws_error(
      [&] {
        authorize(p.id, "AssociatePhoneNumberContactFlow",
                  obj({{"PhoneNumberId", kP}, {"InstanceId", kI}, {"ContactFlowId", kF}}));
      },
      errors::kAccessDenied);
  EXPECT_NO_THROW(authorize(p.id, "DescribeInstance", obj({{"InstanceId", kI}})));
  EXPECT_NO_THROW(
      authorize(p.id, "DisassociatePhoneNumberContactFlow", obj({{"PhoneNumberId", kP}, {"InstanceId", kI}})));
}

TEST(Authorize, UpdatePhoneNumberChecksTheNumberAndTheTarget) {
  WithPolicy number(deny_all_but("connect:UpdatePhoneNumber", "arn:aws:connect:*:*:phone-number/*"));
  expect_aws_error(
      [&] {
        authorize(number.id, "UpdatePhoneNumber", obj({{"PhoneNumberId", kP}, {"InstanceId", kI}}));
      },
      errors::kAccessDenied);
  WithPolicy target(deny_all_but("connect:UpdatePhoneNumber", "arn:aws:connect:*:*:instance/" + std::string(kI)));
  expect_aws_error(
      [&] {
        authorize(target.id, "UpdatePhoneNumber", obj({{"PhoneNumberId", kP}, {"InstanceId", kI}}));
      },
      errors::kAccessDenied);
}

TEST(Authorize, ImplicitDenyWording) {
  WithPolicy p(
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"connect:Describe*","Resource":"*"}]})");
  const std::string msg =
      expect_aws_error([&] { authorize(p.id, "ListInstances", Value::map()); }, errors::kAccessDenied);
  EXPECT_EQ(msg,
            "User: arn:aws:iam::111111111111:user/AKIDP is not authorized to perform: connect:ListInstances on "
            "resource: * because no identity-based policy allows the connect:ListInstances action");
  Identity open{kAcct, "us-east-1", "AKID", nullptr};
  EXPECT_NO_THROW(authorize(open, "DeleteInstance", obj({{"InstanceId", kI}})));
}

}  // namespace
}  // namespace cl::auth
