#include "auth/authorize.hpp"

#include <algorithm>
#include <unordered_map>

#include "common/aws_error.hpp"

namespace cl::auth {

namespace {

using K = ResourceKind;

// The input members that name resources. Contact flows take a bare id only with an InstanceId.
constexpr ResourceMember kPhoneNumber{"PhoneNumberId", kinds(K::PhoneNumber), true};
constexpr ResourceMember kNewPhoneNumber{nullptr, kinds(K::PhoneNumber), false};
constexpr ResourceMember kInstance{"InstanceId", kinds(K::Instance), true};
constexpr ResourceMember kTarget{"TargetArn", K::Instance | K::TrafficDistributionGroup, false};
constexpr ResourceMember kGroup{"TrafficDistributionGroupId", kinds(K::TrafficDistributionGroup), true};
constexpr ResourceMember kFlow{"ContactFlowId", kinds(K::ContactFlow), true};
constexpr ResourceMember kTagged{"resourceArn", kTaggableKinds, false};

// Per operation, the resources it touches (Service Authorization Reference for Amazon Connect,
// restricted to the members our model has). A claim or import is also checked against the
// phone-number resource it creates, as `phone-number/*` (its id does not exist yet).
const std::unordered_map<std::string_view, std::vector<ResourceMember>>& table() {
  static const std::unordered_map<std::string_view, std::vector<ResourceMember>> t = {
      // phone numbers
      {"ClaimPhoneNumber", {kNewPhoneNumber, kTarget, kInstance}},
      {"ImportPhoneNumber", {kNewPhoneNumber, kInstance}},
      {"SearchAvailablePhoneNumbers", {kTarget, kInstance}},
      {"DescribePhoneNumber", {kPhoneNumber}},
      {"ReleasePhoneNumber", {kPhoneNumber}},
      {"UpdatePhoneNumber", {kPhoneNumber, kTarget, kInstance}},
      {"UpdatePhoneNumberMetadata", {kPhoneNumber}},
      {"ListPhoneNumbersV2", {kTarget, kInstance}},
      {"ListPhoneNumbers", {kInstance}},
      {"AssociatePhoneNumberContactFlow", {kPhoneNumber, kFlow, kInstance}},
      {"DisassociatePhoneNumberContactFlow", {kPhoneNumber, kInstance}},
      // instances
      {"CreateInstance", {}},
      {"ListInstances", {}},
      {"DescribeInstance", {kInstance}},
      {"DeleteInstance", {kInstance}},
      {"ReplicateInstance", {kInstance}},
      // traffic distribution groups
      {"CreateTrafficDistributionGroup", {kInstance}},
      {"DescribeTrafficDistributionGroup", {kGroup}},
      {"DeleteTrafficDistributionGroup", {kGroup}},
      {"ListTrafficDistributionGroups", {kInstance}},
      // flows: an operation on one flow is checked on the flow (whose ARN lies under its instance's)
      {"CreateContactFlow", {kInstance}},
      {"ListContactFlows", {kInstance}},
      {"ListFlowAssociations", {kInstance}},
      {"DescribeContactFlow", {kFlow}},
      {"DeleteContactFlow", {kFlow}},
      {"UpdateContactFlowName", {kFlow}},
      {"UpdateContactFlowContent", {kFlow}},
      {"UpdateContactFlowMetadata", {kFlow}},
      // instance attributes
      {"DescribeInstanceAttribute", {kInstance}},
      {"UpdateInstanceAttribute", {kInstance}},
      {"ListInstanceAttributes", {kInstance}},
      // tags
      {"TagResource", {kTagged}},
      {"UntagResource", {kTagged}},
      {"ListTagsForResource", {kTagged}},
  };
  return t;
}

// The ARN of the resource a member names, in canonical form; the text as given when it does not
// parse (the domain then refuses it with the same parser).
std::string resource_of(const ResourceMember& m, const Value& input, const Caller& caller) {
  if (!m.member) {
    ResourceRef fresh;
    fresh.kind = ResourceKind::PhoneNumber;
    fresh.partition = "aws";
    fresh.region = caller.region;
    fresh.account_id = caller.account_id;
    fresh.id = "*";
    return fresh.arn();
  }
  const std::string text = input.string_or(m.member, "");
  RefOptions options{m.allow_bare, {}};
  std::string parent;
  if (m.kinds & kinds(ResourceKind::ContactFlow)) {
    // A bare flow id lives under the request's instance.
    if (auto instance = input.opt_string(kInstance.member))
      if (auto ref = parse_resource_ref(*instance, kInstance.kinds, caller)) parent = ref->id;
    options.parent_instance_id = parent;
  }
  auto ref = parse_resource_ref(text, m.kinds, caller, options);
  return ref ? ref->arn() : text;
}

}  // namespace

const std::vector<ResourceMember>& resource_members(std::string_view operation) {
  static const std::vector<ResourceMember> none;
  auto it = table().find(operation);
  return it == table().end() ? none : it->second;
}

bool has_resource_entry(std::string_view operation) { return table().count(operation) > 0; }

std::vector<std::string> policy_resources(std::string_view operation, const Value& input, const Caller& caller) {
  std::vector<std::string> out;
  for (const auto& m : resource_members(operation)) {
    if (m.member && !input.opt_string(m.member)) continue;  // optional member not given
    std::string arn = resource_of(m, input, caller);
    if (std::find(out.begin(), out.end(), arn) == out.end()) out.push_back(std::move(arn));
  }
  if (out.empty()) out.emplace_back("*");
  return out;
}

void authorize(const Identity& id, std::string_view operation, const Value& input) {
  if (!id.credential || !id.credential->policy) return;  // no policy: full access
  const Policy& policy = *id.credential->policy;
  const std::string action = "connect:" + std::string(operation);
  for (const auto& resource : policy_resources(operation, input, Caller{id.account_id, id.region})) {
    const Policy::Decision d = policy.evaluate(action, resource);
    if (d == Policy::Decision::Allow) continue;
    // The wording of IAM's denials.
    std::string msg = "User: arn:aws:iam::" + id.account_id + ":user/" + id.access_key_id +
                      " is not authorized to perform: " + action + " on resource: " + resource;
    msg += d == Policy::Decision::ExplicitDeny ? " with an explicit deny in an identity-based policy"
                                               : " because no identity-based policy allows the " + action + " action";
    errors::raise(errors::kAccessDenied, std::move(msg));
  }
}

}  // namespace cl::auth
