#pragma once
// An IAM-style policy subset, evaluated per request after authentication:
//   {"Version":"2012-10-17",
//    "Statement":[{"Sid":"optional","Effect":"Allow"|"Deny",
//                  "Action":"connect:Claim*" | ["connect:Describe*", ...],
//                  "Resource":"arn:aws:connect:*:*:phone-number/*" | [...]}]}
// Statement may be one object or a list. Action and Resource take a string or a list of strings, with
// the wildcards `*` (any run, including empty) and `?` (one character). Actions match
// case-insensitively ("connect:claimphonenumber" = "connect:ClaimPhoneNumber"), resources
// case-sensitively. Evaluation: an explicit Deny wins; otherwise an Allow is needed; no matching
// statement denies. Elements outside the subset (NotAction, NotResource, Condition, Principal, ...)
// are rejected at parse time rather than silently ignored. "No policy = full access" is the caller's
// rule (Credential::policy empty).
#include <string>
#include <string_view>
#include <vector>

namespace cl::auth {

class Policy {
 public:
  enum class Effect { Allow, Deny };
  struct Statement {
    Effect effect = Effect::Allow;
    std::vector<std::string> actions;    // "*" or "<service>:<pattern>"
    std::vector<std::string> resources;  // "*" or "arn:<pattern>"
  };

  // Throws std::runtime_error naming the offending element on malformed input.
  static Policy parse(std::string_view json);

  // `action` like "connect:ClaimPhoneNumber"; `resource_arn` the full ARN (or "*" for operations
  // that have no resource, e.g. ListInstances).
  bool allows(std::string_view action, std::string_view resource_arn) const {
    return evaluate(action, resource_arn) == Decision::Allow;
  }
  // Why: an explicit Deny, no matching Allow (implicit deny), or allowed.
  enum class Decision { Allow, ExplicitDeny, ImplicitDeny };
  Decision evaluate(std::string_view action, std::string_view resource_arn) const;

  const std::vector<Statement>& statements() const { return statements_; }

 private:
  std::vector<Statement> statements_;
};

// Glob match with `*` and `?`; linear-time backtracking (no recursion).
bool wildcard_match(std::string_view pattern, std::string_view text, bool case_insensitive);

}  // namespace cl::auth
