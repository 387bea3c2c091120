#include "common/resource_ref.hpp"

#include <algorithm>
#include <array>

#include "common/ids.hpp"

namespace cl {

namespace {

constexpr std::string_view kPartition = "aws";
constexpr std::string_view kService = "connect";

// Amazon Connect endpoints in partition aws (AWS General Reference, "Amazon Connect endpoints and
// quotas"), plus ap-northeast-3, the Global Resiliency replica region of ap-northeast-1 (SPEC §7).
// GovCloud is partition aws-us-gov and so never applies here.
constexpr std::array<std::string_view, 11> kConnectRegions = {
    "af-south-1",   "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2",
    "ca-central-1", "eu-central-1",   "eu-west-2",      "us-east-1",      "us-west-2",
};

// Splits off the text before the next `sep`; false when there is none.
bool take_until(std::string_view& text, char sep, std::string_view& out) {
  const size_t at = text.find(sep);
  if (at == std::string_view::npos) return false;
  out = text.substr(0, at);
  text.remove_prefix(at + 1);
  return true;
}

// The resource part of a Connect ARN: "instance/<a>", "phone-number/<a>",
// "traffic-distribution-group/<a>", "instance/<a>/contact-flow/<b>", "instance/<a>/phone-number/<b>".
struct ResourcePath {
  ResourceKind kind;
  std::string_view first, second;  // second only for the nested forms
};

std::optional<ResourcePath> split_resource(std::string_view res) {
  std::string_view parts[4];
  size_t n = 0;
  while (n < 4) {
    const size_t slash = res.find('/');
    parts[n++] = res.substr(0, slash);
    if (slash == std::string_view::npos) break;
    res.remove_prefix(slash + 1);
    if (n == 4) return std::nullopt;  // a fifth segment
  }
  if (n == 2) {
    if (parts[0] == "instance") return ResourcePath{ResourceKind::Instance, parts[1], {}};
    if (parts[0] == "phone-number") return ResourcePath{ResourceKind::PhoneNumber, parts[1], {}};
    if (parts[0] == "traffic-distribution-group")
      return ResourcePath{ResourceKind::TrafficDistributionGroup, parts[1], {}};
  } else if (n == 4 && parts[0] == "instance") {
    if (parts[2] == "contact-flow") return ResourcePath{ResourceKind::ContactFlow, parts[1], parts[3]};
    if (parts[2] == "phone-number") return ResourcePath{ResourceKind::LegacyPhoneNumber, parts[1], parts[3]};
  }
  return std::nullopt;
}

ResourceRefResult failure(RefError e) { return ResourceRefResult{std::nullopt, e}; }

// The single kind a bare id can stand for, or nullopt when the member takes none or several.
std::optional<ResourceKind> bare_kind(ResourceKinds allowed, const RefOptions& options) {
  std::optional<ResourceKind> found;
  for (ResourceKind k : {ResourceKind::Instance, ResourceKind::PhoneNumber, ResourceKind::TrafficDistributionGroup,
                         ResourceKind::ContactFlow}) {
    if (!(allowed & kinds(k))) continue;
    if (k == ResourceKind::ContactFlow && options.parent_instance_id.empty()) continue;
    if (found) return std::nullopt;
    found = k;
  }
  return found;
}

}  // namespace

const char* to_string(RefError e) {
  switch (e) {
    case RefError::Malformed: return "malformed";
    case RefError::WrongKind: return "wrong resource type";
    case RefError::OtherPartition: return "other partition";
    case RefError::OtherService: return "other service";
    case RefError::OtherAccount: return "other account";
    case RefError::OtherRegion: return "not a Connect region";
    case RefError::NoSuchId: return "no such id";
  }
  return "malformed";
}

bool is_connect_region(std::string_view region) {
  return std::find(kConnectRegions.begin(), kConnectRegions.end(), region) != kConnectRegions.end();
}

std::string ResourceRef::arn() const {
  std::string s = "arn:";
  s.append(partition).append(":connect:").append(region).append(":").append(account_id).append(":");
  switch (kind) {
    case ResourceKind::Instance: return s.append("instance/").append(id);
    case ResourceKind::PhoneNumber: return s.append("phone-number/").append(id);
    case ResourceKind::TrafficDistributionGroup: return s.append("traffic-distribution-group/").append(id);
    case ResourceKind::ContactFlow:
      return s.append("instance/").append(instance_id).append("/contact-flow/").append(id);
    case ResourceKind::LegacyPhoneNumber:
      return s.append("instance/").append(instance_id).append("/phone-number/").append(id);
  }
  return s;
}

ResourceRefResult parse_resource_ref(std::string_view text, ResourceKinds allowed, const Caller& caller,
                                     const RefOptions& options) {
  ResourceRef ref;
  ref.partition = kPartition;
  ref.account_id = caller.account_id;

  if (text.substr(0, 4) != "arn:") {
    if (!options.allow_bare) return failure(RefError::Malformed);
    const auto kind = bare_kind(allowed, options);
    if (!kind) return failure(RefError::Malformed);
    if (!is_lower_uuid(text)) return failure(RefError::NoSuchId);
    ref.kind = *kind;
    ref.region = caller.region;
    ref.id = text;
    ref.instance_id = *kind == ResourceKind::ContactFlow ? options.parent_instance_id
                      : *kind == ResourceKind::Instance  ? text
                                                         : std::string_view{};
    ref.bare = true;
    return ResourceRefResult{std::move(ref), RefError::Malformed};
  }

  std::string_view rest = text.substr(4), partition, service, region, account;
  if (!take_until(rest, ':', partition) || !take_until(rest, ':', service) || !take_until(rest, ':', region) ||
      !take_until(rest, ':', account))
    return failure(RefError::Malformed);
  if (partition != kPartition) return failure(RefError::OtherPartition);
  if (service != kService) return failure(RefError::OtherService);
  const auto path = split_resource(rest);
  if (!path) return failure(RefError::Malformed);
  if (!(allowed & kinds(path->kind))) return failure(RefError::WrongKind);
  if (account != caller.account_id) return failure(RefError::OtherAccount);
  if (!is_connect_region(region)) return failure(RefError::OtherRegion);
  if (!is_lower_uuid(path->first) || (!path->second.empty() && !is_lower_uuid(path->second)) ||
      (path->kind >= ResourceKind::ContactFlow && path->second.empty()))
    return failure(RefError::NoSuchId);

  ref.kind = path->kind;
  ref.region = region;
  const bool nested = path->kind == ResourceKind::ContactFlow || path->kind == ResourceKind::LegacyPhoneNumber;
  ref.id = nested ? path->second : path->first;
  ref.instance_id = nested || path->kind == ResourceKind::Instance ? path->first : std::string_view{};
  return ResourceRefResult{std::move(ref), RefError::Malformed};
}

}  // namespace cl
