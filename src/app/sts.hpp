#pragma once
// The one STS call tools make to learn who they are: sts:GetCallerIdentity, AWS query protocol
// (form body on POST, or query string on GET, on the path "/"; SigV4 credential scope service
// "sts"). Connect has no route at "/", so the path alone tells an STS request from a Connect one.
// Every other action answers the query protocol's 400 InvalidAction; errors are XML
// <ErrorResponse> documents with the STS names of the SigV4 errors.
#include <string>

#include "auth/verifier.hpp"
#include "http/message.hpp"

namespace cl::app::sts {

inline constexpr const char* kVersion = "2011-06-15";

bool handles(const http::Request& request);

struct Outcome {
  http::Response response;
  std::string operation;  // for metrics: "GetCallerIdentity", or "Unrouted" for any other action
  std::string code;       // "OK" or the error code sent
};

// Authenticates (service "sts") and answers; never throws.
Outcome handle(const http::Request& request, const auth::Verifier& verifier, Millis wall_now_ms,
               const std::string& request_id);

// The identity AWS reports for a credential. Long-term keys are IAM users:
// arn:aws:iam::<account>:user/<access key>, UserId AIDA... . Keys with a session token are what
// role assumption hands out (SSO, instance and CI roles; GetSessionToken is rare and cannot be
// told apart): arn:aws:sts::<account>:assumed-role/connect-local/<access key>, UserId AROA...:<access key>.
// The unique ids are derived from (account, key) so they are stable across restarts.
struct CallerIdentity {
  std::string user_id, account, arn;
};
CallerIdentity caller_identity(const std::string& account_id, const std::string& access_key_id, bool session);

}  // namespace cl::app::sts
