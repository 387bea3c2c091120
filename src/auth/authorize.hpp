#pragma once
// Authorization of one request against the caller's policy, as IAM does it: every resource the
// operation touches is checked (the Service Authorization Reference for Amazon Connect lists the
// resource types per action), each in its canonical ARN form from the one id/ARN parser
// (common/resource_ref.hpp), before the domain runs.
#include <string>
#include <string_view>
#include <vector>

#include "auth/verifier.hpp"
#include "common/resource_ref.hpp"
#include "common/value.hpp"

namespace cl::auth {

// One input member that names a resource.
struct ResourceMember {
  const char* member;  // input member name; nullptr for the resource an operation creates
  ResourceKinds kinds;
  bool allow_bare;  // a bare id is accepted (else ARNs only)
};

// The resource members of `operation`, in the order they are checked; empty for operations that
// name no resource (ListInstances, CreateInstance), and for operations not in the table.
const std::vector<ResourceMember>& resource_members(std::string_view operation);
// True when `operation` has an entry in the table (tests check that every modeled operation has).
bool has_resource_entry(std::string_view operation);

// The ARNs the policy is evaluated on: each named resource in canonical form ("*" when none is
// named). A member that does not parse is passed through as written: the domain refuses it (the
// same parser), and no policy Allow can be widened by it.
std::vector<std::string> policy_resources(std::string_view operation, const Value& input, const Caller& caller);

// Throws AccessDeniedException unless the identity's policy (if any) allows `connect:<operation>`
// on every resource.
void authorize(const Identity& id, std::string_view operation, const Value& input);

}  // namespace cl::auth
