#pragma once
// The one parser for every id or ARN a request names (SPEC §3, §4). Handlers and the policy check
// both go through it, so what a policy is matched against is exactly what the domain looks up.
//
// Accepted, strictly (anything else is refused with the reason, never guessed at):
//   bare id            <uuid>                                   (takes the caller's account and region)
//   instance           arn:aws:connect:<region>:<account>:instance/<uuid>
//   phone number       arn:aws:connect:<region>:<account>:phone-number/<uuid>
//   traffic dist. grp  arn:aws:connect:<region>:<account>:traffic-distribution-group/<uuid>
//   contact flow       arn:aws:connect:<region>:<account>:instance/<uuid>/contact-flow/<uuid>
//   legacy number      arn:aws:connect:<region>:<account>:instance/<uuid>/phone-number/<uuid>  (ListPhoneNumbers v1)
// with partition `aws`, service `connect`, the caller's account and a region where Amazon Connect
// runs. Whether a region other than the caller's may be named (a replica reaching its source
// region's group or number, SPEC §7) is the domain's rule: the parser only reports the region.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/request_context.hpp"

namespace cl {

enum class ResourceKind : uint8_t {
  Instance = 1,
  PhoneNumber = 2,
  TrafficDistributionGroup = 4,
  ContactFlow = 8,
  LegacyPhoneNumber = 16,
};
// A set of kinds an input member may name.
using ResourceKinds = uint8_t;
constexpr ResourceKinds kinds(ResourceKind k) { return static_cast<ResourceKinds>(k); }
constexpr ResourceKinds operator|(ResourceKind a, ResourceKind b) { return kinds(a) | kinds(b); }
constexpr ResourceKinds operator|(ResourceKinds a, ResourceKind b) { return a | kinds(b); }
constexpr ResourceKinds kTaggableKinds = ResourceKind::Instance | ResourceKind::PhoneNumber |
                                         ResourceKind::TrafficDistributionGroup | ResourceKind::ContactFlow;
constexpr ResourceKinds kAnyKind = kTaggableKinds | ResourceKind::LegacyPhoneNumber;

// Who is asking: bare ids live in the caller's account and region; ARNs must name that account.
struct Caller {
  std::string_view account_id;
  std::string_view region;
};
inline Caller caller_of(const RequestContext& ctx) { return {ctx.account_id, ctx.region}; }

struct ResourceRef {
  ResourceKind kind = ResourceKind::Instance;
  std::string partition;    // always "aws"
  std::string region;       // the ARN's region, or the caller's for a bare id
  std::string account_id;   // always the caller's
  std::string id;           // the resource's own id
  std::string instance_id;  // the owning instance (contact flow, legacy number); the id itself for an instance
  bool bare = false;        // named by a bare id rather than an ARN

  // The canonical ARN (what policies see and what tags are stored under).
  std::string arn() const;
};

enum class RefError {
  Malformed,       // not an ARN of the accepted form, nor a bare id where one is allowed
  WrongKind,       // a well-formed Connect ARN of a kind this member does not take
  OtherPartition,  // arn:aws-cn:..., arn:aws-us-gov:..., ...
  OtherService,    // arn:aws:sms-voice:...
  OtherAccount,    // another account: never visible
  OtherRegion,     // not a region where Amazon Connect runs
  NoSuchId,        // the right shape of ARN, but an id no resource can have (not a lower-case UUID)
};
const char* to_string(RefError e);

struct ResourceRefResult {
  std::optional<ResourceRef> ref;
  RefError error = RefError::Malformed;
  explicit operator bool() const { return ref.has_value(); }
  const ResourceRef& operator*() const { return *ref; }
  const ResourceRef* operator->() const { return &*ref; }
};

struct RefOptions {
  bool allow_bare = true;  // resourceArn and TargetArn take ARNs only
  // A bare contact-flow id belongs to this instance (the request's InstanceId, already resolved).
  std::string_view parent_instance_id;
};

// Parses `text` as one of `kinds`. Pure; never throws.
ResourceRefResult parse_resource_ref(std::string_view text, ResourceKinds allowed, const Caller& caller,
                                     const RefOptions& options = {});

// The regions where Amazon Connect runs in partition `aws` (credential scopes and ARNs name only these).
bool is_connect_region(std::string_view region);

}  // namespace cl
