#pragma once
// Request authentication: SigV4 (Authorization header, or presigned query parameters) against the
// configured credentials. Thread-safe; one instance serves every I/O thread.
//
// Failures throw cl::AwsException (statuses in common/aws_error.cpp), checked in this order:
//   MissingAuthenticationTokenException  "Missing Authentication Token"   (no Authorization, no X-Amz-Algorithm)
//   IncompleteSignatureException         missing Credential/SignedHeaders/Signature/X-Amz-Date, credential
//                                        not 5 elements, malformed X-Amz-Date, unsupported algorithm, both
//                                        auth forms at once, an authentication header or presigned
//                                        parameter repeated, presigned parameters missing or X-Amz-Expires bad
//   InvalidSignatureException            scope terminator/service/date wrong, region not one where Amazon
//                                        Connect runs, host not signed, X-Amz-Date outside +-15 min
//                                        (presigned: past X-Amz-Expires)
//   UnrecognizedClientException          unknown access key; session token absent or different when the
//                                        credential has one, present when it has none
//   InvalidSignatureException            x-amz-content-sha256 not the body's hash; signature mismatch
#include <memory>
#include <string>
#include <string_view>

#include "auth/credentials.hpp"
#include "auth/sigv4.hpp"
#include "common/clock.hpp"
#include "http/message.hpp"

namespace cl::auth {

enum class Mode { Verify, Off };

struct Identity {
  std::string account_id, region, access_key_id;
  const Credential* credential = nullptr;  // null in Mode::Off
};

inline constexpr Millis kMaxClockSkewMs = 15 * 60 * 1000;
inline constexpr int64_t kMaxPresignedExpiresSeconds = 604800;
inline constexpr const char* kDefaultRegion = "us-east-1";
inline constexpr const char* kDefaultAccountId = "000000000000";
inline constexpr const char* kSignedService = "connect";
inline constexpr const char* kStsSignedService = "sts";

// The one place that says which SigV4 services and regions a credential scope may name.
bool signed_service(std::string_view service);
bool signing_region(std::string_view region);  // a region where Amazon Connect runs (common/resource_ref.hpp)

class Verifier {
 public:
  Verifier(Credentials credentials, Mode mode);

  // Mode::Verify: checks the signature, returns the credential's account and the scope's region.
  // Mode::Off: no signature check; account = the access key when it is 12 digits, else 000000000000;
  // region = the credential scope's region when present and well-formed, else us-east-1. A
  // well-formed region where Amazon Connect does not run is still refused (InvalidSignatureException).
  // `expected_service` is the credential scope's service the route expects: "connect" everywhere
  // but the one STS route (sts:GetCallerIdentity), which passes kStsSignedService.
  Identity verify(const http::Request& request, Millis wall_now_ms,
                  std::string_view expected_service = kSignedService) const;

  Mode mode() const { return mode_; }
  const Credentials& credentials() const { return credentials_; }
  const SigningKeyCache& key_cache() const { return *cache_; }

 private:
  Identity verify_off(const http::Request& request) const;

  Credentials credentials_;
  Mode mode_;
  std::unique_ptr<SigningKeyCache> cache_;  // behind a pointer: the cache holds mutexes, the verifier moves
};

}  // namespace cl::auth
